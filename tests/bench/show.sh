#!/bin/sh
# Benchmark: `kaltune show` against procps `sysctl` reading the same three keys, run side by side
# (alternating) inside a private network namespace. Prints median wall time per call, peak RSS
# and the ratios. Not a test: figures only, nothing is asserted.
#   tests/bench/show.sh [BUILD_DIR] [RUNS]
set -eu
build=${1:-build}
runs=${2:-300}
kaltune=$(realpath "$build/kaltune")
[ -x "$kaltune" ] || { echo "no $kaltune; build first" >&2; exit 2; }
if [ "${KALTUNE_BENCH_IN_NS:-}" != 1 ]; then
  KALTUNE_BENCH_IN_NS=1 exec unshare -n "$0" "$@"
fi
keys="net.ipv4.tcp_keepalive_time net.ipv4.tcp_keepalive_intvl net.ipv4.tcp_keepalive_probes"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Wall time of one call in microseconds, measured by date(1) around a batch of 10 calls.
batch() {
  start=$(date +%s%N)
  for _ in 1 2 3 4 5 6 7 8 9 10; do "$@" >/dev/null; done
  end=$(date +%s%N)
  echo $(((end - start) / 10000))
}

i=0
while [ "$i" -lt "$((runs / 10))" ]; do
  batch "$kaltune" show --format sysctl >>"$tmp/kaltune"
  batch sysctl $keys >>"$tmp/sysctl"
  batch "$kaltune" show >>"$tmp/kaltune-table"
  i=$((i + 1))
done

median() { sort -n "$1" | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
rss() { /usr/bin/time -f %M "$@" 2>&1 >/dev/null | tail -1; }

k=$(median "$tmp/kaltune")
t=$(median "$tmp/kaltune-table")
s=$(median "$tmp/sysctl")
kr=$(rss "$kaltune" show --format sysctl)
sr=$(rss sysctl $keys)
printf '%-34s %14s %14s\n' "command ($runs runs each)" "median µs/call" "peak RSS KiB"
printf '%-34s %14s %14s\n' "kaltune show --format sysctl" "$k" "$kr"
printf '%-34s %14s %14s\n' "kaltune show (table)" "$t" "-"
printf '%-34s %14s %14s\n' "sysctl <3 keys>" "$s" "$sr"
awk -v k="$k" -v s="$s" -v kr="$kr" -v sr="$sr" \
  'BEGIN { printf "ratio kaltune/sysctl: time %.2f, memory %.2f\n", k / s, kr / sr }'
