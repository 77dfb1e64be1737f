# fish completion for kaltune(8). Installed in fish's vendor_completions.d.
# tests/completion/fish.sh drives it with the commands and options of the CLI model.

# The command on the command line (the first word that is neither a global option nor the
# value of one); fails when there is none yet.
function __kaltune_command
    set -l tokens (commandline -opc)
    set -e tokens[1]
    while set -q tokens[1]
        switch $tokens[1]
            case --netns --pid --where --root --boot-model --color
                set -e tokens[1]
            case '-*'
            case '*'
                echo $tokens[1]
                return 0
        end
        set -e tokens[1]
    end
    return 1
end

function __kaltune_needs_command
    not __kaltune_command >/dev/null
end

function __kaltune_using
    set -l command (__kaltune_command)
    and test "$command" = $argv[1]
end

# Names made by `ip netns add`; namespace files once the word looks like a path.
function __kaltune_netns
    for path in /run/netns/*
        string replace -r '.*/' '' -- $path
    end
    set -l token (commandline -ct)
    if string match -qr '/|^\.' -- $token
        __fish_complete_path $token
    end
end

complete -c kaltune -f

# The middlebox presets of --idle-timeout (kaltune plan --list-presets); a duration also works.
set -g __kaltune_presets aws-nlb aws-gwlb aws-nat-gateway aws-network-firewall aws-security-group aws-security-group-nitro-v6 aws-alb aws-clb gcp-firewall gcp-cloud-nat azure-lb azure-nat-gateway nf-conntrack kube-proxy-conntrack kube-proxy-ipvs

# Global options, before and after the command (--help and --version before it only), and the
# commands
complete -c kaltune -n __kaltune_needs_command -s h -l help -d 'Print help and exit'
complete -c kaltune -n __kaltune_needs_command -l version -d 'Print the version and exit'
complete -c kaltune -l netns -x -a '(__kaltune_netns)' -d 'Work on this network namespace'
complete -c kaltune -l pid -x -a '(__fish_complete_pids)' -d 'Work on the network namespace of a process'
complete -c kaltune -l all-netns -d 'Work on every network namespace on the machine'
complete -c kaltune -l where -x -a 'runtime= container= pod= pod-namespace= pod-uid= name= owner=host owner=none owner=container owner=pod differs=yes differs=no' -d 'With --all-netns: only namespaces where FIELD matches GLOB'
complete -c kaltune -l root -x -a '(__fish_complete_directories)' -d 'Configuration paths under this directory'
complete -c kaltune -l boot-model -x -a 'auto systemd procps' -d 'Boot-time applier the boot view follows'
complete -c kaltune -l json -d 'JSON output'
complete -c kaltune -l color -x -a 'auto always never' -d 'When to colour the output'
complete -c kaltune -s q -l quiet -d 'No warnings on stderr'
complete -c kaltune -s v -l verbose -d 'Say more on stderr'
complete -c kaltune -n __kaltune_needs_command -a show -d 'Show the keepalive values in force'
complete -c kaltune -n __kaltune_needs_command -a set -d 'Set keepalive values in the running kernel'
complete -c kaltune -n __kaltune_needs_command -a reset -d 'Write the kernel defaults (now, or also at boot)'
complete -c kaltune -n __kaltune_needs_command -a diff -d 'Compare two sources (default: running against boot)'
complete -c kaltune -n __kaltune_needs_command -a sockets -d 'List the TCP connections and whether keepalive reaches them'
complete -c kaltune -n __kaltune_needs_command -a verify -d 'Measure how long a silent peer survives'
complete -c kaltune -n __kaltune_needs_command -a check -d 'Check the running values against a policy'
complete -c kaltune -n __kaltune_needs_command -a plan -d 'Derive the values from goals and show why'
complete -c kaltune -n __kaltune_needs_command -a enforce -d 'Give the connections of a cgroup keepalive (BPF)'

# show
complete -c kaltune -n '__kaltune_using show' -s h -l help -d 'Print help and exit'
complete -c kaltune -n '__kaltune_using show' -l source -x -a 'running boot default (__fish_complete_path (commandline -ct))' -d 'Which values, or a sysctl config file'
complete -c kaltune -n '__kaltune_using show' -l format -x -a 'table json sysctl prometheus' -d 'Output format'
complete -c kaltune -n '__kaltune_using show' -l output -r -F -d 'Write to this file, atomically'

# set
complete -c kaltune -n '__kaltune_using set' -s h -l help -d 'Print help and exit'
complete -c kaltune -n '__kaltune_using set' -l time -x -d 'net.ipv4.tcp_keepalive_time: seconds or 90s, 5m, 1h30m'
complete -c kaltune -n '__kaltune_using set' -l intvl -x -d 'net.ipv4.tcp_keepalive_intvl: seconds or 90s, 5m, 1h30m'
complete -c kaltune -n '__kaltune_using set' -l probes -x -d 'net.ipv4.tcp_keepalive_probes: a count'
complete -c kaltune -n '__kaltune_using set' -l retries2 -x -d 'net.ipv4.tcp_retries2, 1-255'
complete -c kaltune -n '__kaltune_using set' -l dry-run -d 'Print what would change; write nothing'
complete -c kaltune -n '__kaltune_using set' -l force -d 'Allow values the socket API refuses'
complete -c kaltune -n '__kaltune_using set' -l idle-timeout -x -a "$__kaltune_presets" -d 'Derive from a middlebox idle timeout: a duration or a preset'
complete -c kaltune -n '__kaltune_using set' -l detect-within -x -d 'Derive: longest a dead peer may go unnoticed'
complete -c kaltune -n '__kaltune_using set' -l survive-outage -x -d 'Derive: longest outage a healthy connection survives'
complete -c kaltune -n '__kaltune_using set' -l loss-tolerance -x -d 'Derive: lost probes a healthy connection survives'

complete -c kaltune -n '__kaltune_using set' -l persist -d 'Also make boot apply the values'
complete -c kaltune -n '__kaltune_using set' -l file -r -F -d 'With --persist: edit this file in place'
complete -c kaltune -n '__kaltune_using set' -l no-runtime -d 'With --persist: change only the file'
complete -c kaltune -n '__kaltune_using set' -l format -x -a 'text json' -d 'Output format'

# reset
complete -c kaltune -n '__kaltune_using reset' -s h -l help -d 'Print help and exit'
complete -c kaltune -n '__kaltune_using reset' -l persist -d 'Also remove what kaltune persisted'
complete -c kaltune -n '__kaltune_using reset' -l file -r -F -d 'With --persist: remove the keepalive lines from this file'
complete -c kaltune -n '__kaltune_using reset' -l no-runtime -d 'With --persist: change only the file'
complete -c kaltune -n '__kaltune_using reset' -l dry-run -d 'Print what would change; write nothing'
complete -c kaltune -n '__kaltune_using reset' -l format -x -a 'text json' -d 'Output format'

# diff: A and B are a source name, a sysctl config file or a snapshot
complete -c kaltune -n '__kaltune_using diff' -s h -l help -d 'Print help and exit'
complete -c kaltune -n '__kaltune_using diff' -l format -x -a 'unified table json' -d 'Output format'
complete -c kaltune -n '__kaltune_using diff' -a 'running boot default' -d 'Source'
complete -c kaltune -n '__kaltune_using diff' -F

# sockets
function __kaltune_list --description 'Complete the last element of a comma-separated list'
    set -l token (commandline -ct | string replace -r '^--[a-z-]+=' '')
    set -l head (string match -r '^.*,' -- $token)
    or set head '' # an empty list would make $head$word empty too
    for word in $argv
        echo $head$word
    end
end
complete -c kaltune -n '__kaltune_using sockets' -s h -l help -d 'Print help and exit'
complete -c kaltune -n '__kaltune_using sockets' -l processes -d "Each socket's process and its own keepalive options (root)"
complete -c kaltune -n '__kaltune_using sockets' -l state -x -a '(__kaltune_list established syn-sent syn-recv fin-wait-1 fin-wait-2 time-wait close close-wait last-ack listening closing connected all)' -d 'Only these states'
complete -c kaltune -n '__kaltune_using sockets' -l port -x -d 'Only sockets with this local or peer port'
complete -c kaltune -n '__kaltune_using sockets' -l family -x -a 'ipv4 ipv6 all' -d 'Address family'
complete -c kaltune -n '__kaltune_using sockets' -l filter -x -a '(__kaltune_list state= port= family=)' -d 'Filters as KEY=VALUE'
complete -c kaltune -n '__kaltune_using sockets' -l format -x -a 'table json prometheus' -d 'Output format'
complete -c kaltune -n '__kaltune_using sockets' -l output -r -F -d 'Write to this file, atomically'

# verify
complete -c kaltune -n '__kaltune_using verify' -s h -l help -d 'Print help and exit'
complete -c kaltune -n '__kaltune_using verify' -l time -x -d 'net.ipv4.tcp_keepalive_time to measure'
complete -c kaltune -n '__kaltune_using verify' -l intvl -x -d 'net.ipv4.tcp_keepalive_intvl to measure'
complete -c kaltune -n '__kaltune_using verify' -l probes -x -d 'net.ipv4.tcp_keepalive_probes to measure'
complete -c kaltune -n '__kaltune_using verify' -l running -d 'Measure the running values in place'
complete -c kaltune -n '__kaltune_using verify' -l timeout -x -d 'Give up after this long'
complete -c kaltune -n '__kaltune_using verify' -l idle-timeout -x -a "$__kaltune_presets" -d 'Measure values derived from a middlebox idle timeout'
complete -c kaltune -n '__kaltune_using verify' -l detect-within -x -d 'Measure values derived from a detection goal'
complete -c kaltune -n '__kaltune_using verify' -l survive-outage -x -d 'Longest outage a healthy connection survives'
complete -c kaltune -n '__kaltune_using verify' -l loss-tolerance -x -d 'Lost probes a healthy connection survives'
complete -c kaltune -n '__kaltune_using verify' -l busy -d 'Measure the busy half: data in flight, tcp_retries2 decides'
complete -c kaltune -n '__kaltune_using verify' -l retries2 -x -d 'With --busy: tcp_retries2 of the private namespace'
complete -c kaltune -n '__kaltune_using verify' -l format -x -a 'text json' -d 'Output format'

# check
complete -c kaltune -n '__kaltune_using check' -s h -l help -d 'Print help and exit'
complete -c kaltune -n '__kaltune_using check' -l max-detect -x -d 'Longest acceptable dead-peer detection, idle and busy'
complete -c kaltune -n '__kaltune_using check' -l survive-outage -x -d 'Longest outage a healthy connection must survive'
complete -c kaltune -n '__kaltune_using check' -l idle-timeout -x -a "$__kaltune_presets" -d 'Idle timeout of a middlebox: a duration or a preset'
complete -c kaltune -n '__kaltune_using check' -l preset -x -a "$__kaltune_presets" -d 'A middlebox preset on the path'
complete -c kaltune -n '__kaltune_using check' -l max-uncovered -x -d 'At most N established connections without keepalive'
complete -c kaltune -n '__kaltune_using check' -l persisted -d 'Running values must be what boot applies'
complete -c kaltune -n '__kaltune_using check' -l nagios -d 'Monitoring-plugin output and exit codes'
complete -c kaltune -n '__kaltune_using check' -l format -x -a 'text json prometheus' -d 'Output format'
complete -c kaltune -n '__kaltune_using check' -l output -r -F -d 'Write to this file, atomically'

# plan
complete -c kaltune -n '__kaltune_using plan' -s h -l help -d 'Print help and exit'
complete -c kaltune -n '__kaltune_using plan' -l idle-timeout -x -a "$__kaltune_presets" -d 'Idle timeout of a middlebox: a duration or a preset'
complete -c kaltune -n '__kaltune_using plan' -l detect-within -x -d 'Longest a dead peer may go unnoticed'
complete -c kaltune -n '__kaltune_using plan' -l survive-outage -x -d 'Longest outage a healthy connection survives'
complete -c kaltune -n '__kaltune_using plan' -l loss-tolerance -x -d 'Lost probes a healthy connection survives'
complete -c kaltune -n '__kaltune_using plan' -l list-presets -d 'Print the middlebox presets'
complete -c kaltune -n '__kaltune_using plan' -l format -x -a 'table json sysctl kubernetes docker' -d 'Output format'

# enforce
complete -c kaltune -n '__kaltune_using enforce' -s h -l help -d 'Print help and exit'
complete -c kaltune -n '__kaltune_using enforce' -l cgroup -r -F -d 'The cgroup v2 subtree (relative to its mount)'
complete -c kaltune -n '__kaltune_using enforce' -l unit -x -d 'The cgroup of this systemd unit'
complete -c kaltune -n '__kaltune_using enforce' -l pod -x -d 'The cgroup of this pod (NAMESPACE/NAME)'
complete -c kaltune -n '__kaltune_using enforce' -l time -x -d 'TCP_KEEPIDLE given to each connection'
complete -c kaltune -n '__kaltune_using enforce' -l intvl -x -d 'TCP_KEEPINTVL given to each connection'
complete -c kaltune -n '__kaltune_using enforce' -l probes -x -d 'TCP_KEEPCNT given to each connection'
complete -c kaltune -n '__kaltune_using enforce' -l idle-timeout -x -a "$__kaltune_presets" -d 'Idle timeout of a middlebox: a duration or a preset'
complete -c kaltune -n '__kaltune_using enforce' -l detect-within -x -d 'Longest a dead peer may go unnoticed'
complete -c kaltune -n '__kaltune_using enforce' -l survive-outage -x -d 'Longest outage a healthy connection survives'
complete -c kaltune -n '__kaltune_using enforce' -l loss-tolerance -x -d 'Lost probes a healthy connection survives'
complete -c kaltune -n '__kaltune_using enforce' -l sysctl-values -d 'Only SO_KEEPALIVE: the sysctls decide'
complete -c kaltune -n '__kaltune_using enforce' -l user-timeout -x -a auto -d 'Also TCP_USER_TIMEOUT: auto or a duration'
complete -c kaltune -n '__kaltune_using enforce' -l existing -d 'Also the connections established before'
complete -c kaltune -n '__kaltune_using enforce' -l override -d 'Also where the program chose its own'
complete -c kaltune -n '__kaltune_using enforce' -l dry-run -d 'Say what would be attached'
complete -c kaltune -n '__kaltune_using enforce' -l persist -d 'Keep it across reboots'
complete -c kaltune -n '__kaltune_using enforce' -l off -d 'Detach it'
complete -c kaltune -n '__kaltune_using enforce' -l list -d 'List the enforced cgroups'
complete -c kaltune -n '__kaltune_using enforce' -l format -x -a 'table json prometheus' -d 'Output format (prometheus: with --list)'
complete -c kaltune -n '__kaltune_using enforce' -l output -r -F -d 'Write --list to this file, atomically'
complete -c kaltune -n '__kaltune_using enforce' -l apply-persisted -d 'Attach what /etc/kaltune/enforce.conf holds'
