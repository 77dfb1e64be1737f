#include "cli/command.hpp"

#include "cli/check.hpp"
#include "cli/diff.hpp"
#include "cli/enforce.hpp"
#include "cli/plan.hpp"
#include "cli/reset.hpp"
#include "cli/set.hpp"
#include "cli/show.hpp"
#include "cli/sockets.hpp"
#include "cli/verify.hpp"

#include <array>

namespace kaltune {

namespace {
using enum Format;

constexpr std::array show_formats{table, json, sysctl, prometheus};
constexpr std::array change_formats{text, json};
constexpr std::array diff_formats{unified, table, json};
constexpr std::array sockets_formats{table, json, prometheus};
constexpr std::array check_formats{text, json, prometheus, nagios};
constexpr std::array plan_formats{table, json, sysctl, kubernetes, docker};
constexpr std::array enforce_formats{table, json, prometheus};
// With --all-netns: a row (or lines) per namespace, one JSON document, one exposition.
constexpr std::array show_netns_formats{table, json, prometheus};
constexpr std::array none = std::array<Format, 0>{};

// Adding a command: a file with its options, setup and run, and one row here.
constexpr std::array rows{
    Command{"show", "Show the keepalive values in force and what they mean", show_formats,
            show_netns_formats, /*output=*/true, "", bind_command<setup_show, run_show>},
    Command{"set", "Set keepalive values in the running kernel (all or nothing)", change_formats,
            change_formats, /*output=*/false, "--time 10m --intvl 30s --probes 4",
            bind_command<setup_set, run_set>},
    Command{"reset",
            "Write the kernel defaults 7200/75/9 and tcp_retries2 15 now (all or nothing); with "
            "--persist also remove what kaltune persisted",
            change_formats, none, /*output=*/false, "", bind_command<setup_reset, run_reset>},
    Command{"diff", "Compare two sources (default: running against boot); exit 1 when they differ",
            diff_formats, none, /*output=*/false, "running default",
            bind_command<setup_diff, run_diff>},
    Command{"sockets", "List the TCP connections and whether keepalive reaches them (sock_diag)",
            sockets_formats, sockets_formats, /*output=*/true, "--state established",
            bind_command<setup_sockets, run_sockets>},
    Command{"verify",
            "Measure how long the kernel takes to declare a silent peer dead (exit 0 within the "
            "tolerance: 0.5 s + 1/8 of the expected time; 4 outside it)",
            change_formats, none, /*output=*/false, "--time 1 --intvl 1 --probes 1",
            bind_command<setup_verify, run_verify>},
    Command{"check", "Check the running values against a policy (exit 1 when violated)",
            check_formats, check_formats, /*output=*/true, "--max-detect 3h",
            bind_command<setup_check, run_check>},
    Command{"plan", plan_help, plan_formats, none, /*output=*/false, "--idle-timeout aws-nlb",
            bind_command<setup_plan, run_plan>},
    Command{"enforce",
            "Give every TCP connection of a cgroup subtree keepalive, whatever its program asked "
            "(a cgroup sock_ops BPF program; Linux 5.10)",
            enforce_formats, none, /*output=*/true, "--list",
            bind_command<setup_enforce, run_enforce>},
};
} // namespace

std::span<const Command> commands() {
  return rows;
}

} // namespace kaltune
