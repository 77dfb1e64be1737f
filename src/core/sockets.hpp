#pragma once

#include "base/error.hpp"
#include "base/keepalive.hpp"
#include "core/busy.hpp"
#include "core/socket_processes.hpp"
#include "sys/bpf_enforce.hpp"
#include "sys/inet_diag.hpp"
#include "sys/socket_owners.hpp"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace kaltune {

// What the keepalive sysctls do for one connection, in the order `sockets` lists them: the
// connections they cannot protect first.
enum class Coverage {
  none,    // established, no keepalive timer: a dead peer is never detected by keepalive
  unacked, // data in flight (retransmit or zero-window timer): tcp_retries2/TCP_USER_TIMEOUT decide
  stale,   // keepalive timer armed on a longer value than the current one (before the last change)
  keepalive, // keepalive timer armed
  other,     // not established: keepalive does not apply
};

std::string_view coverage_name(Coverage coverage);

// Classifies from what the kernel reports and, when known, the socket's own options: a timer with
// more time left than the socket's keepalive idle time was armed on an older, longer value.
Coverage classify(const DiagSocket& socket, const Settings& sysctls, const SocketOptions* options);

// True when the socket's own TCP_KEEPIDLE/INTVL/CNT differ from the sysctls (getsockopt answers
// the sysctl when the socket set nothing, so a socket that set the same value cannot be told).
bool overrides(const SocketOptions& options, const Settings& sysctls);

// The dead-peer time of a socket from its own options; nullopt without SO_KEEPALIVE. With
// TCP_USER_TIMEOUT the connection dies at the first keepalive timer, after at least one probe,
// when the peer has been silent for the user timeout.
std::optional<std::int64_t> own_detect_seconds(const SocketOptions& options);

// How long an unacked connection has left before it is given up if its peer stays silent
// (core/busy): from the retransmission timer's state that inet_diag reports (retransmissions,
// the time left) and its TCP_INFO (backoff, RTO), under the socket's own TCP_USER_TIMEOUT when
// `options` knows it, else tcp_retries2. nullopt for every other socket, for a zero-window
// probe timer (the connection lives while the peer answers the probes), and without TCP_INFO.
std::optional<BusyLeft> busy_left_of(const DiagSocket& socket, const BusyInputs& busy,
                                     const SocketOptions* options);

// One cgroup kaltune enforce acts on, with the values its program gives.
struct Enforcement {
  std::string cgroup; // relative to the cgroup2 mount, "/" for the root
  EnforcedValues values;
};

// The enforcements in force and the ids of every cgroup in their subtrees: a socket whose
// cgroup id is one of them was established under kaltune's program.
struct EnforcedCgroups {
  std::optional<std::string> unknown; // why they could not be read (not root, no bpffs, …)
  std::vector<Enforcement> enforcements;
  std::unordered_map<std::uint64_t, std::size_t> by_id; // cgroup id → index in enforcements
  // The enforcement whose subtree holds the cgroup, or nullptr (also for id 0: not reported).
  const Enforcement* covering(std::uint64_t cgroup_id) const;
  // Adds `enforcement` over the cgroup ids of its subtree; a cgroup already covered by an
  // enforcement further down keeps that one (the nearest program is the one that decides).
  void add(Enforcement enforcement, const std::vector<std::uint64_t>& subtree_ids);
};

// Where a connection's keepalive comes from, as far as can be told.
enum class KeepaliveFrom {
  unknown, // not known: without --processes, or the enforcements could not be read
  none,    // SO_KEEPALIVE off
  program, // its program's own (not under an enforcement, or values other than its program's)
  kaltune, // under an enforcement, with the enforcement's values (or, for --sysctl-values, the
           // sysctls'): kaltune's program gave them, or its program chose the very same
};

std::string_view keepalive_from_name(KeepaliveFrom from);

// From the socket's own options (nullptr: not read) and the enforcement covering it.
KeepaliveFrom keepalive_from(const SocketOptions* options, const Enforcement* enforcement,
                             const Settings& sysctls, bool enforcements_known);

struct SocketLine;

// The counts `sockets` prints first; over the listed sockets.
struct SocketSummary {
  std::size_t listed = 0;
  std::size_t established = 0;
  std::size_t keepalive = 0;    // established with a keepalive timer (stale ones included)
  std::size_t no_keepalive = 0; // established without any timer
  std::size_t unacked = 0;      // established with data in flight
  std::size_t stale = 0;        // keepalive timers armed before the last change
  // With --processes:
  std::size_t overriding = 0; // SO_KEEPALIVE sockets with their own TCP_KEEPIDLE/INTVL/CNT
  // Established under a cgroup kaltune enforce acts on (needs the enforcements read):
  std::size_t enforced = 0;
};

void count(SocketSummary& summary, const SocketLine& line, const Settings& sysctls);
// Adds the counts of `more` to `totals`.
void add(SocketSummary& totals, const SocketSummary& more);

// Which sockets to list. States are a bitmask of 1 << TCP_state, as inet_diag filters them.
struct SocketFilter {
  std::uint32_t states = 0;
  std::vector<std::uint8_t> families; // AF_INET, AF_INET6
  std::optional<std::uint16_t> port;  // local or peer
};

// State names as `ss` spells them ("established", "time-wait", ...), plus "all" and "connected"
// (every state but listening, closed, time-wait and syn-recv: what `ss` lists by default). None
// given means "connected".
Result<std::uint32_t> parse_states(const std::vector<std::string>& names);
// "ipv4", "ipv6" or "all".
Result<std::vector<std::uint8_t>> parse_family(std::string_view name);

bool port_matches(const SocketFilter& filter, const DiagSocket& socket);

// One listed socket with what is known of it: its owner and options only with --processes.
struct SocketLine {
  const DiagSocket& socket;
  Coverage coverage;
  const SocketOwner* owner = nullptr;
  const SocketOptions* options = nullptr;
  std::optional<BusyLeft> busy_left = std::nullopt; // unacked: until it is given up
  const Enforcement* enforced = nullptr;            // the enforcement whose cgroup holds it
  KeepaliveFrom from = KeepaliveFrom::unknown;
};

// A socket with its owner, its own options (read on first use), its coverage and, when it has
// data in flight, how long it has left (busy_left_of).
SocketLine describe(const DiagSocket& socket, const Settings& sysctls, const BusyInputs& busy,
                    SocketProcesses& processes, const EnforcedCgroups& enforced);

// The one loop over the sockets `sockets` lists, in this network namespace: dumps its TCP
// sockets (sys/sock_diag), keeps those `filter` selects, notes each for what --processes could
// not see, describes it and counts it into `summary`, then hands it to `each` when given.
void for_each_listed_socket(const SocketFilter& filter, const Settings& sysctls,
                            const BusyInputs& busy, SocketProcesses& processes,
                            const EnforcedCgroups& enforced, SocketSummary& summary,
                            const std::function<void(const SocketLine&)>& each = {});

// The counts of every connected TCP socket of this network namespace, both families: what
// `check --max-uncovered` holds to its limit.
SocketSummary summarize_connections(const Settings& sysctls, const BusyInputs& busy);

} // namespace kaltune
