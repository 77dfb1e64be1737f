#!/bin/sh
# systemd-analyze verify is clean on the metrics units and kaltune-enforce.service as CMake
# configured them, and fails on a broken copy (so the check can fail). The services' ExecStart
# lines (after their prefix, "+" for full privileges) point at the installed binary, which need
# not exist here: the copies checked point at the built one; Documentation=man:kaltune(8)
# is looked up in the source tree's man page.
#   tests/systemd/verify.sh BUILD_DIR SOURCE_DIR KALTUNE_BINARY
set -eu
build=$1
src=$2
binary=$3
command -v systemd-analyze >/dev/null || { echo "SKIPPED: no systemd-analyze (Debian package systemd)"; exit 77; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/units" "$work/man/man8" "$work/broken"
cp "$src/man/kaltune.8" "$work/man/man8/"
services="kaltune-metrics.service kaltune-enforce.service"
installed=$(cd "$build/systemd" && sed -n 's|^ExecStart=[-+@:!]*\([^ ]*\) .*|\1|p' $services | sort -u)
[ "$(printf '%s\n' "$installed" | wc -l)" -eq 1 ] || { echo "ExecStart lines run different binaries: $installed" >&2; exit 1; }
for service in $services; do
    sed "s|^\(ExecStart=[-+@:!]*\)$installed |\1$binary |" "$build/systemd/$service" >"$work/units/$service"
done
cp "$src/systemd/kaltune-metrics.timer" "$work/units/"

verify() { # verify DIR: prints what systemd-analyze says, fails when it says anything
    out=$(MANPATH="$work/man" SYSTEMD_LOG_COLOR=0 systemd-analyze verify \
        "$1/kaltune-metrics.timer" "$1/kaltune-metrics.service" "$1/kaltune-enforce.service" 2>&1) &&
        [ -z "$out" ] && return 0
    printf '%s\n' "$out"
    return 1
}
verify "$work/units" || { echo "systemd-analyze verify is not clean" >&2; exit 1; }
echo "systemd-analyze verify: clean ($installed run as $binary)"

# The same check on a copy with an unknown directive must complain.
cp "$work/units/"* "$work/broken/"
printf 'OnCalender=hourly\n' >>"$work/broken/kaltune-metrics.timer"
if verify "$work/broken" >/dev/null; then
    echo "systemd-analyze verify did not notice an unknown directive" >&2
    exit 1
fi
echo "selftest: a misspelt directive is reported"
