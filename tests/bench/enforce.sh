#!/bin/bash
# Benchmark of `kaltune enforce`. Not a test: run by hand, as root; it prints Markdown tables.
#
#   tests/bench/enforce.sh [KALTUNE_BINARY]      (default: build/kaltune)
#
# Inside a private mount and network namespace (unshare -m -n), with a bpffs of its own over
# /sys/fs/bpf and a tmpfs /run, in a cgroup it makes under the cgroup2 mount (removed at the end):
#  1. connections established per second over loopback (connect, accept, close; a small C
#     program, so that the program's cost is not lost in an interpreter's) without and with
#     kaltune's sock_ops program attached, alternating, RUNS times each: the overhead;
#  2. `enforce --existing` over EXISTING (10 000) established connections held by one process
#     (both ends in the cgroup: 20 000 sockets), against `enforce` of the same values without it.
# Needs: gcc (cc), util-linux.
set -euo pipefail

kaltune=$(realpath "${1:-build/kaltune}")
runs=${RUNS:-9}
connections=${CONNECTIONS:-20000}
existing=${EXISTING:-10000}

if [ "${KALTUNE_BENCH_INSIDE:-}" != 1 ]; then
  [ "$(id -u)" -eq 0 ] || { echo "bench: run as root" >&2; exit 2; }
  exec env KALTUNE_BENCH_INSIDE=1 unshare -m -n --propagation private "$0" "$kaltune"
fi

ip link set lo up
echo "1024 65535" > /proc/sys/net/ipv4/ip_local_port_range
ulimit -n "$(ulimit -Hn)"
mount -t bpf bpf /sys/fs/bpf
mount -t tmpfs tmpfs /run
mount_point=$(awk '$9 == "cgroup2" { print $5; exit }' /proc/self/mountinfo)
[ -n "$mount_point" ] || { echo "bench: no cgroup2 mount" >&2; exit 2; }
cgroup=kaltune-bench-enforce-$$
home=$(sed -n 's/^0:://p' /proc/self/cgroup)
work=$(mktemp -d)
cleanup() {
  trap - EXIT
  # Every process still in the cgroup (this shell, a server or client a signal left behind) goes
  # back home first: a cgroup that holds a process cannot be removed.
  if [ -f "$mount_point/$cgroup/cgroup.procs" ]; then
    while read -r pid; do
      echo "$pid" > "$mount_point${home%/}/cgroup.procs" 2>/dev/null || true
    done < "$mount_point/$cgroup/cgroup.procs"
  fi
  "$kaltune" enforce --cgroup "$cgroup" --off >/dev/null 2>&1 || true
  if [ -d "$mount_point/$cgroup" ] && ! rmdir "$mount_point/$cgroup"; then
    echo "bench: could not remove $mount_point/$cgroup: remove it by hand" >&2
  fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP # through the EXIT trap
mkdir "$mount_point/$cgroup"
echo $$ > "$mount_point/$cgroup/cgroup.procs" # this shell and everything it starts

cat > "$work/connrate.c" <<'C'
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
/* connrate N: N connections made, accepted and closed (RST: no TIME_WAIT); prints per second. */
int main(int argc, char **argv) {
  int n = atoi(argv[1]);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  socklen_t size = sizeof a;
  int l = socket(AF_INET, SOCK_STREAM, 0);
  if (bind(l, (void *)&a, size) || listen(l, 1024) || getsockname(l, (void *)&a, &size)) return 1;
  struct linger linger = {1, 0};
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  for (int i = 0; i < n; i++) {
    int c = socket(AF_INET, SOCK_STREAM, 0);
    if (connect(c, (void *)&a, size)) return 1;
    int s = accept(l, 0, 0);
    setsockopt(c, SOL_SOCKET, SO_LINGER, &linger, sizeof linger);
    close(c);
    close(s);
  }
  clock_gettime(CLOCK_MONOTONIC, &t1);
  printf("%.0f\n", n / ((t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9));
  return 0;
}
C
cat > "$work/hold.c" <<'C'
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>
/* hold N READY: N established loopback connections held (both ends) until killed. */
int main(int argc, char **argv) {
  int n = atoi(argv[1]);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  socklen_t size = sizeof a;
  int l = socket(AF_INET, SOCK_STREAM, 0);
  if (bind(l, (void *)&a, size) || listen(l, 4096) || getsockname(l, (void *)&a, &size)) return 1;
  for (int i = 0; i < n; i++) {
    int c = socket(AF_INET, SOCK_STREAM, 0);
    if (connect(c, (void *)&a, size) || accept(l, 0, 0) < 0) return 1;
  }
  fclose(fopen(argv[2], "w"));
  pause();
  return 0;
}
C
cc -O2 -o "$work/connrate" "$work/connrate.c"
cc -O2 -o "$work/hold" "$work/hold.c"

median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
attach() { "$kaltune" enforce --cgroup "$cgroup" --time 60 --intvl 10 --probes 6 "$@" >/dev/null; }

echo "## Connections per second over loopback ($connections per run, median of $runs)"
echo
"$work/connrate" 2000 >/dev/null # warm up
: > "$work/without"
: > "$work/with"
for _ in $(seq "$runs"); do
  "$kaltune" enforce --cgroup "$cgroup" --off >/dev/null
  "$work/connrate" "$connections" >> "$work/without"
  attach
  "$work/connrate" "$connections" >> "$work/with"
done
without=$(median < "$work/without")
with=$(median < "$work/with")
echo "| program | connections/s |"
echo "|---|---|"
echo "| none | $without |"
echo "| kaltune enforce 60/10/6 | $with |"
awk -v a="$without" -v b="$with" 'BEGIN { printf "\noverhead: %.1f %% (per connection: %.2f µs more)\n", (a - b) * 100 / a, (1e6 / b - 1e6 / a) }'
"$kaltune" --json enforce --list | grep -A3 '"connections"' | tr -d ' \n'; echo
echo

echo "## enforce --existing over $existing established connections ($((2 * existing)) sockets)"
echo
# Helpers of at most 5 000 connections each (10 000 descriptors: under a container's hard limit).
holders=()
start_holders() {
  local left=$existing i=0
  rm -f "$work"/ready.*
  while [ "$left" -gt 0 ]; do
    local n=$(( left > 5000 ? 5000 : left ))
    "$work/hold" "$n" "$work/ready.$i" &
    holders+=($!)
    left=$(( left - n )); i=$(( i + 1 ))
  done
  while [ "$(ls "$work"/ready.* 2>/dev/null | wc -l)" -lt "$i" ]; do
    for pid in "${holders[@]}"; do kill -0 "$pid" 2>/dev/null || { echo "bench: a holder failed" >&2; exit 1; }; done
    sleep 0.1
  done
}
stop_holders() {
  [ ${#holders[@]} -eq 0 ] || { kill "${holders[@]}" 2>/dev/null; wait "${holders[@]}" 2>/dev/null || true; }
  holders=()
}
trap 'stop_holders; cleanup' EXIT
echo "| run | wall s | result |"
echo "|---|---|---|"
for _ in 1 2 3; do
  "$kaltune" enforce --cgroup "$cgroup" --off >/dev/null
  start_holders # fresh connections, none with SO_KEEPALIVE yet
  start=$(date +%s.%N)
  attach
  end=$(date +%s.%N)
  echo "| enforce (attach only) | $(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.3f", b - a }') | |"
  "$kaltune" enforce --cgroup "$cgroup" --off >/dev/null
  start=$(date +%s.%N)
  result=$("$kaltune" --json enforce --cgroup "$cgroup" --time 60 --intvl 10 --probes 6 --existing |
           tr -d ' \n' | sed 's/.*"existing":\({[^}]*}\).*/\1/')
  end=$(date +%s.%N)
  echo "| enforce --existing | $(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.3f", b - a }') | $result |"
  stop_holders
done
