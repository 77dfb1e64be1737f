#include "sys/inet_diag.hpp"

#include <gtest/gtest.h>

#include <cerrno>
#include <cstring>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

namespace kaltune {
namespace {

using Bytes = std::vector<std::byte>;

Bytes from_hex(std::string_view hex) {
  Bytes out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<std::byte>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
  }
  return out;
}

// Captured from Linux 6.18 in `unshare -n`: a dump of the established IPv4 sockets of one
// loopback connection 127.0.0.1:44624 -> 127.0.0.1:5000 whose client set SO_KEEPALIVE and
// TCP_KEEPIDLE 600 (first message: the server side, no timer; second: the client, keepalive timer
// with 600000 ms left), each with the attributes the kernel adds unasked (SHUTDOWN, PROTOCOL,
// CGROUP_ID, SOCKOPT). Then the NLMSG_DONE that ended the dump, received separately.
const Bytes captured = from_hex(
    "7c0000001400020007000000c42f0000020100001388ae507f0000010000000000000000000000007f000001000000"
    "000000000000000000000000000910000000000000000000000000000000000000000000009b870000050008000000"
    "0000"
    "08000f00000000000c001500010000000000000006001600520000007c0000001400020007000000c42f0000020102"
    "00ae5013887f0000010000000000000000000000007f000001000000000000000000000000000000000a1000000000"
    "00"
    "00c02709000000000000000000000000009a870000050008000000000008000f00000000000c001500010000000000"
    "00"
    "000600160052000000");
const Bytes captured_done = from_hex("140000000300020007000000c42f000000000000");

struct Decoded {
  Result<DumpProgress> progress = DumpProgress::more;
  std::vector<DiagSocket> sockets;
};

Decoded decode(const Bytes& bytes) {
  Decoded out;
  out.progress = decode_diag_buffer(
      bytes, [&out](const DiagSocket& socket) { out.sockets.push_back(socket); });
  return out;
}

template <typename T> void append(Bytes& bytes, const T& value) {
  const auto* begin = reinterpret_cast<const std::byte*>(&value);
  bytes.insert(bytes.end(), begin, begin + sizeof value);
}

void pad4(Bytes& bytes) {
  while (bytes.size() % 4 != 0) {
    bytes.push_back(std::byte{0});
  }
}

// A netlink message of `type` around `payload`, its length as given or the true one.
Bytes message(std::uint16_t type, const Bytes& payload, std::optional<std::uint32_t> len = {}) {
  nlmsghdr header{};
  header.nlmsg_len = len.value_or(static_cast<std::uint32_t>(NLMSG_HDRLEN + payload.size()));
  header.nlmsg_type = type;
  header.nlmsg_flags = NLM_F_MULTI;
  Bytes out;
  append(out, header);
  out.insert(out.end(), payload.begin(), payload.end());
  pad4(out);
  return out;
}

Bytes diag_payload(std::uint16_t port, std::uint8_t timer, std::uint32_t expires_ms) {
  inet_diag_msg msg{};
  msg.idiag_family = AF_INET6;
  msg.idiag_state = TCP_ESTABLISHED;
  msg.idiag_timer = timer;
  msg.idiag_retrans = 3;
  msg.idiag_expires = expires_ms;
  msg.id.idiag_sport = htons(port);
  msg.id.idiag_dport = htons(443);
  msg.id.idiag_src[3] = htonl(1); // ::1
  msg.idiag_inode = 77;
  Bytes out;
  append(out, msg);
  return out;
}

void add_attribute(Bytes& payload, std::uint16_t type, std::size_t data_size,
                   std::optional<std::uint16_t> claimed = {}) {
  rtattr attribute{};
  attribute.rta_type = type;
  attribute.rta_len = claimed.value_or(static_cast<std::uint16_t>(RTA_LENGTH(data_size)));
  append(payload, attribute);
  payload.insert(payload.end(), data_size, std::byte{0xab});
  pad4(payload);
}

Bytes error_message(int error) {
  nlmsgerr body{};
  body.error = error;
  Bytes payload;
  append(payload, body);
  return message(NLMSG_ERROR, payload);
}

Bytes done_message(int error) {
  Bytes payload;
  append(payload, error);
  return message(NLMSG_DONE, payload);
}

Bytes concat(Bytes a, const Bytes& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

TEST(InetDiag, DecodesACapturedDump) {
  const Decoded decoded = decode(captured);
  ASSERT_TRUE(decoded.progress.ok()) << decoded.progress.error();
  EXPECT_EQ(*decoded.progress, DumpProgress::more);
  ASSERT_EQ(decoded.sockets.size(), 2u);
  const DiagSocket& server = decoded.sockets[0];
  EXPECT_EQ(server.family, AF_INET);
  EXPECT_EQ(server.state, TCP_ESTABLISHED);
  EXPECT_EQ(server.local_port, 5000);
  EXPECT_EQ(server.peer_port, 44624);
  EXPECT_EQ(server.timer, DiagTimer::none);
  EXPECT_EQ(server.inode, 0x879bu);
  EXPECT_EQ(address_text(server.family, server.local), "127.0.0.1");
  const DiagSocket& client = decoded.sockets[1];
  EXPECT_EQ(client.local_port, 44624);
  EXPECT_EQ(client.timer, DiagTimer::keepalive);
  EXPECT_EQ(client.expires_ms, 600000u);
  EXPECT_EQ(client.retrans, 0);
  EXPECT_EQ(address_text(client.family, client.peer), "127.0.0.1");

  const Decoded done = decode(captured_done);
  ASSERT_TRUE(done.progress.ok());
  EXPECT_EQ(*done.progress, DumpProgress::done);
  EXPECT_TRUE(done.sockets.empty());
}

TEST(InetDiag, MultiPartDumpEndsAtDone) {
  const Bytes one = message(SOCK_DIAG_BY_FAMILY, diag_payload(1, 2, 5));
  const Bytes buffer =
      concat(concat(concat(one, one), done_message(0)), one); // after DONE: ignored
  const Decoded decoded = decode(buffer);
  ASSERT_TRUE(decoded.progress.ok()) << decoded.progress.error();
  EXPECT_EQ(*decoded.progress, DumpProgress::done);
  ASSERT_EQ(decoded.sockets.size(), 2u);
  EXPECT_EQ(decoded.sockets[0].family, AF_INET6);
  EXPECT_EQ(address_text(AF_INET6, decoded.sockets[0].local), "::1");
  EXPECT_EQ(decoded.sockets[0].retrans, 3);
  EXPECT_EQ(decoded.sockets[0].peer_port, 443);
}

TEST(InetDiag, EmptyBufferAsksForMore) {
  const Decoded decoded = decode({});
  ASSERT_TRUE(decoded.progress.ok());
  EXPECT_EQ(*decoded.progress, DumpProgress::more);
}

TEST(InetDiag, TruncatedHeader) {
  const Decoded decoded = decode(Bytes(captured.begin(), captured.begin() + 10));
  ASSERT_FALSE(decoded.progress.ok());
  EXPECT_EQ(decoded.progress.error(),
            "netlink message at byte 0: truncated header (10 of 16 bytes)");
}

TEST(InetDiag, NlmsgLenTooSmallOrPastTheEnd) {
  const Bytes small = message(SOCK_DIAG_BY_FAMILY, diag_payload(1, 0, 0), 8);
  const Decoded a = decode(small);
  ASSERT_FALSE(a.progress.ok());
  EXPECT_NE(a.progress.error().find("bad nlmsg_len 8"), std::string::npos) << a.progress.error();

  const Decoded b = decode(Bytes(captured.begin(), captured.begin() + 100)); // cut mid-message
  ASSERT_FALSE(b.progress.ok());
  EXPECT_EQ(b.progress.error(), "netlink message at byte 0: bad nlmsg_len 124 (100 bytes left, "
                                "the header alone is 16)");

  const Decoded c = decode(concat(captured, Bytes(captured.begin(), captured.begin() + 40)));
  ASSERT_FALSE(c.progress.ok());
  EXPECT_NE(c.progress.error().find("at byte 248"), std::string::npos) << c.progress.error();
  EXPECT_EQ(c.sockets.size(), 2u); // what came before the damage was delivered
}

TEST(InetDiag, ShortPayload) {
  const Decoded decoded = decode(message(SOCK_DIAG_BY_FAMILY, Bytes(20)));
  ASSERT_FALSE(decoded.progress.ok());
  EXPECT_EQ(decoded.progress.error(),
            "netlink message at byte 0: inet_diag payload of 20 bytes, expected at least 72");
  EXPECT_TRUE(decoded.sockets.empty());
}

TEST(InetDiag, UnknownAttributesAreSkipped) {
  Bytes payload = diag_payload(9, 0, 0);
  add_attribute(payload, 200, 5);
  add_attribute(payload, INET_DIAG_SHUTDOWN, 1);
  add_attribute(payload, 0xffff, 0);
  const Decoded decoded = decode(message(SOCK_DIAG_BY_FAMILY, payload));
  ASSERT_TRUE(decoded.progress.ok()) << decoded.progress.error();
  ASSERT_EQ(decoded.sockets.size(), 1u);
  EXPECT_EQ(decoded.sockets[0].local_port, 9);
}

TEST(InetDiag, OversizedAttribute) {
  Bytes payload = diag_payload(9, 0, 0);
  add_attribute(payload, INET_DIAG_INFO, 8, 4000);
  const Decoded decoded = decode(message(SOCK_DIAG_BY_FAMILY, payload));
  ASSERT_FALSE(decoded.progress.ok());
  EXPECT_EQ(decoded.progress.error(),
            "netlink message at byte 0: attribute type 2 claims 4000 bytes, 12 left");
  EXPECT_TRUE(decoded.sockets.empty());
}

TEST(InetDiag, AttributeShorterThanItsHeader) {
  Bytes payload = diag_payload(9, 0, 0);
  add_attribute(payload, 7, 4, 2);
  const Decoded decoded = decode(message(SOCK_DIAG_BY_FAMILY, payload));
  ASSERT_FALSE(decoded.progress.ok());
  EXPECT_NE(decoded.progress.error().find("attribute type 7 claims 2 bytes"), std::string::npos);
}

TEST(InetDiag, StrayBytesAfterTheAttributes) {
  Bytes payload = diag_payload(9, 0, 0);
  payload.push_back(std::byte{1});
  pad4(payload);
  payload.resize(payload.size() - 1); // 3 bytes: less than an attribute header
  const Decoded decoded = decode(message(SOCK_DIAG_BY_FAMILY, payload));
  ASSERT_FALSE(decoded.progress.ok());
  EXPECT_NE(decoded.progress.error().find("3 stray bytes"), std::string::npos)
      << decoded.progress.error();
}

TEST(InetDiag, NlmsgErrorIsAClearError) {
  const Decoded denied = decode(error_message(-EPERM));
  ASSERT_FALSE(denied.progress.ok());
  EXPECT_EQ(denied.progress.error(),
            "the kernel answered the dump with NLMSG_ERROR: Operation not permitted");

  const Decoded ack = decode(error_message(0));
  ASSERT_TRUE(ack.progress.ok());
  EXPECT_EQ(*ack.progress, DumpProgress::done);

  const Decoded empty = decode(message(NLMSG_ERROR, {}));
  ASSERT_FALSE(empty.progress.ok());
  EXPECT_NE(empty.progress.error().find("without an error code"), std::string::npos);
}

TEST(InetDiag, FailedDone) {
  const Decoded decoded = decode(done_message(-ENOBUFS));
  ASSERT_FALSE(decoded.progress.ok());
  EXPECT_EQ(decoded.progress.error(), "the kernel answered the dump with a failed NLMSG_DONE: "
                                      "No buffer space available");
}

TEST(InetDiag, OtherMessageTypesAreSkipped) {
  const Decoded decoded = decode(concat(message(NLMSG_NOOP, Bytes(4)), captured));
  ASSERT_TRUE(decoded.progress.ok());
  EXPECT_EQ(decoded.sockets.size(), 2u);
}

// Every prefix and every single-byte corruption of a real dump decodes or fails cleanly.
TEST(InetDiag, NeverCrashesOnDamage) {
  const Bytes whole = concat(captured, captured_done);
  for (std::size_t n = 0; n <= whole.size(); ++n) {
    const Decoded decoded = decode(Bytes(whole.begin(), whole.begin() + n));
    EXPECT_TRUE(decoded.progress.ok() || !decoded.progress.error().empty());
  }
  for (std::size_t i = 0; i < whole.size(); ++i) {
    for (std::uint8_t value : {0x00, 0x01, 0x7f, 0xff}) {
      Bytes damaged = whole;
      damaged[i] = std::byte{value};
      const Decoded decoded = decode(damaged);
      EXPECT_LE(decoded.sockets.size(), 2u);
    }
  }
}

TEST(InetDiag, DumpRequest) {
  const Bytes request = diag_dump_request(AF_INET6, 1u << TCP_ESTABLISHED, 42);
  ASSERT_EQ(request.size(), sizeof(nlmsghdr) + sizeof(inet_diag_req_v2));
  nlmsghdr header;
  std::memcpy(&header, request.data(), sizeof header);
  EXPECT_EQ(header.nlmsg_len, request.size());
  EXPECT_EQ(header.nlmsg_type, SOCK_DIAG_BY_FAMILY);
  EXPECT_EQ(header.nlmsg_flags, NLM_F_REQUEST | NLM_F_DUMP);
  EXPECT_EQ(header.nlmsg_seq, 42u);
  inet_diag_req_v2 body;
  std::memcpy(&body, request.data() + sizeof header, sizeof body);
  EXPECT_EQ(body.sdiag_family, AF_INET6);
  EXPECT_EQ(body.sdiag_protocol, IPPROTO_TCP);
  EXPECT_EQ(body.idiag_states, 1u << TCP_ESTABLISHED);
  EXPECT_EQ(body.idiag_ext, 1u << (INET_DIAG_INFO - 1)); // struct tcp_info with each socket
}

// INET_DIAG_INFO is struct tcp_info: the decoder takes tcpi_backoff (byte 4) and tcpi_rto (bytes
// 8-11, microseconds), and leaves a payload too short for them alone.
TEST(InetDiag, TcpInfoGivesBackoffAndRto) {
  Bytes payload = diag_payload(9, 0, 0);
  tcp_info info{};
  info.tcpi_backoff = 3;
  info.tcpi_rto = 1632000;
  rtattr attribute{};
  attribute.rta_type = INET_DIAG_INFO;
  attribute.rta_len = static_cast<std::uint16_t>(RTA_LENGTH(sizeof info));
  append(payload, attribute);
  append(payload, info);
  pad4(payload);
  Decoded decoded = decode(message(SOCK_DIAG_BY_FAMILY, payload));
  ASSERT_TRUE(decoded.progress.ok()) << decoded.progress.error();
  ASSERT_EQ(decoded.sockets.size(), 1u);
  EXPECT_EQ(decoded.sockets[0].backoff, 3);
  EXPECT_EQ(decoded.sockets[0].rto_us, 1632000u);

  Bytes short_info = diag_payload(9, 0, 0);
  add_attribute(short_info, INET_DIAG_INFO, 8);
  decoded = decode(message(SOCK_DIAG_BY_FAMILY, short_info));
  ASSERT_TRUE(decoded.progress.ok()) << decoded.progress.error();
  EXPECT_EQ(decoded.sockets[0].rto_us, 0u);
  EXPECT_EQ(decoded.sockets[0].backoff, 0);
}

TEST(InetDiag, Names) {
  EXPECT_EQ(tcp_state_name(TCP_ESTABLISHED), "established");
  EXPECT_EQ(tcp_state_name(TCP_FIN_WAIT1), "fin-wait-1");
  EXPECT_EQ(tcp_state_name(TCP_LISTEN), "listening");
  EXPECT_EQ(tcp_state_name(99), "state-99");
  EXPECT_EQ(timer_name(DiagTimer::keepalive), "keepalive");
  EXPECT_EQ(timer_name(DiagTimer::zero_window), "zero-window");
  EXPECT_EQ(timer_name(static_cast<DiagTimer>(9)), "timer-9");
}

} // namespace
} // namespace kaltune
