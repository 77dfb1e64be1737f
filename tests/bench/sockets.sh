#!/bin/bash
# Benchmark of `kaltune sockets` against `ss`, and of verify's accuracy. Not a test: run by hand,
# as root; it prints Markdown tables.
#
#   tests/bench/sockets.sh [KALTUNE_BINARY]      (default: build/kaltune)
#
# Everything happens in a private network namespace (unshare -n): the connections, the port range
# widened for them, and verify's own namespaces. Nothing of the host's network is touched.
# For 1 000, 10 000 and 50 000 loopback connections (both ends held by one helper process), it
# times `kaltune --json sockets` and `ss -tnoe state established` in alternation, RUNS times each,
# and prints the median wall time, the peak resident memory (GNU time %M) and the ratios. Then it
# runs `kaltune verify --time 2 --intvl 1 --probes 2` 10 times and prints the error
# (measured - expected). Needs: python3, GNU time (/usr/bin/time), ss (iproute2), util-linux.
set -euo pipefail

kaltune=$(realpath "${1:-build/kaltune}")
runs=${RUNS:-7}
sizes=${SIZES:-"1000 10000 50000"}
verify_runs=${VERIFY_RUNS:-10}

if [ "${KALTUNE_BENCH_INSIDE:-}" != 1 ]; then
  [ "$(id -u)" -eq 0 ] || { echo "bench: run as root (it needs unshare -n and many descriptors)" >&2; exit 2; }
  [ -x /usr/bin/time ] || { echo "bench: needs GNU time (apt-get install time)" >&2; exit 2; }
  exec env KALTUNE_BENCH_INSIDE=1 unshare -n "$0" "$kaltune"
fi

ip link set lo up
# Each helper holds both ends of at most 5 000 connections: 10 000 descriptors, within the usual
# hard limit (raising it needs CAP_SYS_RESOURCE, which containers often lack).
ulimit -n "$(ulimit -Hn)"
per_holder=5000
echo "1024 65535" > /proc/sys/net/ipv4/ip_local_port_range

work=$(mktemp -d)
holders=()
stop_holders() {
  [ ${#holders[@]} -eq 0 ] || kill "${holders[@]}" 2>/dev/null || true
  [ ${#holders[@]} -eq 0 ] || wait "${holders[@]}" 2>/dev/null || true
  holders=()
}
trap 'stop_holders; rm -rf "$work"' EXIT

# Holds N loopback connections (spread over 4 listeners; half with SO_KEEPALIVE) until killed;
# touches READY_FILE when they are all up.
cat > "$work/hold.py" <<'PY'
import socket, sys, time
n = int(sys.argv[1])
listeners = []
for _ in range(4):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen(4096)
    listeners.append(s)
held = []
for i in range(n):
    listener = listeners[i % 4]
    c = socket.create_connection(listener.getsockname())
    a, _ = listener.accept()
    if i % 2 == 0:
        c.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
    held.append((c, a))
open(sys.argv[2], "w").close()
time.sleep(3600)
PY

# Prints "milliseconds peak-KiB" for one run of the command, its output discarded.
measure() {
  local start end
  start=$(date +%s%N)
  /usr/bin/time -f %M -o "$work/mem" "$@" > /dev/null
  end=$(date +%s%N)
  echo "$(( (end - start) / 1000 )) $(cat "$work/mem")"
}

median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

printf '| connections | sockets listed | kaltune median | ss median | time kaltune/ss | kaltune peak RSS | ss peak RSS | memory kaltune/ss |\n'
printf '|---:|---:|---:|---:|---:|---:|---:|---:|\n'
for n in $sizes; do
  rm -f "$work"/ready.*
  count=0
  for ((left = n; left > 0; left -= per_holder)); do
    python3 "$work/hold.py" $((left < per_holder ? left : per_holder)) "$work/ready.$count" &
    holders+=($!)
    count=$((count + 1))
  done
  until [ "$(find "$work" -name 'ready.*' | wc -l)" -eq "$count" ]; do sleep 0.2; done
  listed=$("$kaltune" --json sockets | python3 -c 'import json,sys; print(json.load(sys.stdin)["summary"]["established"])')
  : > "$work/k"; : > "$work/s"
  for _ in $(seq "$runs"); do
    measure "$kaltune" --json sockets >> "$work/k"
    measure ss -tnoe state established >> "$work/s"
  done
  k_us=$(cut -d' ' -f1 < "$work/k" | median); s_us=$(cut -d' ' -f1 < "$work/s" | median)
  k_kb=$(cut -d' ' -f2 < "$work/k" | median); s_kb=$(cut -d' ' -f2 < "$work/s" | median)
  awk -v n="$n" -v l="$listed" -v ku="$k_us" -v su="$s_us" -v kk="$k_kb" -v sk="$s_kb" 'BEGIN {
    printf "| %d | %d | %.1f ms | %.1f ms | %.2f | %d KiB | %d KiB | %.2f |\n",
           n, l, ku / 1000, su / 1000, ku / su, kk, sk, kk / sk }'
  stop_holders
done
echo "(median of $runs alternating runs each; wall time includes process start; output to /dev/null)"

echo
echo "verify --time 2 --intvl 1 --probes 2 (expected 4 s), $verify_runs runs:"
: > "$work/v"
for _ in $(seq "$verify_runs"); do
  "$kaltune" --json verify --time 2 --intvl 1 --probes 2 --timeout 30 |
    python3 -c 'import json,sys; j = json.load(sys.stdin); print(round(j["difference_seconds"] * 1000))' >> "$work/v"
done
printf '| runs | error min | error median | error max | tolerance |\n|---:|---:|---:|---:|---:|\n'
sort -n "$work/v" | awk -v m="$(median < "$work/v")" '{ v[NR] = $1 } END {
  printf "| %d | %+d ms | %+d ms | %+d ms | ±1000 ms |\n", NR, v[1], m, v[NR] }'
echo "errors (ms): $(tr '\n' ' ' < "$work/v")"
