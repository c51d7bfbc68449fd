#!/bin/sh
# Time imapdir, mbsync and offlineimap3 side by side on the everyday
# scenarios of issue 14, each tool on its own Dovecot user seeded alike
# (INBOX of N messages averaging 22 KB, or 2 KB with SIZE=small, plus 5
# folders of 20), so that every tool starts from the same server and local
# state:
#   first        first sync into an empty Maildir
#   after-first  no change, right after each first sync (timed with first)
#   after        no change, right after the previous run
#   settled      no change, 3 s after the previous run
#   srv-flags    1 % of INBOX's flags toggled + 0.1 % expunged on the server
#   local        1 % of the local flags toggled + 10 local deletions
#   new100       100 new messages on the server
#   slow-first   first sync over a link with 25 ms RTT and 100 Mbit/s
#   slow-after   no change over that link
#   slow-first-z / slow-first-plain  the engine (bench/e2ebench sync) with
#                COMPRESS=DEFLATE on and off over that link (imapdir only)
# Each scenario runs RUNS times, the tools in turn (imapdir, mbsync,
# offlineimap3, imapdir, …), every connection through bench/latencyproxy
# (no delay on loopback), which counts the bytes on the wire. Durability:
# imapdir as configured by default, mbsync FSync yes, offlineimap3 fsync
# true. Printed: every run, then per scenario and tool the medians of wall
# seconds, CPU seconds (user+sys), peak RSS (MB) and KB on the wire, and
# wall and CPU as a ratio to mbsync's.
#
# Usage: bench/scenarios.sh [N] [RUNS]   (from the module root; defaults
# 1000 3). TOOLS="imapdir mbsync" leaves offlineimap3 out; SCENARIOS
# picks scenarios; FIRST_RUNS (default RUNS) is how often the first-sync
# scenarios run, for large N. Needs dovecot-imapd, isync, offlineimap3
# and GNU time.
set -eu
N=${1:-1000}
RUNS=${2:-3}
TOOLS=${TOOLS:-"imapdir mbsync offlineimap"}
SIZE=${SIZE:-big}
FIRST_RUNS=${FIRST_RUNS:-$RUNS}
SCENARIOS=${SCENARIOS:-"first after settled srv-flags local new100 slow-first slow-after slow-z"}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/imapdir-scenarios.XXXXXX")
chmod 755 "$WORK"
SERVE_PID=
cleanup() {
  exec 3>&- 2>/dev/null || true
  if [ -n "$SERVE_PID" ]; then wait "$SERVE_PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

go build -o "$WORK/e2ebench" ./bench/e2ebench
go build -o "$WORK/latencyproxy" ./bench/latencyproxy
go build -o "$WORK/imapdir" ./cmd/imapdir
users=""
for t in $TOOLS; do users="${users:+$users,}u-$t"; done
mkfifo "$WORK/ctl"
"$WORK/e2ebench" serve -env "$WORK/env" -n 0 -resync-n "$N" -users "$users" -users-size "$SIZE" -folders 5 <"$WORK/ctl" &
SERVE_PID=$!
exec 3>"$WORK/ctl" # the server runs until this descriptor closes
echo "seeding $N messages for each of $users ..." >&2
while [ ! -f "$WORK/env" ]; do
  kill -0 "$SERVE_PID" 2>/dev/null || { echo "e2ebench serve failed" >&2; exit 1; }
  sleep 1
done
. "$WORK/env"

# config TOOL PORT: writes the tool's configuration for the proxy's port.
config() {
  md=$WORK/md-$1
  case $1 in
  imapdir)
    cat >"$WORK/imapdir.toml" <<TOML
[accounts.bench]
host = "localhost"
port = $2
tls = "implicit"
ca_file = "$CA_FILE"
user = "u-imapdir"
password = "$PASSWORD"
maildir = "$md"
TOML
    chmod 600 "$WORK/imapdir.toml" ;;
  mbsync)
    cat >"$WORK/mbsyncrc" <<RC
FSync yes

IMAPAccount bench
Host localhost
Port $2
User u-mbsync
Pass $PASSWORD
SSLType IMAPS
CertificateFile $CA_FILE

IMAPStore far
Account bench

MaildirStore near
Path $md/
Inbox $md/INBOX
SubFolders Verbatim

Channel bench
Far :far:
Near :near:
Patterns *
Create Near
Sync All
SyncState *
RC
    ;;
  offlineimap)
    cat >"$WORK/offlineimaprc" <<RC
[general]
accounts = bench
metadata = $WORK/offlineimap-meta
fsync = true
ui = quiet

[Account bench]
localrepository = near
remoterepository = far

[Repository near]
type = Maildir
localfolders = $md

[Repository far]
type = IMAP
remotehost = localhost
remoteport = $2
remoteuser = u-offlineimap
remotepass = $PASSWORD
ssl = yes
sslcacertfile = $CA_FILE
RC
    ;;
  esac
}

# synccmd TOOL [VARIANT]: the tool's sync command line.
synccmd() {
  case $1 in
  imapdir)
    case ${2:-} in
    z) echo "$WORK/e2ebench sync -port $PPORT -ca $CA_FILE -user u-imapdir -pass $PASSWORD -maildir $WORK/md-imapdir -compress" ;;
    plain) echo "$WORK/e2ebench sync -port $PPORT -ca $CA_FILE -user u-imapdir -pass $PASSWORD -maildir $WORK/md-imapdir" ;;
    *) echo "$WORK/imapdir --config $WORK/imapdir.toml -q sync" ;;
    esac ;;
  mbsync) echo "mbsync -q -c $WORK/mbsyncrc bench" ;;
  offlineimap) echo "offlineimap -c $WORK/offlineimaprc -o -u quiet" ;;
  esac
}

# run SCENARIO TOOL RUN RTT RATE [VARIANT]: one timed sync through a fresh
# proxy; appends "scenario tool run wall user sys rss_kb up down".
run() {
  rm -f "$WORK/addr" "$WORK/count"
  "$WORK/latencyproxy" -to "127.0.0.1:$IMAPS_PORT" -rtt "$4" -rate "$5" -addr-file "$WORK/addr" -count-file "$WORK/count" &
  ppid=$!
  while [ ! -s "$WORK/addr" ]; do sleep 0.05; done
  PPORT=$(sed 's/.*://' "$WORK/addr")
  config "$2" "$PPORT"
  mkdir -p "$WORK/md-$2"
  # shellcheck disable=SC2046
  if ! /usr/bin/time -f "%e %U %S %M" -o "$WORK/time.out" $(synccmd "$2" "${6:-}") >"$WORK/cmd.out" 2>&1; then
    cat "$WORK/cmd.out" >&2
    echo "$1 $2 run $3 failed" >&2
  fi
  kill -TERM "$ppid"
  wait "$ppid" || true
  printf '%s %s %s %s %s\n' "$1${6:+-$6}" "$2" "$3" "$(cat "$WORK/time.out" | tail -1)" "$(cat "$WORK/count")" | tee -a "$WORK/results"
}

# prepare SCENARIO TOOL RUN: the change the scenario makes before a run.
prepare() {
  case $1 in
  first | slow-first | slow-z) rm -rf "$WORK/md-$2" "$WORK/offlineimap-meta" ;;
  settled) sleep 3 ;;
  srv-flags) "$WORK/e2ebench" mutate -port "$IMAP_PORT" -user "u-$2" -flags-per-mille 10 -expunge-per-mille 1 -round "$3" ;;
  local) "$WORK/e2ebench" touch -dir "$WORK/md-$2/INBOX" -flags-per-mille 10 -delete 10 -round "$3" ;;
  new100) "$WORK/e2ebench" mutate -port "$IMAP_PORT" -user "u-$2" -new 100 -round "$3" ;;
  esac
}

: >"$WORK/results"
for sc in $SCENARIOS; do
  rtt=0 rate=0
  case $sc in slow-*) rtt=25ms rate=100 ;; esac
  runs=$RUNS
  case $sc in first | slow-first | slow-z) runs=$FIRST_RUNS ;; esac
  for r in $(seq 1 "$runs"); do
    for t in $TOOLS; do
      if [ "$sc" = slow-z ]; then
        [ "$t" = imapdir ] || continue
        for v in z plain; do
          prepare "$sc" "$t" "$r"
          run slow-first "$t" "$r" "$rtt" "$rate" "$v"
        done
        continue
      fi
      prepare "$sc" "$t" "$r"
      run "$sc" "$t" "$r" "$rtt" "$rate"
      if [ "$sc" = first ]; then run after-first "$t" "$r" 0 0; fi
    done
  done
  if [ "$sc" = first ] || [ "$sc" = slow-first ] || [ "$sc" = slow-z ]; then
    for t in $TOOLS; do run "$sc-settle" "$t" 0 0 0 >/dev/null; done # back in step
  fi
done

echo
echo "medians of $RUNS (N=$N): wall s, cpu s, RSS MB, KB on the wire; wall and cpu ratio to mbsync"
sort -k1,1 -k2,2 -k3,3n "$WORK/results" | grep -v -- '-settle ' | awk '
  function median(s,   a, n, t) { n = split(s, a, " "); for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }; return a[int((n + 1) / 2)] }
  { k = $1 " " $2; keys[k] = 1; w[k] = w[k] " " $4; c[k] = c[k] " " ($5 + $6); m[k] = m[k] " " $7; b[k] = b[k] " " ($8 + $9) }
  END {
    for (k in keys) { mw[k] = median(w[k]); mc[k] = median(c[k]) }
    for (k in keys) {
      split(k, p, " "); ref = p[1] " mbsync"
      rw = (ref in mw && mw[ref] > 0) ? sprintf("%.2f", mw[k] / mw[ref]) : "-"
      rc = (ref in mc && mc[ref] > 0) ? sprintf("%.2f", mc[k] / mc[ref]) : "-"
      printf "%-18s %-12s %8.2f %7.2f %7.1f %9.1f   %6s %6s\n", p[1], p[2], mw[k], mc[k], median(m[k]) / 1024, median(b[k]) / 1024, rw, rc
    }
  }' | sort
