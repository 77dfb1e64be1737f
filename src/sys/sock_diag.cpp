#include "sys/sock_diag.hpp"

#include "base/error.hpp"
#include "sys/fd.hpp"
#include "sys/io.hpp"

#include <fmt/format.h>

#include <array>
#include <cerrno>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <sys/socket.h>
#include <unistd.h>

namespace kaltune {

namespace {
UniqueFd open_diag_socket() {
  UniqueFd fd(::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_SOCK_DIAG));
  if (fd.get() < 0) {
    throw SystemError(errno, "cannot open a NETLINK_SOCK_DIAG socket");
  }
  return fd;
}

std::string family_name(std::uint8_t family) {
  return family == AF_INET ? "IPv4" : "IPv6";
}

void send_request(const UniqueFd& socket, std::uint8_t family, std::uint32_t states,
                  std::uint32_t sequence) {
  const auto request = diag_dump_request(family, states, sequence);
  sockaddr_nl kernel{};
  kernel.nl_family = AF_NETLINK;
  const ssize_t sent = retry_eintr([&] {
    return ::sendto(socket.get(), request.data(), request.size(), 0,
                    reinterpret_cast<const sockaddr*>(&kernel), sizeof kernel);
  });
  if (sent < 0) {
    throw SystemError(errno,
                      fmt::format("cannot request the {} TCP socket dump", family_name(family)));
  }
}
} // namespace

void dump_tcp_sockets(const std::vector<std::uint8_t>& families, std::uint32_t states,
                      const DiagSink& sink) {
  const UniqueFd socket = open_diag_socket();
  // 32 KiB is what the kernel fills per dump step at most; a larger buffer would stay empty.
  std::array<std::byte, 32768> buffer;
  std::uint32_t sequence = 0;
  for (std::uint8_t family : families) {
    send_request(socket, family, states, ++sequence);
    while (true) {
      // MSG_TRUNC: recv returns the datagram's real length, so a message longer than the
      // buffer (never, while the kernel keeps to 32 KiB) is an error, never decoded cut.
      const ssize_t n = retry_eintr(
          [&] { return ::recv(socket.get(), buffer.data(), buffer.size(), MSG_TRUNC); });
      if (n < 0) {
        throw SystemError(errno,
                          fmt::format("cannot read the {} TCP socket dump", family_name(family)));
      }
      if (static_cast<std::size_t>(n) > buffer.size()) {
        throw Error(ExitStatus::system,
                    fmt::format("the {} TCP socket dump sent a message of {} bytes, more than "
                                "the {} bytes read: not decoded",
                                family_name(family), n, buffer.size()));
      }
      if (n == 0) {
        throw Error(
            ExitStatus::system,
            fmt::format("the {} TCP socket dump ended without NLMSG_DONE", family_name(family)));
      }
      const auto progress =
          decode_diag_buffer(std::span(buffer.data(), static_cast<std::size_t>(n)), sink);
      if (!progress) {
        throw Error(ExitStatus::system,
                    fmt::format("{} TCP socket dump: {}", family_name(family), progress.error()));
      }
      if (*progress == DumpProgress::done) {
        break;
      }
    }
  }
}

} // namespace kaltune
