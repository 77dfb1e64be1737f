#include "loopback.hpp"

#include "harness.hpp"

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <cerrno>
#include <cstring>
#include <linux/filter.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdexcept>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

namespace kaltune::itest {

namespace {
void check(bool ok, const char* what) {
  if (!ok) {
    throw std::runtime_error(std::string(what) + ": " + std::strerror(errno));
  }
}

// The address of the listener: 127.0.0.1 or ::1 with the given port.
sockaddr_storage loopback_address(bool ipv6, std::uint16_t port, socklen_t& size) {
  sockaddr_storage storage{};
  if (ipv6) {
    auto* six = reinterpret_cast<sockaddr_in6*>(&storage);
    six->sin6_family = AF_INET6;
    six->sin6_addr = in6addr_loopback;
    six->sin6_port = htons(port);
    size = sizeof(sockaddr_in6);
  } else {
    auto* four = reinterpret_cast<sockaddr_in*>(&storage);
    four->sin_family = AF_INET;
    four->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    four->sin_port = htons(port);
    size = sizeof(sockaddr_in);
  }
  return storage;
}

std::uint16_t local_port(int fd) {
  sockaddr_storage storage{};
  socklen_t size = sizeof storage;
  check(::getsockname(fd, reinterpret_cast<sockaddr*>(&storage), &size) == 0, "getsockname");
  return storage.ss_family == AF_INET6 ? ntohs(reinterpret_cast<sockaddr_in6*>(&storage)->sin6_port)
                                       : ntohs(reinterpret_cast<sockaddr_in*>(&storage)->sin_port);
}
} // namespace

void loopback_at_defaults() {
  const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  check(fd >= 0, "socket");
  ifreq request{};
  std::strncpy(request.ifr_name, "lo", IFNAMSIZ - 1);
  const bool got = ::ioctl(fd, SIOCGIFFLAGS, &request) == 0;
  request.ifr_flags = static_cast<short>(request.ifr_flags | IFF_UP);
  const bool set = got && ::ioctl(fd, SIOCSIFFLAGS, &request) == 0;
  ::close(fd);
  check(set, "bring lo up");
  write_sysctl("net.ipv4.tcp_keepalive_time", 7200);
  write_sysctl("net.ipv4.tcp_keepalive_intvl", 75);
  write_sysctl("net.ipv4.tcp_keepalive_probes", 9);
}

Loopback::Loopback(bool ipv6) : ipv6_(ipv6) {
  listener_ = ::socket(ipv6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  check(listener_ >= 0, "socket");
  socklen_t size = 0;
  const sockaddr_storage address = loopback_address(ipv6, 0, size);
  check(::bind(listener_, reinterpret_cast<const sockaddr*>(&address), size) == 0, "bind");
  check(::listen(listener_, 128) == 0, "listen");
  port_ = local_port(listener_);
}

Loopback::~Loopback() {
  for (const Pair& pair : pairs_) {
    ::close(pair.client);
    ::close(pair.server);
  }
  ::close(listener_);
}

Pair& Loopback::connect() {
  Pair pair;
  pair.client = ::socket(ipv6_ ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  check(pair.client >= 0, "socket");
  socklen_t size = 0;
  const sockaddr_storage address = loopback_address(ipv6_, port_, size);
  check(::connect(pair.client, reinterpret_cast<const sockaddr*>(&address), size) == 0, "connect");
  pair.server = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
  check(pair.server >= 0, "accept");
  pair.client_port = local_port(pair.client);
  pairs_.push_back(pair);
  return pairs_.back();
}

void set_int_option(int fd, int level, int name, int value) {
  check(::setsockopt(fd, level, name, &value, sizeof value) == 0, "setsockopt");
}

void silence(int fd) {
  sock_filter drop_all[] = {BPF_STMT(BPF_RET | BPF_K, 0)};
  sock_fprog program{1, drop_all};
  check(::setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &program, sizeof program) == 0,
        "SO_ATTACH_FILTER");
}

void send_bytes(int fd, const std::string& bytes) {
  check(::send(fd, bytes.data(), bytes.size(), 0) == static_cast<ssize_t>(bytes.size()), "send");
}

} // namespace kaltune::itest
