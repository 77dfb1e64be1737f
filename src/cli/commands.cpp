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
// Adding a command: a file with its options, setup and run, and one row here.
constexpr std::array table{
    Command{"show", "Show the keepalive values in force and what they mean",
            bind_command<setup_show, run_show>},
    Command{"set", "Set keepalive values in the running kernel (all or nothing)",
            bind_command<setup_set, run_set>},
    Command{"reset",
            "Write the kernel defaults 7200/75/9 now (all or nothing); with --persist also remove "
            "what kaltune persisted",
            bind_command<setup_reset, run_reset>},
    Command{"diff", "Compare two sources (default: running against boot); exit 1 when they differ",
            bind_command<setup_diff, run_diff>},
    Command{"sockets", "List the TCP connections and whether keepalive reaches them (sock_diag)",
            bind_command<setup_sockets, run_sockets>},
    Command{"verify",
            "Measure how long the kernel takes to declare a silent peer dead (exit 0 within the "
            "tolerance: 0.5 s + 1/8 of the expected time; 4 outside it)",
            bind_command<setup_verify, run_verify>},
    Command{"check", "Check the running values against a policy (exit 1 when violated)",
            bind_command<setup_check, run_check>},
    Command{"plan", plan_help, bind_command<setup_plan, run_plan>},
    Command{"enforce",
            "Give every TCP connection of a cgroup subtree keepalive, whatever its program asked "
            "(a cgroup sock_ops BPF program; Linux 5.10)",
            bind_command<setup_enforce, run_enforce>},
};
} // namespace

std::span<const Command> commands() {
  return table;
}

} // namespace kaltune
