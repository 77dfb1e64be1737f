#!/bin/sh
# Benchmark: `kaltune --all-netns --json show` and `… sockets` with 10, 100 and 1000 network
# namespaces, half made by `ip netns add`, half held by processes. Runs as PID 1 of a private
# PID + mount + network namespace with its own /proc and /run, so only these namespaces exist for
# kaltune (the host's are never seen, never entered). Prints wall time (median of RUNS), time per
# namespace and peak RSS. Not a test: figures only, nothing is asserted. Needs root.
# `sockets` walks the kernel's TCP hash once per family per namespace; namespaces share the
# host's (sized at boot, often 256Ki buckets) unless they were created after
# net.ipv4.tcp_child_ehash_entries was set in their parent: KALTUNE_BENCH_CHILD_EHASH=N sets it
# (in the benchmark's private namespace only) before the namespaces are made.
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
if [ -n "${KALTUNE_BENCH_CHILD_EHASH:-}" ]; then
  echo "$KALTUNE_BENCH_CHILD_EHASH" >/proc/sys/net/ipv4/tcp_child_ehash_entries
fi
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

# "wall-seconds cpu-seconds peak-KiB" of one run (wall from date(1): finer than time(1)'s
# 10 ms; CPU = user + system, which a loaded machine inflates less than wall time).
measure() {
  start=$(date +%s%N)
  set -- $(/usr/bin/time -f '%U %S %M' "$@" 2>&1 >/dev/null | tail -1)
  end=$(date +%s%N)
  echo "$(awk -v ns=$((end - start)) 'BEGIN { printf "%.3f", ns / 1e9 }')" \
    "$(awk -v u="$1" -v s="$2" 'BEGIN { printf "%.2f", u + s }')" "$3"
}

median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

printf '%-36s %6s %8s %10s %8s %14s\n' "command (median of $runs)" "netns" "wall s" \
  "ms/netns" "cpu s" "peak RSS KiB"
for n in $counts; do
  grow_to "$n"
  for command in show sockets; do
    : >"$tmp/wall"
    : >"$tmp/cpu"
    : >"$tmp/rss"
    i=0
    while [ "$i" -lt "$runs" ]; do
      set -- $(measure "$kaltune" --all-netns --json "$command")
      echo "$1" >>"$tmp/wall"
      echo "$2" >>"$tmp/cpu"
      echo "$3" >>"$tmp/rss"
      i=$((i + 1))
    done
    wall=$(median <"$tmp/wall")
    cpu=$(median <"$tmp/cpu")
    rss=$(sort -n "$tmp/rss" | tail -1)
    found=$("$kaltune" --all-netns --json show | grep -o '"found":[0-9]*' | cut -d: -f2)
    printf '%-36s %6s %8s %10s %8s %14s\n' "kaltune --all-netns --json $command" "$found" \
      "$wall" "$(awk -v w="$wall" -v n="$found" 'BEGIN { printf "%.3f", w * 1000 / n }')" "$cpu" \
      "$rss"
  done
done
