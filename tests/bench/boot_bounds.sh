#!/bin/bash
# Benchmark: the peak memory (maximum resident set size, GNU time %M) of
# `kaltune --root TREE show --source boot` over the worst trees the boot view's bounds are for
# (DESIGN.md "Bounds of the boot view"):
#   grub28 / grub40  a 300-byte /etc/default/grub that doubles a variable 28 / 40 times
#   tuned_dirs       TUNED_DIRS (1500) profile directories with a 1 MiB tuned.conf each, and an
#                    active profile that does not exist
#   tuned_chain      a tuned include= chain of CHAIN (15000) profiles
#   sysctl_lines     SYSCTL_FILES (300) sysctl.d files of 1 MiB of "a\n" lines
#   sysctl_many      20000 small sysctl.d files (past the 10000-file cap)
# Prints one line per tree: peak RSS in KiB, wall seconds, exit status. A run is stopped after
# LIMIT seconds (60) or LIMIT_KB of memory (8 GiB, ulimit -v), so an unbounded binary (give it as
# the argument to compare) fails instead of taking the machine. Not a test: nothing is asserted.
# The trees take about 2 GB in a temporary directory.
#   tests/bench/boot_bounds.sh [KALTUNE_BINARY]      (default: build/kaltune)
set -euo pipefail
kaltune=$(realpath "${1:-build/kaltune}")
tuned_dirs=${TUNED_DIRS:-1500}
chain=${CHAIN:-15000}
sysctl_files=${SYSCTL_FILES:-300}
limit=${LIMIT:-60}
limit_kb=${LIMIT_KB:-8388608}
[ -x "$kaltune" ] || { echo "no $kaltune; build first" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "bench: needs GNU time (apt-get install time)" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

mib_of() { # 1 MiB of the line $1 (newline included)
  { yes "$1" || true; } | head -c 1048576
}

grub() { # $1: doublings
  local root=$work/grub$1
  mkdir -p "$root/etc/default"
  {
    echo 'A=x'
    for _ in $(seq "$1"); do echo 'A="$A$A"'; done
    echo 'GRUB_CMDLINE_LINUX="$A"'
  } >"$root/etc/default/grub"
}

tuned_dirs() {
  local root=$work/tuned_dirs
  mkdir -p "$root/etc/tuned" "$root/etc/systemd/system/multi-user.target.wants"
  echo gone >"$root/etc/tuned/active_profile"
  : >"$root/etc/systemd/system/multi-user.target.wants/tuned.service"
  mib_of "# x" >"$work/mib"
  # One inode, 1 MiB read each.
  python3 -c 'import os, sys
for i in range(int(sys.argv[3])):
    d = f"{sys.argv[1]}/usr/lib/tuned/p{i}"; os.makedirs(d); os.link(sys.argv[2], d + "/tuned.conf")' \
    "$root" "$work/mib" "$tuned_dirs"
}

tuned_chain() {
  local root=$work/tuned_chain
  mkdir -p "$root/etc/tuned" "$root/etc/systemd/system/multi-user.target.wants"
  echo p0 >"$root/etc/tuned/active_profile"
  : >"$root/etc/systemd/system/multi-user.target.wants/tuned.service"
  python3 -c 'import os, sys
for i in range(int(sys.argv[2])):
    d = f"{sys.argv[1]}/usr/lib/tuned/p{i}"; os.makedirs(d)
    with open(d + "/tuned.conf", "w") as f:
        f.write(f"[main]\ninclude=p{i + 1}\n[sysctl]\nnet.ipv4.tcp_keepalive_time = {i + 1}\n")' \
    "$root" "$chain"
}

sysctl_lines() {
  local root=$work/sysctl_lines
  mkdir -p "$root/etc/sysctl.d"
  mib_of a >"$work/a"
  python3 -c 'import os, sys
for i in range(int(sys.argv[3])): os.link(sys.argv[2], f"{sys.argv[1]}/etc/sysctl.d/{i}.conf")' \
    "$root" "$work/a" "$sysctl_files"
}

sysctl_many() {
  local root=$work/sysctl_many
  mkdir -p "$root/usr/lib/sysctl.d"
  echo "net.ipv4.tcp_keepalive_time = 600" >"$work/one"
  python3 -c 'import os, sys
for i in range(10000, 30000): os.link(sys.argv[2], f"{sys.argv[1]}/usr/lib/sysctl.d/{i}.conf")' \
    "$root" "$work/one"
}

grub 28
grub 40
tuned_dirs
tuned_chain
sysctl_lines
sysctl_many
# The systemd model, whatever the trees hold (they have no systemd-sysctl).
printf '%-14s %12s %8s %s\n' tree peak_rss_kib seconds status
for tree in grub28 grub40 tuned_dirs tuned_chain sysctl_lines sysctl_many; do
  status=0
  (
    ulimit -v "$limit_kb"
    exec timeout "$limit" /usr/bin/time -f '%M %e' -o "$work/time" \
      "$kaltune" --root "$work/$tree" --boot-model systemd show --source boot >/dev/null 2>&1
  ) || status=$?
  read -r rss seconds < <(tail -n 1 "$work/time") || { rss="-"; seconds="-"; }
  printf '%-14s %12s %8s %s\n' "$tree" "$rss" "$seconds" "$status"
done
