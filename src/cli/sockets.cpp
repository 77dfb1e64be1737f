#include "cli/sockets.hpp"

#include "core/runtime.hpp"
#include "core/sockets.hpp"
#include "render/sockets.hpp"
#include "sys/sock_diag.hpp"
#include "sys/socket_owners.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <ostream>
#include <unordered_map>

namespace kaltune {

void setup_sockets(CLI::App& app, SocketsOptions& options) {
  auto* sockets = app.add_subcommand(
      "sockets", "List the TCP connections and whether keepalive reaches them (sock_diag)");
  sockets->add_flag("--processes", options.processes,
                    "Show each socket's process and its own SO_KEEPALIVE, TCP_KEEPIDLE, "
                    "TCP_KEEPINTVL, TCP_KEEPCNT, TCP_USER_TIMEOUT (root)");
  sockets
      ->add_option("--state", options.states,
                   "Only these states (repeat or separate with commas): established, syn-sent, "
                   "fin-wait-1, time-wait, close-wait, listening, …, connected (default), all")
      ->delimiter(',')
      ->type_name("STATE");
  sockets->add_option("--port", options.port, "Only sockets with this local or peer port")
      ->check(CLI::Range(0, 65535))
      ->type_name("PORT");
  sockets->add_option("--family", options.family, "ipv4, ipv6 or all (default)")
      ->check(CLI::IsMember({"ipv4", "ipv6", "all"}));
  sockets->add_option("--format", options.format, "Output format")
      ->check(CLI::IsMember({"table", "json"}));
}

namespace {
SocketFilter parse_filter(const SocketsOptions& options) {
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

// What --processes learns: owners and options by inode, and what it could not see.
struct ProcessView {
  std::unordered_map<std::uint32_t, SocketOwner> owners;
  std::unordered_map<std::uint32_t, SocketOptions> options;
  std::vector<std::string> missing;
};

ProcessView look_at_processes(const std::vector<DiagSocket>& sockets) {
  std::vector<std::uint32_t> inodes;
  inodes.reserve(sockets.size());
  for (const DiagSocket& socket : sockets) {
    if (socket.inode != 0) {
      inodes.push_back(socket.inode);
    }
  }
  std::sort(inodes.begin(), inodes.end());
  OwnerScan scan = scan_socket_owners([&inodes](std::uint32_t inode) {
    return std::binary_search(inodes.begin(), inodes.end(), inode);
  });
  ProcessView view;
  // One line per distinct failure, with how many sockets it hid.
  std::map<std::string, std::size_t> failures;
  for (const auto& [inode, owner] : scan.owners) {
    try {
      view.options.emplace(inode, read_socket_options(owner.pid, owner.fd));
    } catch (const SystemError& error) {
      const bool denied = error.error_number() == EPERM || error.error_number() == EACCES;
      failures[fmt::format("pidfd_getfd: {}{}", std::strerror(error.error_number()),
                           denied ? " (needs ptrace rights over the owner: run as root)" : "")]++;
    }
  }
  for (const auto& [what, n] : failures) {
    view.missing.push_back(
        fmt::format("socket options of {} socket{}: {}", n, n == 1 ? "" : "s", what));
  }
  if (scan.unreadable > 0) {
    view.missing.push_back(fmt::format(
        "owners among {} of {} processes whose descriptors are readable only by their user or "
        "root",
        scan.unreadable, scan.processes));
  }
  const std::size_t unowned = inodes.size() - scan.owners.size();
  if (unowned > 0) {
    view.missing.push_back(fmt::format("the process of {} socket{}: no visible process holds {}",
                                       unowned, unowned == 1 ? "" : "s",
                                       unowned == 1 ? "it" : "them"));
  }
  view.owners = std::move(scan.owners);
  return view;
}

template <typename T>
const T* find(const std::unordered_map<std::uint32_t, T>& map, std::uint32_t inode) {
  const auto it = map.find(inode);
  return it == map.end() ? nullptr : &it->second;
}
} // namespace

int run_sockets(Context& context, const SocketsOptions& options) {
  const SocketFilter filter = parse_filter(options);
  const Settings sysctls = read_running(context.proc);
  // One compact record per listed socket, kept only to sort: the dump itself streams.
  std::vector<DiagSocket> sockets;
  dump_tcp_sockets(filter.families, filter.states, [&](const DiagSocket& socket) {
    if (port_matches(filter, socket)) {
      sockets.push_back(socket);
    }
  });
  ProcessView view;
  if (options.processes) {
    view = look_at_processes(sockets);
  }
  auto coverage_of = [&](const DiagSocket& socket) {
    return classify(socket, sysctls, find(view.options, socket.inode));
  };
  std::stable_sort(sockets.begin(), sockets.end(), [&](const DiagSocket& a, const DiagSocket& b) {
    return coverage_of(a) < coverage_of(b);
  });
  SocketsHead head{sysctls, {}, options.processes, std::move(view.missing)};
  for (const DiagSocket& socket : sockets) {
    count(head.summary, socket, coverage_of(socket), find(view.options, socket.inode), sysctls);
  }
  const bool json = context.global.json || options.format == "json";
  context.out << (json ? sockets_json_open(head) : render_sockets_head(head, context.out_style));
  bool first = true;
  for (const DiagSocket& socket : sockets) {
    const SocketLine line{socket, coverage_of(socket), find(view.owners, socket.inode),
                          find(view.options, socket.inode)};
    if (json) {
      context.out << (first ? "\n" : ",\n") << socket_json(line, sysctls, options.processes);
    } else {
      context.out << render_socket_row(line, sysctls, options.processes, context.out_style);
    }
    first = false;
  }
  context.out << (json ? sockets_json_close() : render_sockets_legend(head.summary));
  return 0;
}

} // namespace kaltune
