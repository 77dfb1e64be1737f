#!/bin/sh
# The example alert rules: promtool check rules and promtool test rules (tests/prometheus/
# rules_test.yml), and the README shows exactly the rules file's rules.
#   tests/prometheus/rules.sh SOURCE_DIR
set -eu
src=$1
command -v promtool >/dev/null || { echo "SKIPPED: no promtool (Debian package prometheus)"; exit 77; }
rules=$src/packaging/prometheus/kaltune.rules.yml
promtool check rules "$rules"
promtool test rules "$src/tests/prometheus/rules_test.yml"
# The README's block is the file from "groups:" on.
want=$(sed -n '/^groups:/,$p' "$rules")
got=$(awk '/^```yaml$/ { inside = 1; block = ""; next }
    inside && /^```$/ { inside = 0; if (block ~ /^groups:/) printf "%s", block; next }
    inside { block = block $0 "\n" }' "$src/README.md")
if [ "$got" != "$want" ]; then
    echo "README.md does not show the rules of $rules:" >&2
    printf '%s\n' "$want" >"${TMPDIR:-/tmp}/kaltune-rules.want.$$"
    printf '%s\n' "$got" | diff -u "${TMPDIR:-/tmp}/kaltune-rules.want.$$" - >&2 || true
    rm -f "${TMPDIR:-/tmp}/kaltune-rules.want.$$"
    exit 1
fi
echo "README.md shows the rules of $rules"
