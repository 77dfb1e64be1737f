#!/bin/sh
# Checks the fish completion: it parses (fish --no-execute), and, driven with `complete -C`, offers
# exactly the commands, options and option values of the CLI model (dump_cli_model).
#   tests/completion/fish.sh COMPLETION_FILE DUMP_CLI_MODEL
set -u
completion=$(realpath "$1")
dump_model=$(realpath "$2")
if ! command -v fish >/dev/null; then
    echo "fish is not installed" >&2
    exit 77
fi
fish --no-execute "$completion" || exit 1

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/cwd" && cd "$work/cwd" || exit 1 # file completions see an empty directory

model=$("$dump_model") || exit 1
failures=0
checks=0

sorted() { printf '%s\n' "$@" | sed '/^$/d' | sort -u | tr '\n' ' ' | sed 's/ $//'; }

# expect "WANTED" "COMMAND LINE": the candidates fish offers for the line, without descriptions.
expect() {
    wanted=$(sorted $1)
    got=$(fish --no-config -c "source $completion; complete -C '$2'" | cut -f1 | sort -u |
        tr '\n' ' ' | sed 's/ $//')
    checks=$((checks + 1))
    if [ "$got" != "$wanted" ]; then
        printf 'FAIL: [%s]\n  want: %s\n  got:  %s\n' "$2" "$wanted" "$got" >&2
        failures=$((failures + 1))
    fi
}

commands=$(echo "$model" | awk '$1 == "command" && $2 != "-" { print $2 }')
expect "$commands" "kaltune "
expect "$commands" "kaltune --netns blue --json "
globals=$(echo "$model" | awk '$1 == "option" && $2 == "-" { for (i = 4; i <= NF; i++) if ($i ~ /^--/) print $i }')
for scope in - $commands; do
    longs=$(echo "$model" | awk -v s="$scope" '$1 == "option" && $2 == s { for (i = 4; i <= NF; i++) if ($i ~ /^--/) print $i }')
    if [ "$scope" = - ]; then
        expect "$longs" "kaltune --"
    else
        if echo "$model" | grep -qx "fallthrough $scope"; then
            longs="$longs
$(echo "$globals" | grep -vx -e --version -e --help)"
        fi
        expect "$longs" "kaltune $scope --"
        expect "$longs" "kaltune --pid 1 --root / $scope --"
    fi
done
echo "$model" | awk '$1 == "choices"' >"$work/choices"
while read -r _ scope option values; do
    if [ "$scope" = - ]; then prefix=""; else prefix="$scope "; fi
    # Values that may also be a file: the fixed ones when there is no file to offer.
    expect "$values" "kaltune $prefix$option "
    expect "$(for v in $values; do echo "$option=$v"; done)" "kaltune $prefix$option="
done <"$work/choices"
expect "" "kaltune set --time "
if echo "$model" | grep -q '^option sockets 1 --state$'; then
    expect "established" "kaltune sockets --state est"
    expect "established,time-wait" "kaltune sockets --state established,time-"
fi

echo "fish completion: $checks checks, $failures failures"
[ "$failures" -eq 0 ]
