#include "base/error.hpp"
#include "render/json.hpp"
#include "render/sockets.hpp"
#include "render/verify.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sstream>
#include <sys/socket.h>

namespace kaltune {
namespace {

constexpr Settings row_sysctls{600, 30, 5};
// The heads a row is rendered under: without and with --processes; no enforcement in force.
const SocketsHead plain{row_sysctls, {}, false, {}};
const SocketsHead with_processes{row_sysctls, {}, true, {}};

DiagSocket loopback_socket() {
  DiagSocket socket;
  socket.family = AF_INET;
  socket.state = TCP_ESTABLISHED;
  socket.timer = DiagTimer::keepalive;
  socket.retrans = 2;
  socket.expires_ms = 12345;
  socket.local = {127, 0, 0, 1};
  socket.peer = {127, 0, 0, 1};
  socket.local_port = 40000;
  socket.peer_port = 5000;
  socket.inode = 99;
  return socket;
}

TEST(RenderSockets, Row) {
  const DiagSocket socket = loopback_socket();
  EXPECT_EQ(render_socket_row({socket, Coverage::keepalive}, plain, Style()),
            "established  127.0.0.1:40000          127.0.0.1:5000           keepalive       "
            "12.3s      2  keepalive            -\n");
}

// The last column names the enforced cgroup holding the connection; "?" when unknown.
TEST(RenderSockets, RowSaysWhichEnforcementCoversIt) {
  const DiagSocket socket = loopback_socket();
  const Enforcement enforcement{"system.slice/app\n.service", {}};
  SocketLine line{socket, Coverage::keepalive};
  line.enforced = &enforcement;
  const std::string row = render_socket_row(line, plain, Style());
  EXPECT_NE(row.find("keepalive            system.slice/app\\x0A.service\n"), std::string::npos)
      << row;
  SocketsHead unknown = plain;
  unknown.enforced.unknown = "cannot list /sys/fs/bpf/kaltune/enforce: permission denied";
  const std::string unknown_row =
      render_socket_row({socket, Coverage::keepalive}, unknown, Style());
  EXPECT_EQ(unknown_row.substr(unknown_row.size() - 4), "  ?\n") << unknown_row;
  EXPECT_NE(render_sockets_head(unknown, Style())
                .find("not shown: which connections kaltune enforce covers: cannot list"),
            std::string::npos);
  const auto json = nlohmann::json::parse(socket_json(line, row_sysctls, false));
  EXPECT_EQ(json["enforced_by"], "system.slice/app\n.service");
  EXPECT_EQ(json["keepalive_from"], "unknown");
}

// An unacked connection shows when it is given up if its peer stays silent (core/sockets).
TEST(RenderSockets, UnackedRowSaysWhenItIsGivenUp) {
  DiagSocket socket = loopback_socket();
  socket.timer = DiagTimer::retransmit;
  socket.retrans = 3;
  socket.expires_ms = 1000;
  const std::string row = render_socket_row(
      {socket, Coverage::unacked, nullptr, nullptr, BusyLeft{10792, true}}, plain, Style());
  EXPECT_EQ(row, "established  127.0.0.1:40000          127.0.0.1:5000           retransmit       "
                 "1.0s      0  unacked       10.8s  -\n");
  const std::string latest = render_socket_row(
      {socket, Coverage::unacked, nullptr, nullptr, BusyLeft{600000, false}}, plain, Style());
  EXPECT_NE(latest.find("unacked        \u226410m  -\n"), std::string::npos) << latest;
  const auto json = nlohmann::json::parse(socket_json(
      {socket, Coverage::unacked, nullptr, nullptr, BusyLeft{10792, true}}, row_sysctls, false));
  EXPECT_EQ(json["busy_left_ms"], 10792);
  EXPECT_EQ(json["busy_left_exact"], true);
  const auto idle = nlohmann::json::parse(
      socket_json({loopback_socket(), Coverage::keepalive}, row_sysctls, false));
  EXPECT_TRUE(idle["busy_left_ms"].is_null());
}

TEST(RenderSockets, RowWithProcess) {
  const DiagSocket socket = loopback_socket();
  const SocketOwner owner{123, 4, "nginx"};
  const SocketOptions options{true, 10, 2, 3, 0};
  SocketLine line{socket, Coverage::keepalive, &owner, &options};
  line.from = KeepaliveFrom::program;
  const std::string row = render_socket_row(line, with_processes, Style());
  EXPECT_NE(row.find("    123 nginx            10/2/3 (own)           16 s          program  -\n"),
            std::string::npos)
      << row;
  const std::string unknown =
      render_socket_row({socket, Coverage::keepalive}, with_processes, Style());
  EXPECT_NE(
      unknown.find("      ? ?                ?                      ?             ?        -\n"),
      std::string::npos)
      << unknown;
}

TEST(RenderSockets, Endpoints) {
  std::array<std::uint8_t, 16> six{};
  six[15] = 1;
  EXPECT_EQ(endpoint_text(AF_INET6, six, 22), "[::1]:22");
  EXPECT_EQ(endpoint_text(AF_INET, {10, 0, 0, 1}, 80), "10.0.0.1:80");
}

TEST(RenderSockets, HeadSaysWhatIsMissing) {
  SocketsHead head{row_sysctls, {}, true, {"socket options of 2 sockets: pidfd_getfd: denied"}};
  head.summary.listed = 3;
  head.summary.established = 3;
  head.summary.no_keepalive = 3;
  const std::string text = render_sockets_head(head, Style());
  EXPECT_EQ(text.substr(0, 98), "keepalive sysctls: time 600 s, intvl 30 s, probes 5: a dead peer "
                                "is detected after 750 s (12m30s)\n");
  EXPECT_NE(text.find("  no_keepalive        3  without SO_KEEPALIVE"), std::string::npos);
  EXPECT_NE(text.find("not shown: socket options of 2 sockets: pidfd_getfd: denied\n"),
            std::string::npos);
  EXPECT_NE(text.find("PID COMMAND"), std::string::npos);
}

TEST(RenderSockets, JsonIsValidAndStreamed) {
  const DiagSocket socket = loopback_socket();
  SocketsHead head{row_sysctls, {}, false, {}};
  head.summary.listed = 1;
  head.summary.established = 1;
  head.summary.keepalive = 1;
  std::ostringstream out;
  stream_json(out, [&](JsonStream& json) {
    json.begin_array("sockets");
    json.element_text(socket_json({socket, Coverage::keepalive}, row_sysctls, false));
    json.end_array();
    end_sockets_json(json, head);
  });
  const std::string text = out.str();
  const auto json = nlohmann::json::parse(text);
  EXPECT_EQ(json["summary"]["established"], 1);
  EXPECT_EQ(json["summary"]["keepalive"], 1);
  EXPECT_EQ(json["summary"]["no_keepalive"], 0);
  EXPECT_EQ(json["summary"]["settings"]["net.ipv4.tcp_keepalive_time"]["value"], 600);
  ASSERT_EQ(json["sockets"].size(), 1u);
  const auto& first = json["sockets"][0];
  EXPECT_EQ(first["local"]["address"], "127.0.0.1");
  EXPECT_EQ(first["local"]["port"], 40000);
  EXPECT_EQ(first["timer"], "keepalive");
  EXPECT_EQ(first["timer_left_ms"], 12345);
  EXPECT_EQ(first["probes"], 2);
  EXPECT_EQ(first["coverage"], "keepalive");
  EXPECT_FALSE(first.contains("process"));
  EXPECT_TRUE(json["missing"].empty());
  // The sockets stream first; the counts, known only at the end, follow them.
  EXPECT_LT(text.find("\"sockets\""), text.find("\"summary\""));
}

// The one try/abort driver: a failure mid-stream closes the document with the error and goes on.
std::string aborted_stream(bool with_socket) {
  std::ostringstream out;
  EXPECT_THROW(stream_json(out,
                           [&](JsonStream& json) {
                             json.begin_array("sockets");
                             if (with_socket) {
                               json.element_text(socket_json(
                                   {loopback_socket(), Coverage::keepalive}, row_sysctls, false));
                             }
                             throw Error(ExitStatus::system, "sock_diag dump: \"x\" failed");
                           }),
               Error);
  return out.str();
}

TEST(RenderSockets, JsonClosedWithAnErrorWhenTheDumpFails) {
  const auto json = nlohmann::json::parse(aborted_stream(true));
  EXPECT_EQ(json["sockets"].size(), 1u);
  EXPECT_EQ(json["error"], "sock_diag dump: \"x\" failed");
  EXPECT_FALSE(json.contains("summary"));
  EXPECT_EQ(nlohmann::json::parse(aborted_stream(false))["sockets"].size(), 0u);
}

TEST(RenderSockets, JsonWithProcesses) {
  const DiagSocket socket = loopback_socket();
  const SocketOwner owner{123, 4, "a \"quoted\" name"};
  const SocketOptions options{true, 10, 2, 3, 25000};
  const auto json = nlohmann::json::parse(
      socket_json({socket, Coverage::keepalive, &owner, &options}, row_sysctls, true));
  EXPECT_EQ(json["process"]["command"], "a \"quoted\" name");
  EXPECT_EQ(json["options"]["tcp_keepidle"], 10);
  EXPECT_EQ(json["options"]["overrides_sysctls"], true);
  EXPECT_EQ(json["options"]["detect_seconds"], 26);
  const auto none = nlohmann::json::parse(socket_json({socket, Coverage::none}, row_sysctls, true));
  EXPECT_TRUE(none["process"].is_null());
  EXPECT_TRUE(none["options"].is_null());
}

// A stream renders every socket with one SocketJson: each render is exactly the socket's own
// object, whatever was rendered before (no value of an earlier socket stays behind).
TEST(RenderSockets, OneSocketJsonForAStreamRendersEachSocketAlone) {
  DiagSocket first = loopback_socket();
  DiagSocket second = loopback_socket();
  second.family = AF_INET6;
  second.local = {};
  second.local[15] = 1;
  second.peer = second.local;
  second.local_port = 1;
  second.timer = DiagTimer::none;
  second.expires_ms = 0;
  second.inode = 77;
  const SocketOwner owner{123, 4, "a"};
  const SocketOptions options{true, 10, 2, 3, 25000};
  const SocketLine lines[] = {{first, Coverage::keepalive, &owner, &options},
                              {second, Coverage::none},
                              {first, Coverage::keepalive, &owner, nullptr}};
  for (const bool processes : {false, true}) {
    SocketJson json(row_sysctls, processes);
    for (const SocketLine& line : lines) {
      EXPECT_EQ(json.render(line), SocketJson(row_sysctls, processes).render(line));
    }
  }
  SocketJson json(row_sysctls, true);
  json.render(lines[0]);
  const auto second_json = nlohmann::json::parse(json.render(lines[1]));
  EXPECT_EQ(second_json["family"], "ipv6");
  EXPECT_EQ(second_json["local"]["address"], "::1");
  EXPECT_EQ(second_json["local"]["port"], 1);
  EXPECT_EQ(second_json["inode"], 77);
  EXPECT_TRUE(second_json["process"].is_null());
  EXPECT_TRUE(second_json["options"].is_null());
}

TEST(RenderVerify, WithinAndOutside) {
  VerifyReport report;
  report.settings = Settings{2, 1, 2};
  report.expected_ms = 4000;
  report.tolerance_ms = verify_tolerance_ms(4000);
  EXPECT_EQ(report.tolerance_ms, 1000);
  report.timeout_ms = 60000;
  report.measured_ms = 4096;
  EXPECT_TRUE(report.within());
  EXPECT_EQ(render_verify(report, Style()),
            "verify: time 2 s, intvl 1 s, probes 2, measured in a private network namespace\n"
            "  expected    4.000 s     = time + intvl \u00d7 probes = 2 + 1 \u00d7 2\n"
            "  measured    4.096 s     until the connection failed with ETIMEDOUT\n"
            "  difference  +0.096 s    within the tolerance of \u00b11.000 s\n");
  report.measured_ms = 5001;
  EXPECT_FALSE(report.within());
  report.measured_ms = 2999;
  EXPECT_FALSE(report.within());
  report.measured_ms.reset();
  EXPECT_FALSE(report.within());
  EXPECT_NE(render_verify(report, Style()).find("no ETIMEDOUT within --timeout 60 s (1m)"),
            std::string::npos);
  const auto json = to_json(report);
  EXPECT_TRUE(json["measured_seconds"].is_null());
  EXPECT_EQ(json["expected_seconds"], 4.0);
  EXPECT_EQ(json["within_tolerance"], false);
}

} // namespace
} // namespace kaltune
