#!/bin/bash
# Benchmark: how the boot view (`kaltune --root TREE show --source boot`) scales with the boot
# configuration: many files in /etc/sysctl.d (FILES sizes, default up to 10 000) and one long
# /etc/sysctl.conf (LINES sizes, default up to 100 000 lines). Each file or line is a real setting
# (a keepalive key every tenth, other keys, comments and blank lines between), so every line is
# lexed and every file opened. The lines are short (10 bytes on average), so that 100 000 of them
# stay under the 1 MiB that kaltune reads of a file (a longer file is said unknown, not read). Prints a Markdown table: median wall time of RUNS runs, peak RSS
# (GNU time %M), user-space instructions (callgrind, one run: they hardly depend on machine load),
# and both per 1 000 items, which stay flat when the growth is linear.
# Not a test: figures only, nothing is asserted.
#   tests/bench/boot.sh [KALTUNE_BINARY]      (default: build/kaltune)
set -euo pipefail
kaltune=$(realpath "${1:-build/kaltune}")
runs=${RUNS:-5}
files=${FILES:-"1000 2500 5000 10000"}
lines=${LINES:-"10000 25000 50000 100000"}
[ -x "$kaltune" ] || { echo "no $kaltune; build first" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "bench: needs GNU time (apt-get install time)" >&2; exit 2; }
command -v valgrind >/dev/null || { echo "bench: needs valgrind" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Lines FROM to TO (exclusive) of a generated configuration.
setting() {
  awk -v from="$1" -v to="$2" 'BEGIN {
    keys[0] = "net.ipv4.tcp_keepalive_time"; keys[1] = "net.ipv4.tcp_keepalive_intvl"
    keys[2] = "net.ipv4.tcp_keepalive_probes"
    for (i = from; i < to; i++) {
      if (i % 10 == 0) { k = int(i / 10) % 3; printf "%s = %d\n", keys[k], 1 + i % (k == 2 ? 9 : 600) }
      else if (i % 10 == 1) print "#"
      else if (i % 10 == 2) print ""
      else printf "k.%x=%d\n", i, i % 10
    }
  }'
}

median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

# Prints the table row for ROOT, N items of KIND.
row() {
  local root=$1 n=$2 kind=$3 start end
  : > "$work/t"; : > "$work/m"
  for _ in $(seq "$runs"); do
    start=$(date +%s%N)
    /usr/bin/time -f %M -o "$work/mem" "$kaltune" --root "$root" show --source boot > /dev/null
    end=$(date +%s%N)
    echo $(((end - start) / 1000)) >> "$work/t"
    cat "$work/mem" >> "$work/m"
  done
  ins=$(valgrind --tool=callgrind --callgrind-out-file=/dev/null \
    "$kaltune" --root "$root" show --source boot 2>&1 >/dev/null | awk '/Collected :/ { print $NF }')
  awk -v n="$n" -v k="$kind" -v us="$(median < "$work/t")" -v kb="$(median < "$work/m")" -v i="$ins" 'BEGIN {
    printf "| %d %s | %.1f ms | %d KiB | %.2f ms | %.1f M | %.2f M |\n",
           n, k, us / 1000, kb, us / 1000 / (n / 1000), i / 1e6, i / 1e6 / (n / 1000) }'
}

echo "| boot configuration | median wall | peak RSS | wall per 1 000 | instructions | instructions per 1 000 |"
echo "|---|---:|---:|---:|---:|---:|"
for n in $files; do
  root="$work/files-$n"
  mkdir -p "$root/etc/sysctl.d" "$root/usr/lib/sysctl.d" "$root/run/sysctl.d"
  # One awk writes every file (one process per file would dominate the bench's own run time).
  setting 0 "$n" | awk -v d="$root/etc/sysctl.d" \
    '{ f = sprintf("%s/%05d-bench.conf", d, NR - 1); print > f; close(f) }'
  row "$root" "$n" "files of one line in /etc/sysctl.d"
  rm -rf "$root"
done
for n in $lines; do
  root="$work/lines-$n"
  mkdir -p "$root/etc/sysctl.d" "$root/usr/lib/sysctl.d" "$root/run/sysctl.d"
  setting 0 "$n" > "$root/etc/sysctl.conf"
  row "$root" "$n" "lines in /etc/sysctl.conf"
  rm -rf "$root"
done
echo "(median of $runs runs each; wall time includes process start)"
