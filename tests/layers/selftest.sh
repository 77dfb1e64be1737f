#!/bin/sh
# check.sh must fail on an include that points up and on a folder with no place, and pass a
# clean tree: a layering test that cannot fail would prove nothing.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/src/base" "$tmp/src/sys" "$tmp/src/core"
printf '#include "base/a.hpp"\n' >"$tmp/src/sys/b.cpp"
printf '#include "sys/b.hpp"\n#include "base/a.hpp"\n' >"$tmp/src/core/c.cpp"
sh "$here/check.sh" "$tmp/src" >/dev/null || { echo "FAIL: a clean tree was refused"; exit 1; }

printf '#include "core/c.hpp"\n' >>"$tmp/src/sys/b.cpp"
out=$(sh "$here/check.sh" "$tmp/src") && { echo "FAIL: an upward include passed"; exit 1; }
[ "$out" = "./sys/b.cpp:2: sys includes core/c.hpp, a layer above it" ] ||
  { echo "FAIL: unexpected report: $out"; exit 1; }

sed -i '2d' "$tmp/src/sys/b.cpp"
mkdir "$tmp/src/extra" && printf '#include "base/a.hpp"\n' >"$tmp/src/extra/d.cpp"
out=$(sh "$here/check.sh" "$tmp/src") && { echo "FAIL: an unplaced folder passed"; exit 1; }
[ "$out" = "./extra/d.cpp: folder extra has no place in the layering" ] ||
  { echo "FAIL: unexpected report: $out"; exit 1; }
echo "layering check: 3 passed, 0 failed"
