#!/bin/sh
# Benchmark: user-space instructions (valgrind --tool=callgrind) of kaltune's quick commands
# against procps `sysctl -n` of the same three keys, /bin/true and a dynamically linked C++
# "hello world" (compiled here with the system g++: the floor of any dynamically linked C++
# program), inside a private network namespace. `show --source boot` reads a Debian-like --root
# tree made here. Instruction counts hardly depend on machine load; each figure is still the
# median of RUNS runs (default 3). Prints the ratios to `sysctl -n` and to the hello world.
# Not a test: figures only, nothing is asserted.
#   tests/bench/startup.sh [KALTUNE_BINARY]      (default: build/kaltune)
set -eu
kaltune=$(realpath "${1:-build/kaltune}")
runs=${RUNS:-3}
[ -x "$kaltune" ] || { echo "no $kaltune; build first" >&2; exit 2; }
command -v valgrind >/dev/null || { echo "bench: needs valgrind" >&2; exit 2; }
command -v g++ >/dev/null || { echo "bench: needs g++" >&2; exit 2; }
if [ "${KALTUNE_BENCH_IN_NS:-}" != 1 ]; then
  KALTUNE_BENCH_IN_NS=1 exec unshare -n "$0" "$kaltune"
fi
keys="net.ipv4.tcp_keepalive_time net.ipv4.tcp_keepalive_intvl net.ipv4.tcp_keepalive_probes"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# The dynamically linked C++ floor: libstdc++ loaded and relocated, one line through iostream.
printf '#include <iostream>\nint main() { std::cout << "hello\\n"; }\n' > "$tmp/hello.cpp"
g++ -O2 -o "$tmp/hello" "$tmp/hello.cpp"

# A Debian 12 boot configuration: /etc/sysctl.conf with the keepalive keys, its 99-sysctl.conf
# symlink, README.sysctl (not a .conf), and the two files of /usr/lib/sysctl.d.
root="$tmp/root"
mkdir -p "$root/etc/sysctl.d" "$root/usr/lib/sysctl.d" "$root/run/sysctl.d"
cat > "$root/etc/sysctl.conf" <<'EOF'
# /etc/sysctl.conf - Configuration file for setting system variables
#kernel.domainname = example.com
#net.ipv4.conf.default.rp_filter=1
net.ipv4.tcp_keepalive_time = 600
net.ipv4.tcp_keepalive_intvl = 60
net.ipv4.tcp_keepalive_probes = 5
EOF
ln -s ../sysctl.conf "$root/etc/sysctl.d/99-sysctl.conf"
echo "Kernel system variables configuration files" > "$root/etc/sysctl.d/README.sysctl"
printf 'kernel.pid_max = 4194304\n' > "$root/usr/lib/sysctl.d/50-pid-max.conf"
printf 'fs.protected_fifos = 1\nfs.protected_hardlinks = 1\nfs.protected_regular = 2\nfs.protected_symlinks = 1\n' \
  > "$root/usr/lib/sysctl.d/99-protect-links.conf"

instructions() {
  valgrind --tool=callgrind --callgrind-out-file=/dev/null "$@" 2>&1 >/dev/null |
    awk '/Collected :/ { print $NF }'
}
median_of_runs() {
  i=0
  while [ "$i" -lt "$runs" ]; do
    instructions "$@"
    i=$((i + 1))
  done | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}

sysctl_n=$(median_of_runs sysctl -n $keys)
hello=$(median_of_runs "$tmp/hello")
row() { # NAME INSTRUCTIONS
  awk -v n="$1" -v i="$2" -v s="$sysctl_n" -v h="$hello" \
    'BEGIN { printf "| %s | %d | %.2f | %.2f |\n", n, i, i / s, i / h }'
}

echo "kaltune: $kaltune ($(ldd "$kaltune" | grep -c '=>') shared libraries: $(ldd "$kaltune" |
  awk '/=>/ { sub(/\..*/, "", $1); printf "%s ", $1 }'))"
printf '| command | instructions | / sysctl -n | / C++ hello |\n|---|---:|---:|---:|\n'
for args in "show" "--json show" "--root $root show --source boot" "check"; do
  # shellcheck disable=SC2086 # the words of $args are the arguments
  row "kaltune $(echo "$args" | sed "s|$root|<debian tree>|")" "$(median_of_runs "$kaltune" $args)"
done
row "sysctl -n <3 keys>" "$sysctl_n"
row "C++ hello (dynamic)" "$hello"
row "/bin/true" "$(median_of_runs /bin/true)"
echo "(median of $runs callgrind runs each)"
