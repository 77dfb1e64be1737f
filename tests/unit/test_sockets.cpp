#include "core/sockets.hpp"

#include <gtest/gtest.h>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

namespace kaltune {
namespace {

constexpr Settings sysctls{600, 30, 5};

DiagSocket established(DiagTimer timer, std::uint32_t expires_ms = 0) {
  DiagSocket socket;
  socket.family = AF_INET;
  socket.state = TCP_ESTABLISHED;
  socket.timer = timer;
  socket.expires_ms = expires_ms;
  return socket;
}

TEST(Classify, FromTheKernelsTimer) {
  EXPECT_EQ(classify(established(DiagTimer::none), sysctls, nullptr), Coverage::none);
  EXPECT_EQ(classify(established(DiagTimer::retransmit, 200), sysctls, nullptr), Coverage::unacked);
  EXPECT_EQ(classify(established(DiagTimer::zero_window, 200), sysctls, nullptr),
            Coverage::unacked);
  EXPECT_EQ(classify(established(DiagTimer::keepalive, 600000), sysctls, nullptr),
            Coverage::keepalive);
  // More left than the current time can give: armed on an older, longer value.
  EXPECT_EQ(classify(established(DiagTimer::keepalive, 600001), sysctls, nullptr), Coverage::stale);
  DiagSocket listening = established(DiagTimer::none);
  listening.state = TCP_LISTEN;
  EXPECT_EQ(classify(listening, sysctls, nullptr), Coverage::other);
}

TEST(Classify, TheSocketsOwnIdleTimeDecidesStaleness) {
  SocketOptions own{true, 3600, 30, 5, 0};
  EXPECT_EQ(classify(established(DiagTimer::keepalive, 3000000), sysctls, &own),
            Coverage::keepalive);
  own.idle = 60;
  EXPECT_EQ(classify(established(DiagTimer::keepalive, 300000), sysctls, &own), Coverage::stale);
}

TEST(Coverage, OrderPutsTheUncoveredFirst) {
  EXPECT_LT(Coverage::none, Coverage::unacked);
  EXPECT_LT(Coverage::unacked, Coverage::stale);
  EXPECT_LT(Coverage::stale, Coverage::keepalive);
  EXPECT_LT(Coverage::keepalive, Coverage::other);
  EXPECT_EQ(coverage_name(Coverage::none), "none");
  EXPECT_EQ(coverage_name(Coverage::other), "-");
}

TEST(SocketOptions, OverridesAndOwnDetectionTime) {
  const SocketOptions same{true, 600, 30, 5, 0};
  EXPECT_FALSE(overrides(same, sysctls));
  EXPECT_EQ(own_detect_seconds(same), 750);
  const SocketOptions own{true, 10, 2, 3, 0};
  EXPECT_TRUE(overrides(own, sysctls));
  EXPECT_EQ(own_detect_seconds(own), 16);
  EXPECT_EQ(own_detect_seconds(SocketOptions{false, 600, 30, 5, 0}), std::nullopt);
  // TCP_USER_TIMEOUT 25 s with 10/2/3: the firing at 10 + 2k s with k >= 1 and 10 + 2k >= 25.
  EXPECT_EQ(own_detect_seconds(SocketOptions{true, 10, 2, 3, 25000}), 26);
  // A short user timeout still needs one probe out first.
  EXPECT_EQ(own_detect_seconds(SocketOptions{true, 10, 2, 3, 1000}), 12);
}

// An unacked connection: what inet_diag and TCP_INFO report of its retransmission timer, under
// tcp_retries2 or the socket's own TCP_USER_TIMEOUT (core/busy has the arithmetic).
TEST(BusyLeft, FromTheRetransmissionTimer) {
  DiagSocket socket = established(DiagTimer::retransmit, 1000);
  socket.retrans = 3;
  socket.backoff = 3;
  socket.rto_us = 1632000;
  BusyInputs five;
  five.retries2 = 5;
  const auto left = busy_left_of(socket, five, nullptr);
  ASSERT_TRUE(left);
  EXPECT_TRUE(left->exact);
  EXPECT_EQ(left->left_ms, 1000 + 12648 - 2856);
  // With the socket's own TCP_USER_TIMEOUT of 4 s: 2856 ms at the next expiry, 1144 ms later.
  SocketOptions options{true, 600, 30, 5, 4000};
  EXPECT_EQ(busy_left_of(socket, five, &options)->left_ms, 1000 + 4000 - 2856);
  // Nothing for a keepalive timer, a zero-window probe, or without TCP_INFO.
  EXPECT_FALSE(busy_left_of(established(DiagTimer::keepalive, 1000), five, nullptr));
  DiagSocket window = socket;
  window.timer = DiagTimer::zero_window;
  EXPECT_FALSE(busy_left_of(window, five, nullptr));
  socket.rto_us = 0;
  EXPECT_FALSE(busy_left_of(socket, five, nullptr));
}

// count() over a line made of these parts.
void count_line(SocketSummary& summary, const DiagSocket& socket, Coverage coverage,
                const SocketOptions* options, const Enforcement* enforced = nullptr) {
  count(summary, SocketLine{socket, coverage, nullptr, options, std::nullopt, enforced}, sysctls);
}

TEST(Summary, CountsEstablishedByCoverage) {
  SocketSummary summary;
  const SocketOptions own{true, 10, 2, 3, 0};
  const Enforcement enforcement{"system.slice/a.service", {}};
  count_line(summary, established(DiagTimer::none), Coverage::none, nullptr, &enforcement);
  count_line(summary, established(DiagTimer::keepalive), Coverage::keepalive, &own);
  count_line(summary, established(DiagTimer::keepalive), Coverage::stale, nullptr, &enforcement);
  count_line(summary, established(DiagTimer::retransmit), Coverage::unacked, nullptr);
  DiagSocket waiting = established(DiagTimer::time_wait);
  waiting.state = TCP_TIME_WAIT;
  count_line(summary, waiting, Coverage::other, nullptr, &enforcement);
  EXPECT_EQ(summary.listed, 5u);
  EXPECT_EQ(summary.established, 4u);
  EXPECT_EQ(summary.keepalive, 2u);
  EXPECT_EQ(summary.no_keepalive, 1u);
  EXPECT_EQ(summary.unacked, 1u);
  EXPECT_EQ(summary.stale, 1u);
  EXPECT_EQ(summary.overriding, 1u);
  EXPECT_EQ(summary.enforced, 2u); // the time-wait one is not established
}

TEST(Enforced, TheNearestEnforcementCoversACgroup) {
  EnforcedCgroups enforced;
  enforced.add({"system.slice/a.service", {}}, {20, 21});
  enforced.add({"/", {}}, {1, 10, 20, 21, 30});
  enforced.add({"system.slice", {}}, {10, 20, 21});
  EXPECT_EQ(enforced.covering(21)->cgroup, "system.slice/a.service");
  EXPECT_EQ(enforced.covering(10)->cgroup, "system.slice");
  EXPECT_EQ(enforced.covering(30)->cgroup, "/");
  EXPECT_EQ(enforced.covering(99), nullptr);
  EXPECT_EQ(enforced.covering(0), nullptr); // the kernel sent no cgroup id
  // "/" and a one-letter cgroup: the depth decides, not the length of the name.
  EnforcedCgroups short_names;
  short_names.add({"/", {}}, {1, 5});
  short_names.add({"k", {}}, {5});
  EXPECT_EQ(short_names.covering(5)->cgroup, "k");
}

TEST(Enforced, KeepaliveFromTheProgramOrFromKaltune) {
  EnforcedValues values;
  values.time = 60;
  values.intvl = 10;
  values.probes = 6;
  const Enforcement enforcement{"a", values};
  const SocketOptions given{true, 60, 10, 6, 0};
  const SocketOptions own{true, 300, 10, 6, 0};
  const SocketOptions off{false, 300, 75, 9, 0};
  EXPECT_EQ(keepalive_from(&given, &enforcement, sysctls, true), KeepaliveFrom::kaltune);
  EXPECT_EQ(keepalive_from(&own, &enforcement, sysctls, true), KeepaliveFrom::program);
  EXPECT_EQ(keepalive_from(&off, &enforcement, sysctls, true), KeepaliveFrom::none);
  EXPECT_EQ(keepalive_from(&given, nullptr, sysctls, true), KeepaliveFrom::program);
  EXPECT_EQ(keepalive_from(&given, nullptr, sysctls, false), KeepaliveFrom::unknown);
  EXPECT_EQ(keepalive_from(nullptr, &enforcement, sysctls, true), KeepaliveFrom::unknown);
  // A user timeout the enforcement sets must be there too.
  values.user_timeout_ms = 120000;
  const Enforcement with_timeout{"a", values};
  EXPECT_EQ(keepalive_from(&given, &with_timeout, sysctls, true), KeepaliveFrom::program);
  // --sysctl-values: only SO_KEEPALIVE; the socket answers the sysctls.
  EnforcedValues only_on;
  only_on.set_timings = false;
  const Enforcement sysctl_values{"a", only_on};
  const SocketOptions at_sysctls{true, sysctls[Key::time], sysctls[Key::intvl],
                                 sysctls[Key::probes], 0};
  EXPECT_EQ(keepalive_from(&at_sysctls, &sysctl_values, sysctls, true), KeepaliveFrom::kaltune);
  EXPECT_EQ(keepalive_from(&own, &sysctl_values, sysctls, true), KeepaliveFrom::program);
}

TEST(Filters, States) {
  EXPECT_EQ(*parse_states({"established"}), 1u << TCP_ESTABLISHED);
  EXPECT_EQ(*parse_states({"time-wait", "listening"}), (1u << TCP_TIME_WAIT) | (1u << TCP_LISTEN));
  const std::uint32_t connected = *parse_states({});
  EXPECT_EQ(*parse_states({"connected"}), connected);
  EXPECT_TRUE(connected & (1u << TCP_ESTABLISHED));
  EXPECT_TRUE(connected & (1u << TCP_CLOSE_WAIT));
  EXPECT_FALSE(connected & (1u << TCP_LISTEN));
  EXPECT_FALSE(connected & (1u << TCP_TIME_WAIT));
  EXPECT_TRUE(*parse_states({"all"}) & (1u << TCP_LISTEN));
  const auto bad = parse_states({"established", "up"});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().substr(0, 32), "unknown state 'up'; accepted: es");
}

TEST(Filters, FamilyAndPort) {
  EXPECT_EQ(*parse_family("ipv4"), std::vector<std::uint8_t>{AF_INET});
  EXPECT_EQ(parse_family("all")->size(), 2u);
  EXPECT_FALSE(parse_family("ipx").ok());
  SocketFilter filter;
  DiagSocket socket = established(DiagTimer::none);
  socket.local_port = 22;
  socket.peer_port = 50000;
  EXPECT_TRUE(port_matches(filter, socket));
  filter.port = 22;
  EXPECT_TRUE(port_matches(filter, socket));
  filter.port = 50000;
  EXPECT_TRUE(port_matches(filter, socket));
  filter.port = 80;
  EXPECT_FALSE(port_matches(filter, socket));
}

} // namespace
} // namespace kaltune
