#!/bin/sh
# Run imapdir's engine and mbsync side by side on the same private Dovecot
# (loopback, implicit TLS verified against a test CA, fsync on) and print
# wall time and peak RSS of each run, then the median of RUNS runs:
#   - initial sync of N messages of about 22 KB (user "big") into an
#     empty Maildir;
#   - no-change resync of M messages of about 2 KB (user "many") after
#     both tools have synced them once (and once more, untimed).
# "imapdir" is bench/e2ebench's "sync": the engine with its default
# options and maildirstore's default durability (fsync of every file and
# directory, per batch). "imapdir-cli" is `imapdir sync` (cmd/imapdir) with
# a config file, as users run it (maildirstore with one syncfs per batch),
# left out when CLI=0. mbsync is /usr/bin/mbsync with FSync yes.
#
# Usage: bench/compare.sh [N] [M] [RUNS]   (run from the module root;
# defaults 10000 50000 3). Needs dovecot-imapd, isync and GNU time.
set -eu
N=${1:-10000}
M=${2:-50000}
RUNS=${3:-3}
MBSYNC=${MBSYNC:-/usr/bin/mbsync}
CLI=${CLI:-1}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/imapdir-compare.XXXXXX")
chmod 755 "$WORK"
SERVE_PID=
cleanup() {
  exec 3>&- 2>/dev/null || true
  if [ -n "$SERVE_PID" ]; then wait "$SERVE_PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

go build -o "$WORK/e2ebench" ./bench/e2ebench
if [ "$CLI" = 1 ]; then go build -o "$WORK/imapdir" ./cmd/imapdir; fi
mkfifo "$WORK/ctl"
"$WORK/e2ebench" serve -env "$WORK/env" -n "$N" -resync-n "$M" <"$WORK/ctl" &
SERVE_PID=$!
exec 3>"$WORK/ctl" # the server runs until this descriptor closes
echo "seeding $N + $M messages ..." >&2
while [ ! -f "$WORK/env" ]; do
  kill -0 "$SERVE_PID" 2>/dev/null || { echo "e2ebench serve failed" >&2; exit 1; }
  sleep 1
done
. "$WORK/env"

# mbsyncrc USER MAILDIR FILE
mbsyncrc() {
  cat >"$3" <<RC
FSync yes

IMAPAccount bench
Host localhost
Port $IMAPS_PORT
User $1
Pass $PASSWORD
SSLType IMAPS
CertificateFile $CA_FILE

IMAPStore far
Account bench

MaildirStore near
Path $2/
Inbox $2/INBOX
SubFolders Verbatim

Channel bench
Far :far:
Near :near:
Patterns *
Create Near
Sync All
SyncState *
RC
}

# measure NAME CMD... : runs CMD under GNU time, prints "NAME wall_s rss_kb"
measure() {
  name=$1
  shift
  if ! /usr/bin/time -v -o "$WORK/time.out" "$@" >"$WORK/cmd.out" 2>&1; then
    cat "$WORK/cmd.out" >&2
    echo "$name failed" >&2
    exit 1
  fi
  awk -v name="$name" '
    /Elapsed \(wall clock\)/ { n = split($NF, p, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + p[i] }
    /Maximum resident set size/ { rss = $NF }
    END { printf "%s %.2f %d\n", name, s, rss }' "$WORK/time.out"
}

# imapdir_sync NAME USER MAILDIR, mbsync_sync NAME USER MAILDIR: one
# measured run of each tool.
imapdir_sync() {
  measure "$1" "$WORK/e2ebench" sync -port "$IMAPS_PORT" -ca "$CA_FILE" -user "$2" -pass "$PASSWORD" -maildir "$3"
}

cli_sync() {
  [ "$CLI" = 1 ] || return 0
  cat >"$WORK/imapdir.$2.toml" <<TOML
[accounts.bench]
host = "localhost"
port = $IMAPS_PORT
tls = "implicit"
ca_file = "$CA_FILE"
user = "$2"
password = "$PASSWORD"
maildir = "$3"
TOML
  chmod 600 "$WORK/imapdir.$2.toml"
  measure "$1" "$WORK/imapdir" --config "$WORK/imapdir.$2.toml" -q sync
}

mbsync_sync() {
  mkdir -p "$3"
  mbsyncrc "$2" "$3" "$WORK/mbsyncrc.$2"
  measure "$1" "$MBSYNC" -q -c "$WORK/mbsyncrc.$2" bench
}

: >"$WORK/results"
i=1
while [ "$i" -le "$RUNS" ]; do
  rm -rf "$WORK/m-mbsync" "$WORK/m-imapdir"
  mbsync_sync "initial-$N mbsync" "$BIG_USER" "$WORK/m-mbsync" | tee -a "$WORK/results"
  imapdir_sync "initial-$N imapdir" "$BIG_USER" "$WORK/m-imapdir" | tee -a "$WORK/results"
  rm -rf "$WORK/m-cli"
  cli_sync "initial-$N imapdir-cli" "$BIG_USER" "$WORK/m-cli" | tee -a "$WORK/results"
  i=$((i + 1))
done
echo "Maildir sizes (MB), files:"
for d in m-mbsync m-imapdir m-cli; do
  if [ -d "$WORK/$d" ]; then
    echo "  $d $(du -sm "$WORK/$d" | cut -f1) $(find "$WORK/$d" -type f -path '*/cur/*' -o -type f -path '*/new/*' | wc -l)"
  fi
done
rm -rf "$WORK/m-mbsync" "$WORK/m-imapdir" "$WORK/m-cli"

echo "first sync of $M messages for the resync test (untimed) ..." >&2
mbsync_sync "first-$M mbsync" "$MANY_USER" "$WORK/r-mbsync" | tee -a "$WORK/results"
imapdir_sync "first-$M imapdir" "$MANY_USER" "$WORK/r-imapdir" | tee -a "$WORK/results"
cli_sync "first-$M imapdir-cli" "$MANY_USER" "$WORK/r-cli" | tee -a "$WORK/results"
mbsync_sync "settle mbsync" "$MANY_USER" "$WORK/r-mbsync" >/dev/null
imapdir_sync "settle imapdir" "$MANY_USER" "$WORK/r-imapdir" >/dev/null
cli_sync "settle imapdir-cli" "$MANY_USER" "$WORK/r-cli" >/dev/null
i=1
while [ "$i" -le "$RUNS" ]; do
  mbsync_sync "resync-$M mbsync" "$MANY_USER" "$WORK/r-mbsync" | tee -a "$WORK/results"
  imapdir_sync "resync-$M imapdir" "$MANY_USER" "$WORK/r-imapdir" | tee -a "$WORK/results"
  cli_sync "resync-$M imapdir-cli" "$MANY_USER" "$WORK/r-cli" | tee -a "$WORK/results"
  i=$((i + 1))
done

echo
echo "median of $RUNS runs (wall s, peak RSS MB):"
for name in "initial-$N mbsync" "initial-$N imapdir" "initial-$N imapdir-cli" \
  "resync-$M mbsync" "resync-$M imapdir" "resync-$M imapdir-cli"; do
  grep -q "^$name " "$WORK/results" || continue
  wall=$(grep "^$name " "$WORK/results" | awk '{ print $3 }' | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')
  rss=$(grep "^$name " "$WORK/results" | awk '{ print $4 }' | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')
  printf "  %-24s %8.2f s %8.1f MB\n" "$name" "$wall" "$(echo "$rss" | awk '{ print $1 / 1024 }')"
done
