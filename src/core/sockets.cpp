#include "core/sockets.hpp"

#include "sys/sock_diag.hpp"

#include <fmt/format.h>

#include <algorithm>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

namespace kaltune {

namespace {
constexpr std::uint32_t bit(int state) {
  return std::uint32_t{1} << state;
}

constexpr std::uint32_t all_states = bit(TCP_ESTABLISHED) | bit(TCP_SYN_SENT) | bit(TCP_SYN_RECV) |
                                     bit(TCP_FIN_WAIT1) | bit(TCP_FIN_WAIT2) | bit(TCP_TIME_WAIT) |
                                     bit(TCP_CLOSE) | bit(TCP_CLOSE_WAIT) | bit(TCP_LAST_ACK) |
                                     bit(TCP_LISTEN) | bit(TCP_CLOSING);
constexpr std::uint32_t connected_states =
    all_states & ~(bit(TCP_LISTEN) | bit(TCP_CLOSE) | bit(TCP_TIME_WAIT) | bit(TCP_SYN_RECV));
} // namespace

std::string_view coverage_name(Coverage coverage) {
  switch (coverage) {
  case Coverage::none:
    return "none";
  case Coverage::unacked:
    return "unacked";
  case Coverage::stale:
    return "stale";
  case Coverage::keepalive:
    return "keepalive";
  case Coverage::other:
    break;
  }
  return "-";
}

Coverage classify(const DiagSocket& socket, const Settings& sysctls, const SocketOptions* options) {
  if (socket.state != TCP_ESTABLISHED) {
    return Coverage::other;
  }
  switch (socket.timer) {
  case DiagTimer::retransmit:
  case DiagTimer::zero_window:
    return Coverage::unacked;
  case DiagTimer::keepalive: {
    const std::int64_t idle = options != nullptr ? options->idle : sysctls[Key::time];
    return std::int64_t{socket.expires_ms} > idle * 1000 ? Coverage::stale : Coverage::keepalive;
  }
  case DiagTimer::none:
  case DiagTimer::time_wait:
    break;
  }
  return Coverage::none;
}

bool overrides(const SocketOptions& options, const Settings& sysctls) {
  return options.idle != sysctls[Key::time] || options.intvl != sysctls[Key::intvl] ||
         options.count != sysctls[Key::probes];
}

std::optional<std::int64_t> own_detect_seconds(const SocketOptions& options) {
  if (!options.keepalive) {
    return std::nullopt;
  }
  const Settings own{options.idle, options.intvl, options.count};
  if (options.user_timeout_ms <= 0 || options.intvl <= 0) {
    return detect_seconds(own);
  }
  // tcp_keepalive_timer: with a user timeout, the first firing after at least one probe at which
  // the silence has lasted the user timeout resets the connection.
  std::int64_t at = options.idle + options.intvl;
  while (at * 1000 < options.user_timeout_ms) {
    at += options.intvl;
  }
  return at;
}

std::optional<BusyLeft> busy_left_of(const DiagSocket& socket, const BusyInputs& busy,
                                     const SocketOptions* options) {
  if (socket.state != TCP_ESTABLISHED || socket.timer != DiagTimer::retransmit ||
      socket.rto_us == 0) {
    return std::nullopt;
  }
  const BusyLimit limit = options != nullptr && options->user_timeout_ms > 0
                              ? user_timeout_limit(options->user_timeout_ms, busy.rto_max_ms)
                              : retries2_limit(busy);
  return busy_left(BusyState{socket.retrans, socket.backoff, socket.rto_us, socket.expires_ms},
                   limit, busy);
}

const Enforcement* EnforcedCgroups::covering(std::uint64_t cgroup_id) const {
  const auto found = by_id.find(cgroup_id);
  return cgroup_id == 0 || found == by_id.end() ? nullptr : &enforcements[found->second];
}

namespace {
// How deep a cgroup is below the mount: "/" 0, "a" 1, "a/b" 2.
std::size_t cgroup_depth(const std::string& cgroup) {
  return cgroup == "/"
             ? 0
             : static_cast<std::size_t>(std::count(cgroup.begin(), cgroup.end(), '/')) + 1;
}
} // namespace

void EnforcedCgroups::add(Enforcement enforcement, const std::vector<std::uint64_t>& subtree_ids) {
  enforcements.push_back(std::move(enforcement));
  const std::size_t index = enforcements.size() - 1;
  for (std::uint64_t id : subtree_ids) {
    const auto [at, inserted] = by_id.emplace(id, index);
    // Both subtrees hold the cgroup: the deeper enforcement is the nearer one.
    if (!inserted &&
        cgroup_depth(enforcements[at->second].cgroup) < cgroup_depth(enforcements[index].cgroup)) {
      at->second = index;
    }
  }
}

std::string_view keepalive_from_name(KeepaliveFrom from) {
  switch (from) {
  case KeepaliveFrom::unknown:
    return "unknown";
  case KeepaliveFrom::none:
    return "none";
  case KeepaliveFrom::program:
    return "program";
  case KeepaliveFrom::kaltune:
    return "kaltune";
  }
  return "unknown";
}

KeepaliveFrom keepalive_from(const SocketOptions* options, const Enforcement* enforcement,
                             const Settings& sysctls, bool enforcements_known) {
  if (options == nullptr) {
    return KeepaliveFrom::unknown;
  }
  if (!options->keepalive) {
    return KeepaliveFrom::none;
  }
  if (enforcement == nullptr) {
    return enforcements_known ? KeepaliveFrom::program : KeepaliveFrom::unknown;
  }
  const EnforcedValues& v = enforcement->values;
  const bool same = v.set_timings ? options->idle == static_cast<std::int64_t>(v.time) &&
                                        options->intvl == static_cast<std::int64_t>(v.intvl) &&
                                        options->count == static_cast<std::int64_t>(v.probes)
                                  : !overrides(*options, sysctls);
  const bool same_timeout =
      v.user_timeout_ms == 0 ||
      options->user_timeout_ms == static_cast<std::int64_t>(v.user_timeout_ms);
  return same && same_timeout ? KeepaliveFrom::kaltune : KeepaliveFrom::program;
}

void count(SocketSummary& summary, const SocketLine& line, const Settings& sysctls) {
  const DiagSocket& socket = line.socket;
  const SocketOptions* options = line.options;
  ++summary.listed;
  if (options != nullptr && options->keepalive && overrides(*options, sysctls)) {
    ++summary.overriding;
  }
  if (socket.state != TCP_ESTABLISHED) {
    return;
  }
  ++summary.established;
  if (line.enforced != nullptr) {
    ++summary.enforced;
  }
  switch (line.coverage) {
  case Coverage::none:
    ++summary.no_keepalive;
    break;
  case Coverage::unacked:
    ++summary.unacked;
    break;
  case Coverage::stale:
    ++summary.stale;
    ++summary.keepalive;
    break;
  case Coverage::keepalive:
    ++summary.keepalive;
    break;
  case Coverage::other:
    break;
  }
}

Result<std::uint32_t> parse_states(const std::vector<std::string>& names) {
  if (names.empty()) {
    return connected_states;
  }
  std::uint32_t out = 0;
  for (const std::string& name : names) {
    if (name == "all") {
      out |= all_states;
      continue;
    }
    if (name == "connected") {
      out |= connected_states;
      continue;
    }
    bool found = false;
    for (std::uint8_t state = TCP_ESTABLISHED; state <= TCP_CLOSING; ++state) {
      if (tcp_state_name(state) == name) {
        out |= bit(state);
        found = true;
      }
    }
    if (!found) {
      return Result<std::uint32_t>::failure(fmt::format(
          "unknown state '{}'; accepted: established, syn-sent, syn-recv, fin-wait-1, fin-wait-2, "
          "time-wait, close, close-wait, last-ack, listening, closing, connected, all",
          name));
    }
  }
  return out;
}

Result<std::vector<std::uint8_t>> parse_family(std::string_view name) {
  if (name == "ipv4") {
    return std::vector<std::uint8_t>{AF_INET};
  }
  if (name == "ipv6") {
    return std::vector<std::uint8_t>{AF_INET6};
  }
  if (name == "all") {
    return std::vector<std::uint8_t>{AF_INET, AF_INET6};
  }
  return Result<std::vector<std::uint8_t>>::failure(
      fmt::format("unknown family '{}'; accepted: ipv4, ipv6, all", name));
}

bool port_matches(const SocketFilter& filter, const DiagSocket& socket) {
  return !filter.port || socket.local_port == *filter.port || socket.peer_port == *filter.port;
}

void add(SocketSummary& totals, const SocketSummary& more) {
  totals.listed += more.listed;
  totals.established += more.established;
  totals.keepalive += more.keepalive;
  totals.no_keepalive += more.no_keepalive;
  totals.unacked += more.unacked;
  totals.stale += more.stale;
  totals.overriding += more.overriding;
  totals.enforced += more.enforced;
}

SocketLine describe(const DiagSocket& socket, const Settings& sysctls, const BusyInputs& busy,
                    SocketProcesses& processes, const EnforcedCgroups& enforced) {
  const SocketOptions* own = processes.options(socket.inode);
  const Enforcement* enforcement = enforced.covering(socket.cgroup_id);
  return SocketLine{socket,
                    classify(socket, sysctls, own),
                    processes.owner(socket.inode),
                    own,
                    busy_left_of(socket, busy, own),
                    enforcement,
                    keepalive_from(own, enforcement, sysctls, !enforced.unknown)};
}

void for_each_listed_socket(const SocketFilter& filter, const Settings& sysctls,
                            const BusyInputs& busy, SocketProcesses& processes,
                            const EnforcedCgroups& enforced, SocketSummary& summary,
                            const std::function<void(const SocketLine&)>& each) {
  dump_tcp_sockets(filter.families, filter.states, [&](const DiagSocket& socket) {
    if (!port_matches(filter, socket)) {
      return;
    }
    processes.note_listed(socket.inode);
    const SocketLine line = describe(socket, sysctls, busy, processes, enforced);
    count(summary, line, sysctls);
    if (each) {
      each(line);
    }
  });
}

SocketSummary summarize_connections(const Settings& sysctls, const BusyInputs& busy) {
  const SocketFilter filter{connected_states, {AF_INET, AF_INET6}, std::nullopt};
  SocketProcesses processes(false);
  const EnforcedCgroups none;
  SocketSummary summary;
  for_each_listed_socket(filter, sysctls, busy, processes, none, summary);
  return summary;
}

} // namespace kaltune
