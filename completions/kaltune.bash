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

# The middlebox presets of --idle-timeout (kaltune plan --list-presets).
_kaltune_presets='aws-nlb aws-gwlb aws-nat-gateway aws-network-firewall aws-security-group aws-security-group-nitro-v6 aws-alb aws-clb gcp-firewall gcp-cloud-nat azure-lb azure-nat-gateway nf-conntrack kube-proxy-conntrack kube-proxy-ipvs'

# Fixed words plus, once the word looks like a path, files.
_kaltune_words_or_files()
{
    COMPREPLY=($(compgen -W "$1" -- "$cur"))
    if [[ $cur == */* || $cur == .* || $cur == ~* || ${#COMPREPLY[@]} -eq 0 ]]; then
        _filedir
    fi
}

# A comma-separated list of words: completes the last element, keeping the ones before it.
_kaltune_list()
{
    local head= last=$cur
    if [[ $cur == *,* ]]; then
        head=${cur%,*},
        last=${cur##*,}
    fi
    COMPREPLY=($(compgen -P "$head" -W "$1" -- "$last"))
}

_kaltune()
{
    local cur prev words cword split
    _init_completion -s || return

    # Global options, accepted before and after the command.
    local global_opts='--netns --pid --all-netns --where --root --boot-model --json --color -q --quiet -v --verbose'

    # The command is the first word that is neither an option nor the value of one.
    local i command=
    for ((i = 1; i < cword; i++)); do
        case ${words[i]} in
            --netns | --pid | --where | --root | --boot-model | --color) ((i++)) ;;
            -*) ;;
            *)
                command=${words[i]}
                break
                ;;
        esac
    done

    # The value of a global option, wherever it is.
    case $prev in
        --netns)
            _kaltune_netns
            return
            ;;
        --pid)
            _pids
            return
            ;;
        --where)
            compopt -o nospace
            COMPREPLY=($(compgen -W 'runtime= container= pod= pod-namespace= pod-uid= name= owner= differs=' -- "$cur"))
            return
            ;;
        --root)
            _filedir -d
            return
            ;;
        --boot-model)
            COMPREPLY=($(compgen -W 'auto systemd procps' -- "$cur"))
            return
            ;;
        --color)
            COMPREPLY=($(compgen -W 'auto always never' -- "$cur"))
            return
            ;;
    esac

    local opts
    case $command in
        '')
            if [[ $cur != -* ]]; then
                $split && return
                COMPREPLY=($(compgen -W 'show set reset diff sockets verify check plan enforce' -- "$cur"))
                return
            fi
            opts="$global_opts --version -h --help"
            ;;
        show)
            case $prev in
                --source)
                    _kaltune_words_or_files 'running boot default'
                    return
                    ;;
                --format)
                    COMPREPLY=($(compgen -W 'table json sysctl prometheus' -- "$cur"))
                    return
                    ;;
                --output)
                    _filedir
                    return
                    ;;
            esac
            opts='--source --format --output'
            ;;
        set)
            case $prev in
                --time | --intvl | --probes | --retries2 | --detect-within | --survive-outage | --loss-tolerance)
                    return # a duration or a count: nothing to offer
                    ;;
                --idle-timeout)
                    COMPREPLY=($(compgen -W "$_kaltune_presets" -- "$cur"))
                    return
                    ;;
                --file)
                    _filedir
                    return
                    ;;
                --format)
                    COMPREPLY=($(compgen -W 'text json' -- "$cur"))
                    return
                    ;;
            esac
            opts='--time --intvl --probes --retries2 --idle-timeout --detect-within
                --survive-outage --loss-tolerance --persist --file --no-runtime --dry-run --force
                --format'
            ;;
        reset)
            case $prev in
                --file)
                    _filedir
                    return
                    ;;
                --format)
                    COMPREPLY=($(compgen -W 'text json' -- "$cur"))
                    return
                    ;;
            esac
            opts='--persist --file --no-runtime --dry-run --format'
            ;;
        diff)
            case $prev in
                --format)
                    COMPREPLY=($(compgen -W 'unified table json' -- "$cur"))
                    return
                    ;;
            esac
            if [[ $cur != -* ]]; then
                $split && return
                # A and B: a source name, a sysctl config file or a snapshot.
                _kaltune_words_or_files 'running boot default'
                return
            fi
            opts='--format'
            ;;
        sockets)
            case $prev in
                --state)
                    _kaltune_list 'established syn-sent syn-recv fin-wait-1 fin-wait-2 time-wait
                        close close-wait last-ack listening closing connected all'
                    return
                    ;;
                --port)
                    return # a port number: nothing to offer
                    ;;
                --family)
                    COMPREPLY=($(compgen -W 'ipv4 ipv6 all' -- "$cur"))
                    return
                    ;;
                --filter)
                    _kaltune_list 'state= port= family='
                    compopt -o nospace 2>/dev/null # not when called outside completion (tests)
                    return
                    ;;
                --format)
                    COMPREPLY=($(compgen -W 'table json prometheus' -- "$cur"))
                    return
                    ;;
                --output)
                    _filedir
                    return
                    ;;
            esac
            opts='--processes --state --port --family --filter --format --output'
            ;;
        verify)
            case $prev in
                --time | --intvl | --probes | --timeout | --detect-within | --survive-outage | \
                    --loss-tolerance | --retries2)
                    return # a duration or a count: nothing to offer
                    ;;
                --idle-timeout)
                    COMPREPLY=($(compgen -W "$_kaltune_presets" -- "$cur"))
                    return
                    ;;
                --format)
                    COMPREPLY=($(compgen -W 'text json' -- "$cur"))
                    return
                    ;;
            esac
            opts='--time --intvl --probes --idle-timeout --detect-within --survive-outage
                --loss-tolerance --running --busy --retries2 --timeout --format'
            ;;
        check)
            case $prev in
                --max-detect | --survive-outage | --max-uncovered)
                    return # a duration or a count: nothing to offer
                    ;;
                --idle-timeout | --preset)
                    COMPREPLY=($(compgen -W "$_kaltune_presets" -- "$cur"))
                    return
                    ;;
                --format)
                    COMPREPLY=($(compgen -W 'text json prometheus' -- "$cur"))
                    return
                    ;;
                --output)
                    _filedir
                    return
                    ;;
            esac
            opts='--max-detect --survive-outage --idle-timeout --preset --max-uncovered --persisted
                --nagios --format --output'
            ;;
        plan)
            case $prev in
                --idle-timeout)
                    COMPREPLY=($(compgen -W "$_kaltune_presets" -- "$cur"))
                    return
                    ;;
                --detect-within | --survive-outage | --loss-tolerance)
                    return # a duration or a count: nothing to offer
                    ;;
                --format)
                    COMPREPLY=($(compgen -W 'table json sysctl kubernetes docker' -- "$cur"))
                    return
                    ;;
            esac
            opts='--idle-timeout --detect-within --survive-outage --loss-tolerance --list-presets
                --format'
            ;;
        enforce)
            case $prev in
                --cgroup)
                    _filedir # an absolute path under the cgroup2 mount completes as one
                    return
                    ;;
                --unit | --pod | --time | --intvl | --probes | --detect-within | --survive-outage | --loss-tolerance)
                    return # a name, a duration or a count: nothing to offer
                    ;;
                --idle-timeout)
                    COMPREPLY=($(compgen -W "$_kaltune_presets" -- "$cur"))
                    return
                    ;;
                --user-timeout)
                    COMPREPLY=($(compgen -W 'auto' -- "$cur"))
                    return
                    ;;
                --format)
                    COMPREPLY=($(compgen -W 'table json prometheus' -- "$cur"))
                    return
                    ;;
                --output)
                    _filedir
                    return
                    ;;
            esac
            opts='--cgroup --unit --pod --time --intvl --probes --idle-timeout --detect-within
                --survive-outage --loss-tolerance --sysctl-values --user-timeout --existing --override --dry-run
                --persist --off --list --format --output --apply-persisted'
            ;;
        *)
            return
            ;;
    esac
    $split && return
    if [[ $cur == -* ]]; then
        [[ -n $command ]] && opts="$opts -h --help $global_opts"
        COMPREPLY=($(compgen -W "$opts" -- "$cur"))
    fi
} &&
    complete -F _kaltune kaltune

# ex: filetype=sh
