#!/bin/sh
# Replays the two races kaltune must win, ROUNDS times (CI: a few through ctest `race.replay`; by
# hand: hundreds), and fails at the first round whose outcome is not one a serialized order gives.
#
#   replay.sh KALTUNE [ROUNDS]
#
# 1. The lock: two `set --persist` runs at once on this (private) system, one of which fails at its
#    last runtime write (strace injects EIO) and so restores the file and the running values it
#    found. The lock file starts absent, root's 0600, or 0644 as an older kaltune left it (both
#    runs then replace it at once), and each run is held up before its first flock for a random
#    time (strace delay_enter). In any serialized order the file ends as the good run wrote it,
#    byte for byte, and the kernel holds its values; two runs holding "the" lock at once leave the
#    file removed or the failing run's, or a mix of values.
# 2. `--output` killed with SIGKILL at a random moment (sometimes held at its fsync): the file is
#    exactly the old content (1.5 MiB of it: never read) or exactly the new, never a mix; the next
#    run writes the new content and leaves no temp file behind.
#
# Runs as root in a private mount + network namespace (re-executed under unshare), with tmpfs over
# /run and the sysctl.d directories and an empty /etc/sysctl.conf: this machine's values and files
# are never touched. Exit 77 (skipped) without root or a namespace.
set -eu

KALTUNE=${1:?usage: replay.sh KALTUNE [ROUNDS]}
ROUNDS=${2:-3}

skip() {
  echo "SKIPPED: $*"
  exit 77
}

if [ "${KALTUNE_RACE_PRIVATE:-}" != 1 ]; then
  [ "$(id -u)" = 0 ] || skip "needs root (mounts in a private namespace)"
  unshare --mount --net true 2>/dev/null || skip "no private mount + network namespace"
  KALTUNE_RACE_PRIVATE=1 exec unshare --mount --net --propagation private sh "$0" "$@"
fi

work=$(mktemp -d /tmp/kaltune-race.XXXXXX)
trap 'rm -rf "$work"' EXIT
mount -t tmpfs -o mode=0755 tmpfs /run
for dir in /etc/sysctl.d /usr/local/lib/sysctl.d /usr/lib/sysctl.d /lib/sysctl.d; do
  if [ -d "$dir" ] && [ ! -L "$dir" ]; then
    mount -t tmpfs -o mode=0755 tmpfs "$dir"
  fi
done
: >"$work/sysctl.conf"
mount --bind "$work/sysctl.conf" /etc/sysctl.conf

strace_ok=0
if strace -o /dev/null true 2>/dev/null; then
  strace_ok=1
else
  echo "strace cannot trace here: the lock race runs without injected delays and failures"
fi

keys="tcp_keepalive_time tcp_keepalive_intvl tcp_keepalive_probes"
running() {
  for key in $keys; do printf '%s ' "$(cat /proc/sys/net/ipv4/$key)"; done
}
set_running() {
  for key in $keys; do
    echo "$1" >/proc/sys/net/ipv4/$key
    shift
  done
}
# A number from 0 to $1 - 1 (od over /dev/urandom: no bash $RANDOM in sh).
random_below() {
  echo $(($(od -An -N2 -tu2 /dev/urandom) % $1))
}

own=/etc/sysctl.d/99-kaltune.conf
header='# Managed by kaltune: TCP keepalive values applied at boot.
# Change them with `kaltune set --persist`, remove them with `kaltune reset --persist`.
# kaltune rewrites only the lines of its keys (tcp_keepalive_*, tcp_retries2), no other line.'
printf '%s\nnet.ipv4.tcp_keepalive_time = 602\nnet.ipv4.tcp_keepalive_intvl = 32\nnet.ipv4.tcp_keepalive_probes = 6\n' \
  "$header" >"$work/good.conf"

fail() {
  echo "round $round: $*"
  for f in "$work"/*.err; do
    [ -s "$f" ] && { echo "--- $f"; cat "$f"; }
  done
  exit 1
}

lock_round() {
  rm -f "$own" /run/kaltune.lock /run/.kaltune.lock.kaltune-*
  set_running 7200 75 9
  case $(random_below 3) in
  0) ;;
  1) : >/run/kaltune.lock && chmod 0600 /run/kaltune.lock ;;
  2) : >/run/kaltune.lock && chmod 0644 /run/kaltune.lock ;;
  esac
  delay_a=$(($(random_below 300) * 1000))
  delay_b=$(($(random_below 300) * 1000))
  if [ "$strace_ok" = 1 ]; then
    # The failing run: its write of probes fails, after the file was written.
    strace -f -o /dev/null -P /proc/sys/net/ipv4/tcp_keepalive_probes -P /run/kaltune.lock \
      -e trace=write,flock -e inject=write:error=EIO -e inject=flock:delay_enter=$delay_a:when=1 \
      "$KALTUNE" -q --boot-model systemd set --time 601 --intvl 31 --probes 5 --persist \
      >/dev/null 2>"$work/a.err" &
    a=$!
    strace -f -o /dev/null -P /run/kaltune.lock -e trace=flock \
      -e inject=flock:delay_enter=$delay_b:when=1 \
      "$KALTUNE" -q --boot-model systemd set --time 602 --intvl 32 --probes 6 --persist \
      >/dev/null 2>"$work/b.err" &
    b=$!
  else
    "$KALTUNE" -q --boot-model systemd set --time 602 --intvl 32 --probes 6 --persist \
      >/dev/null 2>"$work/a.err" &
    a=$!
    "$KALTUNE" -q --boot-model systemd set --time 602 --intvl 32 --probes 6 --persist \
      >/dev/null 2>"$work/b.err" &
    b=$!
  fi
  status_a=0
  wait $a || status_a=$?
  status_b=0
  wait $b || status_b=$?
  if [ "$strace_ok" = 1 ] && [ "$status_a" != 4 ]; then
    fail "the failing run exited $status_a, not 4"
  fi
  [ "$status_b" = 0 ] || fail "the good run exited $status_b"
  cmp -s "$own" "$work/good.conf" || fail "the file is not the good run's: $(cat "$own" 2>&1)"
  [ "$(running)" = "602 32 6 " ] || fail "the kernel holds $(running), not 602 32 6"
  leftover=$(ls -A /etc/sysctl.d | grep -v '^99-kaltune.conf$' || true)
  [ -z "$leftover" ] || fail "left in /etc/sysctl.d: $leftover"
}

output_round() {
  out="$work/textfile/kaltune.prom"
  mkdir -p "$work/textfile"
  cp "$work/old.prom" "$out"
  # The new content: what the same command prints now (nothing changes during the round).
  "$KALTUNE" show --format prometheus >"$work/new.prom"
  if [ "$strace_ok" = 1 ] && [ "$(random_below 2)" = 1 ]; then
    # Held at its fsync (the temp file is written, the rename not done) and killed there.
    strace -f -o "$work/trace" -e trace=fsync -e inject=fsync:delay_enter=200000:when=1 \
      "$KALTUNE" show --format prometheus --output "$out" 2>"$work/out.err" &
    tracer=$!
    sleep 0.1
    victim=$(ps -o pid= --ppid $tracer | tr -d ' ')
  else
    "$KALTUNE" show --format prometheus --output "$out" 2>"$work/out.err" &
    tracer=$!
    victim=$tracer
  fi
  sleep "0.0$(random_below 10)"
  [ -n "$victim" ] && kill -9 "$victim" 2>/dev/null || true
  wait $tracer 2>/dev/null || true
  if ! cmp -s "$out" "$work/old.prom" && ! cmp -s "$out" "$work/new.prom"; then
    fail "--output left a file that is neither the old nor the new content ($(wc -c <"$out") bytes)"
  fi
  "$KALTUNE" show --format prometheus --output "$out" 2>"$work/out.err" ||
    fail "the run after the kill failed"
  cmp -s "$out" "$work/new.prom" || fail "the run after the kill did not write the new content"
  leftover=$(ls -A "$work/textfile" | grep -v '^kaltune.prom$' || true)
  [ -z "$leftover" ] || fail "temp files remain after the next run: $leftover"
}

# The old output file: 1.5 MiB, more than kaltune reads of any configuration file.
i=0
: >"$work/old.prom"
while [ $i -lt 24 ]; do
  head -c 65536 /dev/zero | tr '\0' '#' >>"$work/old.prom"
  i=$((i + 1))
done
round=1
while [ $round -le "$ROUNDS" ]; do
  lock_round
  output_round
  round=$((round + 1))
done
echo "$ROUNDS rounds: every outcome was one a serialized order gives"
