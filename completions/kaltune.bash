# bash completion for kaltune(8)                                   -*- shell-script -*-
# Installed as "kaltune" in bash-completion's completionsdir, which loads it on first use.
# tests/completion/bash.sh drives it with the commands and options of the CLI model.

# Network namespace names made by `ip netns add`; namespace files once the word looks like a path.
_kaltune_netns()
{
    local names=()
    if [[ -d /run/netns ]]; then
        names=(/run/netns/*)
        names=("${names[@]##*/}")
        [[ ${names[0]} == '*' ]] && names=()
    fi
    COMPREPLY=($(compgen -W '"${names[@]}"' -- "$cur"))
    if [[ $cur == */* || $cur == .* ]]; then
        _filedir
    fi
}

_kaltune()
{
    local cur prev words cword split
    _init_completion -s || return

    # The command is the first word that is neither a global option nor the value of one.
    local i command=
    for ((i = 1; i < cword; i++)); do
        case ${words[i]} in
            --netns | --pid | --color) ((i++)) ;;
            -*) ;;
            *)
                command=${words[i]}
                break
                ;;
        esac
    done

    local opts
    case $command in
        '')
            case $prev in
                --netns)
                    _kaltune_netns
                    return
                    ;;
                --pid)
                    _pids
                    return
                    ;;
                --color)
                    COMPREPLY=($(compgen -W 'auto always never' -- "$cur"))
                    return
                    ;;
            esac
            $split && return
            if [[ $cur != -* ]]; then
                COMPREPLY=($(compgen -W 'show set check' -- "$cur"))
                return
            fi
            opts='--netns --pid --json --color -q --quiet -v --verbose --version -h --help'
            ;;
        show)
            case $prev in
                --source)
                    COMPREPLY=($(compgen -W 'running default' -- "$cur"))
                    return
                    ;;
                --format)
                    COMPREPLY=($(compgen -W 'table json sysctl prometheus' -- "$cur"))
                    return
                    ;;
            esac
            opts='--source --format -h --help'
            ;;
        set)
            case $prev in
                --time | --intvl | --probes)
                    return # a duration or a count: nothing to offer
                    ;;
            esac
            opts='--time --intvl --probes --dry-run --force -h --help'
            ;;
        check)
            case $prev in
                --max-detect | --idle-timeout)
                    return # a duration: nothing to offer
                    ;;
            esac
            opts='--max-detect --idle-timeout --nagios -h --help'
            ;;
        *)
            return
            ;;
    esac
    $split && return
    if [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W "$opts" -- "$cur"))
    fi
} &&
    complete -F _kaltune kaltune

# ex: filetype=sh
