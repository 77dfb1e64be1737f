#include "sys/inet_diag.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <arpa/inet.h>
#include <cstring>
#include <limits>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <optional>
#include <sys/socket.h>

namespace kaltune {

namespace {
using Failure = Result<DumpProgress>;

// Reads a struct at an offset the caller has bounds-checked; memcpy because netlink buffers
// promise 4-byte alignment at best.
template <typename T> T load(std::span<const std::byte> bytes, std::size_t offset) {
  T out;
  std::memcpy(&out, bytes.data() + offset, sizeof out);
  return out;
}

constexpr std::size_t align4(std::size_t n) {
  return (n + 3) & ~std::size_t{3};
}

// Reads what kaltune uses of INET_DIAG_INFO's struct tcp_info: tcpi_backoff (byte 4) and tcpi_rto
// (bytes 8-11). A shorter payload (an older kernel's smaller struct) is left alone.
void read_info(std::span<const std::byte> payload, DiagSocket& socket) {
  constexpr std::size_t backoff_at = 4;
  constexpr std::size_t rto_at = 8;
  if (payload.size() >= rto_at + sizeof(std::uint32_t)) {
    socket.backoff = load<std::uint8_t>(payload, backoff_at);
    socket.rto_us = load<std::uint32_t>(payload, rto_at);
  }
}

// The attributes after inet_diag_msg: each must be framed correctly, or the message is corrupt;
// INET_DIAG_INFO fills the socket's backoff and RTO, INET_DIAG_CGROUP_ID (sent unasked since
// 5.7) its cgroup.
std::optional<std::string> check_attributes(std::span<const std::byte> attributes,
                                            DiagSocket& socket) {
  std::size_t offset = 0;
  while (offset < attributes.size()) {
    const std::size_t left = attributes.size() - offset;
    if (left < sizeof(rtattr)) {
      return fmt::format("{} stray bytes after the last attribute", left);
    }
    const auto attribute = load<rtattr>(attributes, offset);
    if (attribute.rta_len < sizeof(rtattr) || attribute.rta_len > left) {
      return fmt::format("attribute type {} claims {} bytes, {} left", attribute.rta_type,
                         attribute.rta_len, left);
    }
    const auto payload =
        attributes.subspan(offset + RTA_LENGTH(0), attribute.rta_len - RTA_LENGTH(0));
    if (attribute.rta_type == INET_DIAG_INFO) {
      read_info(payload, socket);
    } else if (attribute.rta_type == INET_DIAG_CGROUP_ID &&
               payload.size() >= sizeof(std::uint64_t)) {
      socket.cgroup_id = load<std::uint64_t>(payload, 0);
    }
    offset += std::min<std::size_t>(align4(attribute.rta_len), left);
  }
  return std::nullopt;
}

DiagSocket to_socket(const inet_diag_msg& msg) {
  DiagSocket out;
  out.family = msg.idiag_family;
  out.state = msg.idiag_state;
  out.timer = static_cast<DiagTimer>(msg.idiag_timer);
  out.retrans = msg.idiag_retrans;
  out.local_port = ntohs(msg.id.idiag_sport);
  out.peer_port = ntohs(msg.id.idiag_dport);
  out.expires_ms = msg.idiag_expires;
  out.recv_q = msg.idiag_rqueue;
  out.send_q = msg.idiag_wqueue;
  out.uid = msg.idiag_uid;
  out.inode = msg.idiag_inode;
  std::memcpy(out.local.data(), msg.id.idiag_src, out.local.size());
  std::memcpy(out.peer.data(), msg.id.idiag_dst, out.peer.size());
  return out;
}

// The payload of NLMSG_ERROR, or of NLMSG_DONE, which carries the dump's own error code.
std::optional<std::string> kernel_error(std::span<const std::byte> payload, const char* what) {
  if (payload.size() < sizeof(int)) {
    return std::nullopt;
  }
  const int error = load<int>(payload, 0);
  if (error == 0) {
    return std::nullopt;
  }
  return fmt::format("the kernel answered the dump with {}: {}", what,
                     error < 0 && error != std::numeric_limits<int>::min() ? std::strerror(-error)
                                                                           : "unknown error");
}
} // namespace

Result<DumpProgress> decode_diag_buffer(std::span<const std::byte> buffer, const DiagSink& sink) {
  std::size_t offset = 0;
  while (offset < buffer.size()) {
    const std::size_t left = buffer.size() - offset;
    if (left < sizeof(nlmsghdr)) {
      return Failure::failure(
          fmt::format("netlink message at byte {}: truncated header ({} of {} bytes)", offset, left,
                      sizeof(nlmsghdr)));
    }
    const auto header = load<nlmsghdr>(buffer, offset);
    if (header.nlmsg_len < sizeof(nlmsghdr) || header.nlmsg_len > left) {
      return Failure::failure(fmt::format("netlink message at byte {}: bad nlmsg_len {} ({} bytes "
                                          "left, the header alone is {})",
                                          offset, header.nlmsg_len, left, sizeof(nlmsghdr)));
    }
    const auto payload = buffer.subspan(offset + NLMSG_HDRLEN, header.nlmsg_len - NLMSG_HDRLEN);
    switch (header.nlmsg_type) {
    case NLMSG_DONE:
      if (auto error = kernel_error(payload, "a failed NLMSG_DONE")) {
        return Failure::failure(*error);
      }
      return DumpProgress::done;
    case NLMSG_ERROR:
      if (payload.size() < sizeof(int)) {
        return Failure::failure(
            fmt::format("netlink message at byte {}: NLMSG_ERROR without an error code", offset));
      }
      if (auto error = kernel_error(payload, "NLMSG_ERROR")) {
        return Failure::failure(*error);
      }
      return DumpProgress::done; // an acknowledgement: nothing more will come
    case SOCK_DIAG_BY_FAMILY: {
      if (payload.size() < sizeof(inet_diag_msg)) {
        return Failure::failure(fmt::format("netlink message at byte {}: inet_diag payload of {} "
                                            "bytes, expected at least {}",
                                            offset, payload.size(), sizeof(inet_diag_msg)));
      }
      const std::size_t attributes_at = align4(sizeof(inet_diag_msg));
      const auto attributes = payload.subspan(std::min(attributes_at, payload.size()));
      DiagSocket socket = to_socket(load<inet_diag_msg>(payload, 0));
      if (auto error = check_attributes(attributes, socket)) {
        return Failure::failure(fmt::format("netlink message at byte {}: {}", offset, *error));
      }
      sink(socket);
      break;
    }
    default:
      break; // NLMSG_NOOP and anything newer: not ours to interpret
    }
    offset += std::min<std::size_t>(NLMSG_ALIGN(header.nlmsg_len), left);
  }
  return DumpProgress::more;
}

std::vector<std::byte> diag_dump_request(std::uint8_t family, std::uint32_t states,
                                         std::uint32_t sequence) {
  struct {
    nlmsghdr header;
    inet_diag_req_v2 request;
  } message{};
  message.header.nlmsg_len = sizeof message;
  message.header.nlmsg_type = SOCK_DIAG_BY_FAMILY;
  message.header.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
  message.header.nlmsg_seq = sequence;
  message.request.sdiag_family = family;
  message.request.sdiag_protocol = IPPROTO_TCP;
  message.request.idiag_states = states;
  message.request.idiag_ext = 1U << (INET_DIAG_INFO - 1);
  std::vector<std::byte> out(sizeof message);
  std::memcpy(out.data(), &message, sizeof message);
  return out;
}

std::string tcp_state_name(std::uint8_t state) {
  static constexpr std::array<const char*, 13> names{
      "unknown", "established", "syn-sent", "syn-recv",  "fin-wait-1", "fin-wait-2",  "time-wait",
      "close",   "close-wait",  "last-ack", "listening", "closing",    "new-syn-recv"};
  return state < names.size() ? names[state] : fmt::format("state-{}", state);
}

std::string timer_name(DiagTimer timer) {
  switch (timer) {
  case DiagTimer::none:
    return "none";
  case DiagTimer::retransmit:
    return "retransmit";
  case DiagTimer::keepalive:
    return "keepalive";
  case DiagTimer::time_wait:
    return "time-wait";
  case DiagTimer::zero_window:
    return "zero-window";
  }
  return fmt::format("timer-{}", static_cast<int>(timer));
}

std::string address_text(std::uint8_t family, const std::array<std::uint8_t, 16>& address) {
  char text[INET6_ADDRSTRLEN] = {};
  if (::inet_ntop(family == AF_INET ? AF_INET : AF_INET6, address.data(), text, sizeof text) ==
      nullptr) {
    return "?";
  }
  return text;
}

} // namespace kaltune
