#!/bin/bash
# Drives the bash completion non-interactively: loads bash-completion and completions/kaltune.bash,
# sets COMP_WORDS/COMP_CWORD as bash would, calls _kaltune and compares COMPREPLY.
#   tests/completion/bash.sh COMPLETION_FILE DUMP_CLI_MODEL
# The expected options and values of every command come from the CLI model (dump_cli_model), so
# a command or option added to the binary but not to the completion fails here.
set -u
completion=$(realpath "$1")
dump_model=$(realpath "$2")

bash_completion=$(pkg-config --variable=datadir bash-completion 2>/dev/null)/bash-completion/bash_completion
[ -r "$bash_completion" ] || bash_completion=/usr/share/bash-completion/bash_completion
if [ ! -r "$bash_completion" ]; then
    echo "bash-completion is not installed ($bash_completion)" >&2
    exit 77
fi
# shellcheck disable=SC1090
. "$bash_completion"
# shellcheck disable=SC1090
. "$completion"

# Completion of file names depends on the current directory: use an empty one, then one file.
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 1

failures=0
checks=0

# complete_line LINE: completes LINE, cursor at its end, with COMP_WORDS split as bash splits
# it (at blanks, and "=" as a word of its own since it is in COMP_WORDBREAKS).
complete_line() {
    local line=$1 spaced
    spaced=${line//=/ = }
    read -r -a COMP_WORDS <<<"$spaced"
    [[ $line == *[[:blank:]] || $line == *= || -z $line ]] && COMP_WORDS+=('')
    COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
    COMP_LINE=$line
    COMP_POINT=${#COMP_LINE}
    COMPREPLY=()
    _kaltune kaltune "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
    printf '%s\n' "${COMPREPLY[@]}" | sed '/^$/d' | sort -u | tr '\n' ' ' | sed 's/ $//'
}

sorted() { printf '%s\n' "$@" | sed '/^$/d' | sort -u | tr '\n' ' ' | sed 's/ $//'; }

# expect "WANTED REPLIES" LINE
expect() {
    local wanted got
    wanted=$(sorted $1)
    got=$(complete_line "$2")
    checks=$((checks + 1))
    if [ "$got" != "$wanted" ]; then
        echo "FAIL: [$2]" >&2
        echo "  want: $wanted" >&2
        echo "  got:  $got" >&2
        failures=$((failures + 1))
    fi
}

model=$("$dump_model") || exit 1
commands=$(echo "$model" | awk '$1 == "command" && $2 != "-" { print $2 }')
[ -n "$commands" ] || { echo "no commands in the model" >&2; exit 1; }

# Every command, and nothing else, after the global options.
expect "$commands" "kaltune "
expect "$commands" "kaltune --json "
expect "$commands" "kaltune --netns blue --color never "
expect "$commands" "kaltune --netns=blue --color=never "
expect "$commands" "kaltune --pid 1 -q "
expect "show" "kaltune sh"

# Every option of every scope, short and long, when the word starts with a dash. After a command:
# its own options and, when the command lets them through, the global ones (but --version).
globals=$(echo "$model" | awk '$1 == "option" && $2 == "-" { for (i = 4; i <= NF; i++) print $i }')
for scope in - $commands; do
    names=$(echo "$model" | awk -v s="$scope" '$1 == "option" && $2 == s { for (i = 4; i <= NF; i++) print $i }')
    if [ "$scope" != - ] && echo "$model" | grep -qx "fallthrough $scope"; then
        names="$names
$(echo "$globals" | grep -vx -e --version -e --help -e -h)"
    fi
    longs=$(echo "$names" | grep -- '^--')
    if [ "$scope" = - ]; then
        expect "$names" "kaltune -"
        expect "$longs" "kaltune --"
        expect "$longs" "kaltune --json --"
    else
        expect "$names" "kaltune $scope -"
        expect "$longs" "kaltune $scope --"
        expect "$longs" "kaltune --netns blue $scope --"
        expect "$longs" "kaltune --pid=1 $scope --"
        expect "$longs" "kaltune --root / --boot-model procps $scope --"
    fi
done

# The values of every option with a fixed set of them, after "--opt " and "--opt=", and one
# value from its prefix.
while read -r _ scope option values; do
    if [ "$scope" = - ]; then prefix=""; else prefix="$scope "; fi
    expect "$values" "kaltune $prefix$option "
    expect "$values" "kaltune $prefix$option="
    first=${values%% *}
    start=${first:0:${#first}-1}
    expect "$(printf '%s\n' $values | grep "^$start")" "kaltune $prefix$option $start"
done < <(echo "$model" | awk '$1 == "choices"')

# Values that may be files or directories, next to fixed ones: in a directory with ns/file.
mkdir -p ns && touch ns/file
while read -r _ scope option kind; do
    if [ "$scope" = - ]; then prefix=""; else prefix="$scope "; fi
    if [ "$kind" = DIR ]; then
        expect "ns" "kaltune $prefix$option n"
        expect "" "kaltune $prefix$option ns/"
    else
        expect "ns/file" "kaltune $prefix$option ns/"
        expect "ns/file" "kaltune $prefix$option=ns/"
    fi
done < <(echo "$model" | awk '$1 == "files"')

# Values that are not a fixed set: nothing for durations and counts.
expect "" "kaltune set --time "
expect "" "kaltune set --intvl "
expect "" "kaltune set --probes "
expect "" "kaltune set --time=5"
# Nothing for an unknown command; after the command, global options are no longer offered.
expect "" "kaltune unknown-command --"
expect "--help" "kaltune show --he"
# diff's two sources: names, or files (config files, snapshots).
if echo "$model" | grep -q '^positional diff A$'; then
    expect "boot default running" "kaltune diff "
    expect "boot default running" "kaltune diff running "
    expect "ns/file" "kaltune diff ns/"
    expect "unified" "kaltune diff --format un"
fi

# Lists separated by commas: the last element is completed, the ones before it kept.
if echo "$model" | grep -q '^option sockets 1 --state$'; then
    expect "established" "kaltune sockets --state est"
    expect "established,time-wait" "kaltune sockets --state established,time-"
    expect "ipv4 ipv6" "kaltune sockets --family ipv"
    expect "state=" "kaltune sockets --filter st"
fi

# Global options are also values of the command line after a command.
expect "--json" "kaltune show --js"
expect "always" "kaltune show --color al"

# --netns: names under /run/netns (made by `ip netns add`), files once the word has a slash.
netns_names=$(sorted $(ls /run/netns 2>/dev/null))
expect "$netns_names" "kaltune --netns "
expect "ns/file" "kaltune --netns ns/"
expect "ns/file" "kaltune --netns=ns/"
# --pid: process ids, this shell's among them.
got=$(complete_line "kaltune --pid ")
checks=$((checks + 1))
case " $got " in
*" $$ "*) ;;
*)
    echo "FAIL: --pid does not offer this shell's pid $$" >&2
    failures=$((failures + 1))
    ;;
esac

echo "bash completion: $checks checks, $failures failures"
[ "$failures" -eq 0 ]
