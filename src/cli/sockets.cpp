#include "cli/sockets.hpp"

#include "cli/output.hpp"

#include "core/duration.hpp"
#include "core/runtime.hpp"
#include "core/sockets.hpp"
#include "render/metrics.hpp"
#include "render/sockets.hpp"
#include "sys/sock_diag.hpp"
#include "sys/socket_owners.hpp"

#include <fmt/format.h>

#include <array>
#include <cstring>
#include <deque>
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
  sockets
      ->add_option("--filter", options.filters,
                   "Filters as KEY=VALUE (repeat or separate with commas): state=STATE, "
                   "port=PORT, family=ipv4|ipv6|all; the same as --state, --port, --family")
      ->delimiter(',')
      ->type_name("KEY=VALUE");
  sockets
      ->add_option("--format", options.format,
                   "Output format; prometheus prints only the summary counts, as metrics")
      ->check(CLI::IsMember({"table", "json", "prometheus"}));
  add_output_option(*sockets, options.output);
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

// What --processes learns while the dump goes: the owners from one pass over /proc made before
// it, each socket's options read on first use, and what could not be seen.
class ProcessView {
public:
  explicit ProcessView(bool enabled) : enabled_(enabled) {
    if (enabled_) {
      scan_ = scan_socket_owners([](std::uint32_t) { return true; });
    }
  }

  const SocketOwner* owner(std::uint32_t inode) const {
    const auto it = scan_.owners.find(inode);
    return it == scan_.owners.end() ? nullptr : &it->second;
  }

  const SocketOptions* options(std::uint32_t inode) {
    const SocketOwner* holder = owner(inode);
    if (holder == nullptr) {
      return nullptr;
    }
    auto [it, added] = options_.try_emplace(inode);
    if (added) {
      try {
        it->second = read_socket_options(holder->pid, holder->fd, inode);
        if (!it->second) {
          ++failures_["its descriptor holds another file now (closed and reused since the scan)"];
        }
      } catch (const SystemError& error) {
        const bool denied = error.error_number() == EPERM || error.error_number() == EACCES;
        // Counted by call and error, not by process: one line says it for all of them.
        const std::string call(error.what(), std::strcspn(error.what(), " "));
        ++failures_[fmt::format("{}: {}{}", call, std::strerror(error.error_number()),
                                denied ? " (needs ptrace rights over the process: run as root)"
                                       : "")];
      }
    }
    return it->second ? &*it->second : nullptr;
  }

  // Once per listed socket, to count those no visible process holds.
  void note_listed(std::uint32_t inode) {
    if (enabled_ && owner(inode) == nullptr) {
      ++unowned_;
    }
  }

  std::vector<std::string> missing() const {
    std::vector<std::string> out;
    for (const auto& [what, n] : failures_) {
      out.push_back(fmt::format("socket options of {} socket{}: {}", n, n == 1 ? "" : "s", what));
    }
    if (scan_.unreadable > 0) {
      out.push_back(fmt::format("owners among {} of {} processes whose descriptors are readable "
                                "only by their user or root",
                                scan_.unreadable, scan_.processes));
    }
    if (unowned_ > 0) {
      out.push_back(fmt::format("the process of {} socket{}: no visible process holds {}", unowned_,
                                unowned_ == 1 ? "" : "s", unowned_ == 1 ? "it" : "them"));
    }
    return out;
  }

private:
  bool enabled_;
  OwnerScan scan_;
  std::unordered_map<std::uint32_t, std::optional<SocketOptions>> options_;
  std::map<std::string, std::size_t> failures_; // one line per distinct failure, with its count
  std::size_t unowned_ = 0;
};

constexpr std::array<Coverage, 5> coverage_order{Coverage::none, Coverage::unacked, Coverage::stale,
                                                 Coverage::keepalive, Coverage::other};
} // namespace

namespace {
int sockets(Context& context, const SocketsOptions& options) {
  const SocketFilter filter = parse_filter(options);
  SocketsHead head{read_running(context.proc), {}, options.processes, {}};
  ProcessView view(options.processes);
  auto line_of = [&](const DiagSocket& socket) {
    const SocketOptions* own = view.options(socket.inode);
    return SocketLine{socket, classify(socket, head.sysctls, own), view.owner(socket.inode), own};
  };
  if (options.format == "prometheus" && !context.global.json) {
    // Only the counts: nothing is kept per socket.
    dump_tcp_sockets(filter.families, filter.states, [&](const DiagSocket& socket) {
      if (port_matches(filter, socket)) {
        const SocketLine line = line_of(socket);
        count(head.summary, socket, line.coverage, line.options, head.sysctls);
      }
    });
    context.out << render_metrics(socket_metrics(head.summary, netns_path(context.global.target)));
    return 0;
  }
  if (context.global.json || options.format == "json") {
    // Streams: each socket is written as it is decoded; nothing is kept.
    context.out << sockets_json_open();
    bool first = true;
    try {
      dump_tcp_sockets(filter.families, filter.states, [&](const DiagSocket& socket) {
        if (!port_matches(filter, socket)) {
          return;
        }
        view.note_listed(socket.inode);
        const SocketLine line = line_of(socket);
        count(head.summary, socket, line.coverage, line.options, head.sysctls);
        context.out << (first ? "\n" : ",\n") << socket_json(line, head.sysctls, options.processes);
        first = false;
      });
    } catch (const std::exception& error) {
      // Part of the document is out already: close it validly, then fail as usual (the
      // message on stderr, exit 3 or 4).
      context.out << sockets_json_abort(error.what());
      throw;
    }
    head.missing = view.missing();
    context.out << sockets_json_close(head);
    return 0;
  }
  // The table puts the summary first and the uncovered first: one compact record per listed
  // socket, in a deque so that growing never copies, then one pass per coverage class.
  std::deque<DiagSocket> sockets;
  dump_tcp_sockets(filter.families, filter.states, [&](const DiagSocket& socket) {
    if (port_matches(filter, socket)) {
      sockets.push_back(socket);
    }
  });
  for (const DiagSocket& socket : sockets) {
    view.note_listed(socket.inode);
    const SocketLine line = line_of(socket);
    count(head.summary, socket, line.coverage, line.options, head.sysctls);
  }
  head.missing = view.missing();
  context.out << render_sockets_head(head, context.out_style);
  for (Coverage coverage : coverage_order) {
    for (const DiagSocket& socket : sockets) {
      const SocketLine line = line_of(socket);
      if (line.coverage == coverage) {
        context.out << render_socket_row(line, head.sysctls, options.processes, context.out_style);
      }
    }
  }
  context.out << render_sockets_legend(head.summary);
  return 0;
}
} // namespace

int run_sockets(Context& context, const SocketsOptions& options) {
  return run_with_output(context, options.output,
                         [&options](Context& target) { return sockets(target, options); });
}

} // namespace kaltune
