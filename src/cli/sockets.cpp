#include "cli/sockets.hpp"

#include "cli/decimal.hpp"
#include "cli/targets.hpp"

#include "core/busy.hpp"
#include "core/duration.hpp"
#include "core/runtime.hpp"
#include "core/socket_processes.hpp"
#include "core/sockets.hpp"
#include "render/json.hpp"
#include "render/metrics.hpp"
#include "render/sockets.hpp"
#include "sys/bpf_enforce.hpp"
#include "sys/cgroup.hpp"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <array>
#include <deque>
#include <ostream>

namespace kaltune {

void setup_sockets(CLI::App& command, SocketsOptions& options) {
  command.add_flag("--processes", options.processes,
                   "Show each socket's process and its own SO_KEEPALIVE, TCP_KEEPIDLE, "
                   "TCP_KEEPINTVL, TCP_KEEPCNT, TCP_USER_TIMEOUT (root)");
  command
      .add_option("--state", options.states,
                  "Only these states (repeat or separate with commas): established, syn-sent, "
                  "fin-wait-1, time-wait, close-wait, listening, …, connected (default), all")
      ->delimiter(',')
      ->type_name("STATE");
  command.add_option("--port", options.port, "Only sockets with this local or peer port")
      ->check(decimal(0, 65535))
      ->type_name("PORT");
  command.add_option("--family", options.family, "ipv4, ipv6 or all (default)")
      ->check(CLI::IsMember({"ipv4", "ipv6", "all"}));
  command
      .add_option("--filter", options.filters,
                  "Filters as KEY=VALUE (repeat or separate with commas): state=STATE, "
                  "port=PORT, family=ipv4|ipv6|all; the same as --state, --port, --family")
      ->delimiter(',')
      ->type_name("KEY=VALUE");
}

namespace {
// --filter items folded into the options they stand for.
SocketsOptions with_filters(SocketsOptions options) {
  for (const std::string& item : options.filters) {
    const auto equals = item.find('=');
    const std::string key = item.substr(0, equals);
    const std::string value = equals == std::string::npos ? "" : item.substr(equals + 1);
    if (key == "state" && !value.empty()) {
      options.states.push_back(value);
    } else if (key == "family" && !value.empty()) {
      options.family = value;
    } else if (key == "port" && !value.empty()) {
      const auto port = parse_count(value);
      if (!port || *port > 65535) {
        throw Error(ExitStatus::usage,
                    fmt::format("sockets --filter {}: expected a port number 0-65535", item));
      }
      options.port = static_cast<int>(*port);
    } else {
      throw Error(ExitStatus::usage,
                  fmt::format("sockets --filter '{}': expected state=STATE, port=PORT or "
                              "family=ipv4|ipv6|all",
                              item));
    }
  }
  return options;
}

SocketFilter parse_filter(const SocketsOptions& given) {
  const SocketsOptions options = with_filters(given);
  SocketFilter filter;
  auto states = parse_states(options.states);
  if (!states) {
    throw Error(ExitStatus::usage, "sockets --state: " + states.error());
  }
  auto families = parse_family(options.family);
  if (!families) {
    throw Error(ExitStatus::usage, "sockets --family: " + families.error());
  }
  filter.states = *states;
  filter.families = *families;
  if (options.port) {
    filter.port = static_cast<std::uint16_t>(*options.port);
  }
  return filter;
}

// The cgroups kaltune enforce acts on now, with the ids of their subtrees; what could not be read
// (not root, no cgroup2 mount) is said, not guessed.
EnforcedCgroups read_enforced_cgroups() {
  EnforcedCgroups enforced;
  try {
    BpfEnforcer enforcer;
    std::optional<std::filesystem::path> mount;
    for (const PinnedAttachment& attachment : enforcer.list()) {
      if (!attachment.program || attachment.cgroup_id == 0) {
        continue; // not ours, or its cgroup is gone: it acts nowhere
      }
      if (!mount) {
        mount = cgroup2_mount();
      }
      const std::string& cgroup = attachment.program->cgroup;
      const std::filesystem::path dir = cgroup == "/" ? *mount : *mount / cgroup;
      if (cgroup_id(dir) != attachment.cgroup_id) {
        continue; // the path names a newer cgroup (a unit restarted); the link is on the old
      }
      enforced.add({cgroup, attachment.program->values}, subtree_ids(dir));
    }
  } catch (const Error& error) {
    enforced = EnforcedCgroups{};
    enforced.unknown = error.what();
  }
  return enforced;
}

constexpr std::array<Coverage, 5> coverage_order{Coverage::none, Coverage::unacked, Coverage::stale,
                                                 Coverage::keepalive, Coverage::other};

// Streams: each socket is written as it is decoded; nothing is kept, so memory stays constant
// for any number of sockets. The summary comes after them, when the counts are known.
void print_json(Context& context, const SocketFilter& filter, SocketsHead& head) {
  SocketProcesses processes(head.processes);
  SocketJson socket_json(head.sysctls, head.processes);
  stream_json(context.out, [&](JsonStream& json) {
    json.begin_array("sockets");
    for_each_listed_socket(
        filter, head.sysctls, head.busy, processes, head.enforced, head.summary,
        [&](const SocketLine& line) { json.element_text(socket_json.render(line)); });
    json.end_array();
    head.missing = processes.missing();
    end_sockets_json(json, head);
  });
}

// The table puts the summary first and the uncovered first: one compact record per listed
// socket, in a deque so that growing never copies, then one pass per coverage class.
void print_table(Context& context, const SocketFilter& filter, SocketsHead& head) {
  SocketProcesses processes(head.processes);
  std::deque<DiagSocket> sockets;
  for_each_listed_socket(filter, head.sysctls, head.busy, processes, head.enforced, head.summary,
                         [&](const SocketLine& line) { sockets.push_back(line.socket); });
  head.missing = processes.missing();
  context.out << render_sockets_head(head, context.out_style);
  for (Coverage coverage : coverage_order) {
    for (const DiagSocket& socket : sockets) {
      const SocketLine line = describe(socket, head.sysctls, head.busy, processes, head.enforced);
      if (line.coverage == coverage) {
        context.out << render_socket_row(line, head, context.out_style);
      }
    }
  }
  context.out << render_sockets_legend(head.summary);
}

// The counts only, as metrics: nothing is kept per socket.
void print_metrics(Context& context, const SocketFilter& filter, SocketsHead& head) {
  SocketProcesses processes(head.processes);
  for_each_listed_socket(filter, head.sysctls, head.busy, processes, head.enforced, head.summary);
  context.out << render_metrics(
      socket_metrics(head.summary, !head.enforced.unknown, netns_path(context.global.target)));
}

} // namespace

int run_sockets(Context& context, const SocketsOptions& options) {
  const SocketFilter filter = parse_filter(options);
  if (context.global.all_netns) {
    // Socket inodes are machine-wide: one pass over /proc/*/fd serves every namespace. The dump
    // runs inside each namespace: a netlink socket sees the namespace it was made in.
    SocketProcesses processes(options.processes);
    const EnforcedCgroups enforced = read_enforced_cgroups(); // cgroup ids are machine-wide
    SocketsNetnsView view(
        [&](const NetnsEntry& entry) {
          SocketSummary summary;
          RealProcSys proc; // inside the namespace: its own tcp_retries2
          for_each_listed_socket(filter, entry.values, read_busy_inputs(proc), processes, enforced,
                                 summary);
          return summary;
        },
        [&] {
          std::vector<std::string> unseen = processes.missing();
          if (enforced.unknown) {
            unseen.push_back("which connections kaltune enforce covers: " + *enforced.unknown);
          }
          return unseen;
        },
        options.processes, !enforced.unknown);
    return run_over_netns(context, view);
  }
  SocketsHead head{
      read_running(context.proc), {}, options.processes, {}, read_busy_inputs(context.proc),
      read_enforced_cgroups()};
  if (context.format == Format::json) {
    print_json(context, filter, head);
  } else if (context.format == Format::prometheus) {
    print_metrics(context, filter, head);
  } else {
    print_table(context, filter, head);
  }
  return 0;
}

} // namespace kaltune
