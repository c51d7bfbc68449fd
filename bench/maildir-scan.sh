#!/bin/sh
# Compare maildir.Folder.Scan with `find DIR -type f | wc -l` on the same
# folder of N files (default 100000), warm cache, best of several runs each
# (the machine's load makes single runs noisy).
# Usage: bench/maildir-scan.sh [N] [RUNS]   (run from the module root)
set -eu
N=${1:-100000}
RUNS=${2:-5}
DIR=$(mktemp -d "${TMPDIR:-/tmp}/maildir-scan.XXXXXX")
trap 'rm -rf "$DIR"' EXIT
mkdir -p "$DIR/box/cur" "$DIR/box/new" "$DIR/box/tmp"
# Dovecot-style names, 90 % in cur/ with info, 10 % in new/.
seq 1 "$N" | awk -v d="$DIR/box" '{
  if ($1 % 10 == 0) printf "%s/new/%d.M%dP1234.bench\n", d, 1700000000+$1, $1;
  else printf "%s/cur/%d.M%dP1234.bench,S=%d,W=%d:2,S\n", d, 1700000000+$1, $1, $1, $1+10 }' |
  xargs touch
echo "files: $(find "$DIR/box" -type f | wc -l)"

# find: best wall time of RUNS, in ms
best=
i=0
while [ "$i" -lt "$RUNS" ]; do
  t0=$(date +%s%N)
  find "$DIR/box" -type f | wc -l >/dev/null
  t1=$(date +%s%N)
  ms=$(( (t1 - t0) / 1000000 ))
  if [ -z "$best" ] || [ "$ms" -lt "$best" ]; then best=$ms; fi
  i=$((i + 1))
done
echo "find -type f | wc -l: best of $RUNS: ${best} ms"

# Scan: best of RUNS single-scan benchmark runs, the same statistic.
MAILDIR_BENCH_DIR="$DIR/box" go test -run '^$' -bench 'BenchmarkScan100k$' \
  -benchtime=1x -count="$RUNS" ./maildir |
  awk -v find="$best" '/^BenchmarkScan100k/ { ms = $3 / 1e6; n++; if (b == "" || ms < b) b = ms }
    END { printf "maildir Scan: best of %d: %.0f ms (%.2fx find)\n", n, b, b / find }'
