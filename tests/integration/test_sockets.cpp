// `kaltune sockets` against the real kernel: connections the test makes over loopback in its
// private network namespace, compared with what the test set and with `ss -tnoe` as the oracle.

#include "harness.hpp"
#include "loopback.hpp"

#include <nlohmann/json.hpp>

#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <memory>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <regex>
#include <sstream>
#include <sys/socket.h>
#include <unistd.h>

namespace kaltune::itest {
namespace {

// What ss says of one socket: its timer ("keepalive", "on", ...; "" for none) and time left.
struct SsTimer {
  std::string name;
  long left_ms = 0;
  int count = 0;
};

// ss prints time left as "1min39sec", "99sec", "9.500ms", "119min", "250ms" (print_ms_timer).
long ss_milliseconds(const std::string& text) {
  const std::regex pattern(R"(^(?:(\d+)min)?(?:(\d+)(sec|\.))?(?:(\d+)ms)?$)");
  std::smatch match;
  if (!std::regex_match(text, match, pattern)) {
    ADD_FAILURE() << "ss timer text not understood: " << text;
    return -1;
  }
  auto number = [&](int i) { return match[i].matched ? std::stol(match[i].str()) : 0L; };
  return number(1) * 60000 + number(2) * 1000 + number(4);
}

// "local peer" → timer, from `ss -tnoe state established`.
std::map<std::string, SsTimer> ss_timers() {
  const auto result = run({"ss", "-Htnoe", "state", "established"});
  EXPECT_EQ(result.status, 0) << result.err;
  std::map<std::string, SsTimer> out;
  const std::regex timer_pattern(R"(timer:\((\w+),([^,]+),(\d+)\))");
  std::istringstream lines(result.out);
  std::string line;
  while (std::getline(lines, line)) {
    std::smatch match;
    // With a state filter ss leaves the state column out: Recv-Q Send-Q Local Peer extras.
    if (!std::regex_match(line, match, std::regex(R"(\s*(\d+)\s+(\d+)\s+(\S+)\s+(\S+)(.*))"))) {
      ADD_FAILURE() << "ss line not understood: " << line;
      continue;
    }
    SsTimer timer;
    const std::string rest = match[5].str();
    std::smatch timer_match;
    if (std::regex_search(rest, timer_match, timer_pattern)) {
      timer.name = timer_match[1].str();
      timer.left_ms = ss_milliseconds(timer_match[2].str());
      timer.count = std::stoi(timer_match[3].str());
    }
    out[match[3].str() + " " + match[4].str()] = timer;
  }
  return out;
}

std::string endpoint(const nlohmann::json& end, const std::string& family) {
  const std::string address = end["address"].get<std::string>();
  const std::string port = std::to_string(end["port"].get<int>());
  return family == "ipv6" ? "[" + address + "]:" + port : address + ":" + port;
}

// The connections of the oracle test: what each is, and what the test set on it.
class Sockets : public ::testing::Test {
protected:
  void SetUp() override {
    KALTUNE_REQUIRE_NETNS();
    loopback_at_defaults();
    four_ = std::make_unique<Loopback>(false);
    six_ = std::make_unique<Loopback>(true);
    // Keepalive armed on 7200 s, then the sysctl lowered to 600 s: stale timers.
    for (int i = 0; i < 2; ++i) {
      set_int_option(four_->connect().client, SOL_SOCKET, SO_KEEPALIVE, 1);
    }
    write_sysctl("net.ipv4.tcp_keepalive_time", 600);
    // Keepalive armed on the new 600 s, over IPv6.
    set_int_option(six_->connect().client, SOL_SOCKET, SO_KEEPALIVE, 1);
    // A per-socket override: 100 s idle, 10 s between 4 probes.
    const Pair& own = four_->connect();
    set_int_option(own.client, SOL_SOCKET, SO_KEEPALIVE, 1);
    set_int_option(own.client, IPPROTO_TCP, TCP_KEEPIDLE, 100);
    set_int_option(own.client, IPPROTO_TCP, TCP_KEEPINTVL, 10);
    set_int_option(own.client, IPPROTO_TCP, TCP_KEEPCNT, 4);
    own_port_ = own.client_port;
    // Idle connections without keepalive.
    for (int i = 0; i < 3; ++i) {
      four_->connect();
    }
    // Unacknowledged data: the peer is silent, the client retransmits.
    const Pair& busy = four_->connect();
    set_int_option(busy.client, SOL_SOCKET, SO_KEEPALIVE, 1);
    silence(busy.server);
    send_bytes(busy.client, "never acknowledged");
    busy_port_ = busy.client_port;
  }

  std::unique_ptr<Loopback> four_;
  std::unique_ptr<Loopback> six_;
  std::uint16_t own_port_ = 0;
  std::uint16_t busy_port_ = 0;
};

TEST_F(Sockets, SummaryCountsWhatTheTestSet) {
  const auto result = run_kaltune({"--json", "sockets", "--state", "established"});
  ASSERT_EQ(result.status, 0) << result.err;
  const auto json = nlohmann::json::parse(result.out);
  const auto& summary = json["summary"];
  // 8 pairs: 16 sockets. Timers only on the clients with keepalive (4) and the busy one.
  EXPECT_EQ(summary["established"], 16);
  EXPECT_EQ(summary["keepalive"], 4);
  EXPECT_EQ(summary["stale_keepalive"], 2);
  EXPECT_EQ(summary["unacked"], 1);
  EXPECT_EQ(summary["no_keepalive"], 11);
  EXPECT_EQ(summary["settings"]["net.ipv4.tcp_keepalive_time"]["value"], 600);
  ASSERT_EQ(json["sockets"].size(), 16u);
  std::map<std::string, int> coverages;
  for (const auto& socket : json["sockets"]) {
    ++coverages[socket["coverage"]];
    if (socket["local"]["port"] == busy_port_) {
      EXPECT_EQ(socket["coverage"], "unacked");
      EXPECT_EQ(socket["timer"], "retransmit");
      EXPECT_GT(socket["send_q"], 0);
    }
  }
  EXPECT_EQ(coverages, (std::map<std::string, int>{
                           {"none", 11}, {"unacked", 1}, {"stale", 2}, {"keepalive", 2}}));
  for (const auto& socket : json["sockets"]) {
    if (socket["local"]["port"] == own_port_) {
      EXPECT_EQ(socket["timer"], "keepalive");
      EXPECT_LE(socket["timer_left_ms"].get<long>(), 100000);
      EXPECT_GT(socket["timer_left_ms"].get<long>(), 90000);
    }
    if (socket["coverage"] == "stale") {
      EXPECT_GT(socket["timer_left_ms"].get<long>(), 7000000);
    }
  }
}

TEST_F(Sockets, TimersAgreeWithSs) {
  const auto result = run_kaltune({"--json", "sockets", "--state", "established"});
  ASSERT_EQ(result.status, 0) << result.err;
  const auto ss = ss_timers();
  const auto json = nlohmann::json::parse(result.out);
  ASSERT_EQ(ss.size(), json["sockets"].size());
  const std::map<std::string, std::string> ss_name{
      {"none", ""}, {"keepalive", "keepalive"}, {"retransmit", "on"}, {"zero-window", "persist"}};
  for (const auto& socket : json["sockets"]) {
    const std::string family = socket["family"];
    const std::string key =
        endpoint(socket["local"], family) + " " + endpoint(socket["peer"], family);
    const auto it = ss.find(key);
    ASSERT_NE(it, ss.end()) << key << " not listed by ss";
    EXPECT_EQ(it->second.name, ss_name.at(socket["timer"])) << key;
    if (socket["timer"] == "keepalive") {
      // kaltune looked first; ss shows whole minutes above 10 minutes.
      const long ours = socket["timer_left_ms"];
      EXPECT_GE(ours, it->second.left_ms - 1000) << key;
      EXPECT_LE(ours, it->second.left_ms + 61000) << key;
      EXPECT_EQ(socket["probes"], it->second.count) << key;
    }
  }
}

TEST_F(Sockets, TableListsUncoveredFirst) {
  const auto result =
      run_kaltune({"sockets", "--family", "ipv4", "--port", std::to_string(own_port_)});
  ASSERT_EQ(result.status, 0) << result.err;
  EXPECT_NE(result.out.find("  established         2  connections\n"), std::string::npos)
      << result.out;
  const auto none = result.out.find("  none");
  const auto keepalive = result.out.find("  keepalive            -\n");
  ASSERT_NE(none, std::string::npos) << result.out;
  ASSERT_NE(keepalive, std::string::npos) << result.out;
  EXPECT_LT(none, keepalive);
}

TEST_F(Sockets, FamilyAndStateFilters) {
  const auto six =
      nlohmann::json::parse(run_kaltune({"--json", "sockets", "--family", "ipv6"}).out);
  EXPECT_EQ(six["summary"]["established"], 2);
  EXPECT_EQ(six["summary"]["keepalive"], 1);
  const auto listening =
      nlohmann::json::parse(run_kaltune({"--json", "sockets", "--state", "listening"}).out);
  EXPECT_EQ(listening["summary"]["listed"], 2);
  EXPECT_EQ(listening["summary"]["established"], 0);
  const auto filtered = nlohmann::json::parse(
      run_kaltune({"--json", "sockets", "--filter", "family=ipv6,state=established"}).out);
  EXPECT_EQ(filtered["summary"]["listed"], 2);
  EXPECT_EQ(filtered["summary"]["keepalive"], 1);
  const auto bad_filter = run_kaltune({"sockets", "--filter", "colour=red"});
  EXPECT_EQ(bad_filter.status, 2);
  EXPECT_NE(bad_filter.err.find("expected state=STATE, port=PORT or family"), std::string::npos)
      << bad_filter.err;
  const auto bad = run_kaltune({"sockets", "--state", "up"});
  EXPECT_EQ(bad.status, 2);
  EXPECT_NE(bad.err.find("unknown state 'up'"), std::string::npos) << bad.err;
}

TEST_F(Sockets, ListsTheTargetNamespacesConnections) {
  KALTUNE_REQUIRE_ROOT();
  const NamespaceHolder other; // a namespace of its own, without connections
  const auto result =
      run_kaltune({"--json", "--pid", std::to_string(other.pid()), "sockets", "--state", "all"});
  ASSERT_EQ(result.status, 0) << result.err;
  const auto json = nlohmann::json::parse(result.out);
  EXPECT_EQ(json["summary"]["listed"], 0);
  EXPECT_TRUE(json["sockets"].empty());
  EXPECT_EQ(json["summary"]["settings"]["net.ipv4.tcp_keepalive_time"]["value"], 7200);
}

TEST_F(Sockets, ProcessesShowTheSocketsOwnOptions) {
  KALTUNE_REQUIRE_ROOT();
  const auto result = run_kaltune({"--json", "sockets", "--processes", "--state", "established"});
  ASSERT_EQ(result.status, 0) << result.err;
  const auto json = nlohmann::json::parse(result.out);
  EXPECT_EQ(json["summary"]["overriding"], 1);
  EXPECT_TRUE(json["missing"].empty()) << json["missing"];
  int with_keepalive = 0;
  for (const auto& socket : json["sockets"]) {
    ASSERT_FALSE(socket["process"].is_null()) << socket;
    EXPECT_EQ(socket["process"]["pid"], ::getpid());
    const auto& options = socket["options"];
    ASSERT_FALSE(options.is_null()) << socket;
    with_keepalive += options["so_keepalive"].get<bool>() ? 1 : 0;
    if (socket["local"]["port"] == own_port_) {
      EXPECT_EQ(options["tcp_keepidle"], 100);
      EXPECT_EQ(options["tcp_keepintvl"], 10);
      EXPECT_EQ(options["tcp_keepcnt"], 4);
      EXPECT_EQ(options["overrides_sysctls"], true);
      EXPECT_EQ(options["detect_seconds"], 140);
    } else if (options["so_keepalive"] == true) {
      EXPECT_EQ(options["tcp_keepidle"], 600); // not overridden: getsockopt answers the sysctl
      EXPECT_EQ(options["overrides_sysctls"], false);
    }
  }
  EXPECT_EQ(with_keepalive, 5);
}

TEST_F(Sockets, ProcessesWithoutPrivilegeSayWhatIsMissing) {
  KALTUNE_REQUIRE_ROOT();
  RunOptions nobody;
  nobody.uid = 65534;
  nobody.gid = 65534;
  const auto result =
      run_kaltune({"--json", "sockets", "--processes", "--state", "established"}, nobody);
  ASSERT_EQ(result.status, 0) << result.err;
  const auto json = nlohmann::json::parse(result.out);
  EXPECT_EQ(json["summary"]["established"], 16);
  ASSERT_FALSE(json["missing"].empty());
  EXPECT_NE(json["missing"].dump().find("readable only by their user or root"), std::string::npos)
      << json["missing"];
  EXPECT_TRUE(json["sockets"][0]["process"].is_null());
}

} // namespace
} // namespace kaltune::itest

namespace kaltune::itest {
namespace {

// An unacked connection: `sockets` says when the kernel will give it up if the peer stays silent
// (tcp_retries2 5 here, so that it happens within seconds), and the kernel then does, within the
// tolerance verify allows.
TEST(BusySockets, GivenUpWhenSocketsSaid) {
  KALTUNE_REQUIRE_NETNS();
  loopback_at_defaults();
  write_sysctl("net.ipv4.tcp_retries2", 5);
  Loopback loopback;
  const Pair& busy = loopback.connect();
  silence(busy.server);
  send_bytes(busy.client, std::string(1000, 'x'));
  // Once the timer has backed off twice, its RTO before backoff is known exactly.
  const auto retransmits = [&busy] {
    tcp_info info{};
    socklen_t size = sizeof info;
    EXPECT_EQ(::getsockopt(busy.client, IPPROTO_TCP, TCP_INFO, &info, &size), 0);
    return info.tcpi_retransmits;
  };
  while (retransmits() < 2) {
    pollfd wait{busy.client, POLLIN, 0};
    ::poll(&wait, 1, 10);
  }
  const auto asked = std::chrono::steady_clock::now();
  const auto result = run_kaltune(
      {"--json", "sockets", "--state", "established", "--port", std::to_string(busy.client_port)});
  ASSERT_EQ(result.status, 0) << result.err;
  const auto json = nlohmann::json::parse(result.out);
  long left = -1;
  for (const auto& socket : json["sockets"]) {
    if (socket["local"]["port"] == busy.client_port) {
      EXPECT_EQ(socket["coverage"], "unacked");
      EXPECT_EQ(socket["busy_left_exact"], true);
      left = socket["busy_left_ms"].get<long>();
    } else {
      EXPECT_TRUE(socket["busy_left_ms"].is_null());
    }
  }
  ASSERT_GT(left, 0) << result.out;
  EXPECT_LT(left, 13000); // at most the give-up 12.6 s after the first retransmission
  pollfd wait{busy.client, POLLIN, 0};
  ASSERT_EQ(::poll(&wait, 1, 60000), 1);
  const long took = static_cast<long>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                          std::chrono::steady_clock::now() - asked)
                                          .count());
  int error = 0;
  socklen_t size = sizeof error;
  ::getsockopt(busy.client, SOL_SOCKET, SO_ERROR, &error, &size);
  EXPECT_EQ(error, ETIMEDOUT);
  EXPECT_GE(took, left - 500) << "predicted " << left;
  EXPECT_LE(took, left + 500 + left / 8) << "predicted " << left;
  write_sysctl("net.ipv4.tcp_retries2", 15);
}

} // namespace
} // namespace kaltune::itest
