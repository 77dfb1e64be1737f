#!/bin/sh
# Parse check of the zsh completion (zsh -n) and that it autoloads as a completion function.
# What it offers is checked against the CLI model by tests/docs/test_completions.cpp.
set -u
completion=$(realpath "$1")
if ! command -v zsh >/dev/null; then
    echo "zsh is not installed" >&2
    exit 77
fi
zsh -n "$completion" || exit 1
head -n 1 "$completion" | grep -qx '#compdef kaltune' || {
    echo "$completion: the first line must be '#compdef kaltune'" >&2
    exit 1
}
# Load it the way compinit does and check that the function is defined afterwards.
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
cp "$completion" "$dir/_kaltune"
zsh -f -c "fpath=($dir \$fpath); autoload -Uz compinit; compinit -u -D; autoload -Uz +X _kaltune && (( \$+functions[_kaltune] )) && [[ \$_comps[kaltune] == _kaltune ]]" || {
    echo "zsh: compinit does not register _kaltune for kaltune" >&2
    exit 1
}
echo "zsh completion: parses, registered for kaltune"
