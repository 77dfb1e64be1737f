#!/bin/sh
# `cmake --install` into a DESTDIR staging directory installs exactly the expected files, with
# the expected modes, and nothing else.
#   tests/packaging/install.sh BUILD_DIR EXPECTED_LIST
# EXPECTED_LIST has one line per file: "MODE PATH" (PATH relative to DESTDIR, prefix /usr).
set -eu
build_dir=$1
expected=$2
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT

DESTDIR=$stage cmake --install "$build_dir" --prefix /usr >"$stage.log" 2>&1 || {
    cat "$stage.log"
    rm -f "$stage.log"
    exit 1
}
rm -f "$stage.log"
got=$(cd "$stage" && find . ! -type d -printf '%m %P\n' | sort)
want=$(sort "$expected")
if [ "$got" != "$want" ]; then
    echo "installed files differ from $expected:" >&2
    printf '%s\n' "$want" >"$stage/.want"
    printf '%s\n' "$got" >"$stage/.got"
    diff -u "$stage/.want" "$stage/.got" >&2 || true
    exit 1
fi
# The installed binary is the one built here and runs.
"$stage/usr/sbin/kaltune" --version
echo "installed exactly:"
printf '%s\n' "$got"
