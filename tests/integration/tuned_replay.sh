#!/bin/sh
# Runs the real systemd-sysctl and then the real tuned (daemon = 0: apply and exit) over the
# layout at $1, confined: this runs as root of a new user namespace mapped to nobody, with new
# mount and network namespaces (see tests/integration/test_boot_tuned.cpp), so only the keepalive
# keys of that network namespace are writable. tmpfs over /etc/tuned, /run, /etc/sysctl.d and
# /var/log; /etc/sysctl.conf bind-mounted from an empty file. Prints the three values.
set -e
layout=$1
for f in /proc/sys/kernel/panic /proc/sys/vm/swappiness; do
  if test -w "$f"; then echo "not confined: $f is writable" >&2; exit 99; fi
done
for d in /etc/tuned /run /etc/sysctl.d /var/log; do mount -t tmpfs tmpfs "$d"; done
: > /run/empty.conf
mount --bind /run/empty.conf /etc/sysctl.conf
cp -R "$layout/etc/tuned/." /etc/tuned/
cp -R "$layout/etc/sysctl.d/." /etc/sysctl.d/
/lib/systemd/systemd-sysctl --prefix=/net/ipv4/tcp_keepalive_time \
  --prefix=/net/ipv4/tcp_keepalive_intvl --prefix=/net/ipv4/tcp_keepalive_probes
timeout 60 tuned --no-dbus --no-socket -l /run/tuned.log -P /run/tuned.pid >&2 || {
  cat /run/tuned.log >&2; exit 97; }
cat /run/tuned.log >&2
cat /proc/sys/net/ipv4/tcp_keepalive_time /proc/sys/net/ipv4/tcp_keepalive_intvl \
  /proc/sys/net/ipv4/tcp_keepalive_probes
