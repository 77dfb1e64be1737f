#!/bin/sh
# Benchmark: `kaltune --all-netns --json show` and `… sockets` with 10, 100 and 1000 network
# namespaces, half made by `ip netns add`, half held by processes. Runs as PID 1 of a private
# PID + mount + network namespace with its own /proc and /run, so only these namespaces exist for
# kaltune (the host's are never seen, never entered). Prints wall time (median of RUNS), time per
# namespace and peak RSS. Not a test: figures only, nothing is asserted. Needs root.
#   tests/bench/netns.sh [BUILD_DIR] [RUNS] [COUNTS]
set -eu
build=${1:-build}
runs=${2:-5}
counts=${3:-10 100 1000}
kaltune=$(realpath "$build/kaltune")
[ -x "$kaltune" ] || { echo "no $kaltune; build first" >&2; exit 2; }
if [ "${KALTUNE_BENCH_IN_NS:-}" != 1 ]; then
  KALTUNE_BENCH_IN_NS=1 exec unshare --pid --fork --mount-proc --net --mount \
    "$0" "$build" "$runs" "$counts"
fi
mount -t tmpfs -o mode=0755 tmpfs /run
# Inherited nsfs mounts elsewhere would be counted (and entered): drop them in this private copy.
awk '$0 ~ / - nsfs / { print $5 }' /proc/self/mountinfo | while read -r point; do
  umount -l "$point"
done
tmp=$(mktemp -d)
holders=
cleanup() {
  for pid in $holders; do kill "$pid" 2>/dev/null || true; done
  rm -rf "$tmp"
}
trap cleanup EXIT

made=0
grow_to() {
  while [ "$made" -lt "$1" ]; do
    if [ $((made % 2)) -eq 0 ]; then
      ip netns add "bench-$made"
    else
      unshare -n sleep 100000 &
      holders="$holders $!"
    fi
    made=$((made + 1))
  done
  sleep 0.2 # the last holders have unshared
}

# "seconds peak-KiB" of one run.
measure() {
  /usr/bin/time -f '%e %M' "$@" 2>&1 >/dev/null | tail -1
}

median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

printf '%-36s %6s %10s %12s %14s\n' "command (median of $runs)" "netns" "wall s" "ms/netns" \
  "peak RSS KiB"
for n in $counts; do
  grow_to "$n"
  for command in show sockets; do
    : >"$tmp/wall"
    : >"$tmp/rss"
    i=0
    while [ "$i" -lt "$runs" ]; do
      set -- $(measure "$kaltune" --all-netns --json "$command")
      echo "$1" >>"$tmp/wall"
      echo "$2" >>"$tmp/rss"
      i=$((i + 1))
    done
    wall=$(median <"$tmp/wall")
    rss=$(sort -n "$tmp/rss" | tail -1)
    found=$("$kaltune" --all-netns --json show | grep -o '"found":[0-9]*' | cut -d: -f2)
    printf '%-36s %6s %10s %12s %14s\n' "kaltune --all-netns --json $command" "$found" "$wall" \
      "$(awk -v w="$wall" -v n="$found" 'BEGIN { printf "%.3f", w * 1000 / n }')" "$rss"
  done
done
