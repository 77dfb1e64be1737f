#!/bin/sh
# Benchmark: user-space instructions (valgrind --tool=callgrind) of kaltune's quick commands
# against procps `sysctl -n` of the same three keys and /bin/true, inside a private network
# namespace. Instruction counts do not depend on machine load, so one run each is enough.
# Not a test: figures only, nothing is asserted.
#   tests/bench/startup.sh [KALTUNE_BINARY]      (default: build/kaltune)
set -eu
kaltune=$(realpath "${1:-build/kaltune}")
[ -x "$kaltune" ] || { echo "no $kaltune; build first" >&2; exit 2; }
command -v valgrind >/dev/null || { echo "bench: needs valgrind" >&2; exit 2; }
if [ "${KALTUNE_BENCH_IN_NS:-}" != 1 ]; then
  KALTUNE_BENCH_IN_NS=1 exec unshare -n "$0" "$kaltune"
fi
keys="net.ipv4.tcp_keepalive_time net.ipv4.tcp_keepalive_intvl net.ipv4.tcp_keepalive_probes"

instructions() {
  valgrind --tool=callgrind --callgrind-out-file=/dev/null "$@" 2>&1 >/dev/null |
    awk '/Collected :/ { print $NF }'
}

printf '%-36s %12s\n' "command" "instructions"
for args in "show" "--json show" "show --source boot" "check"; do
  # shellcheck disable=SC2086 # the words of $args are the arguments
  printf '%-36s %12s\n' "kaltune $args" "$(instructions "$kaltune" $args)"
done
# shellcheck disable=SC2086
printf '%-36s %12s\n' "sysctl -n <3 keys>" "$(instructions sysctl -n $keys)"
printf '%-36s %12s\n' "/bin/true" "$(instructions /bin/true)"
