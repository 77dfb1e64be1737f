#pragma once

// Loopback TCP connections made by the test process itself, in its private network namespace,
// for the sockets oracle test: listeners, connected pairs, and the per-socket options the test
// sets, so kaltune's view can be compared with what was set and with `ss`.

#include <cstdint>
#include <string>
#include <vector>

namespace kaltune::itest {

// Brings the namespace's loopback interface up (a new namespace starts with it down) and puts
// the keepalive sysctls back at the kernel defaults, for a test that starts from scratch.
void loopback_at_defaults();

struct Pair {
  int client = -1;
  int server = -1;
  std::uint16_t client_port = 0; // the client's local port; the server's is the listener's
};

// A listener on 127.0.0.1 or ::1 and the pairs connected to it; closes everything at the end.
class Loopback {
public:
  explicit Loopback(bool ipv6 = false);
  ~Loopback();
  Loopback(const Loopback&) = delete;
  Loopback& operator=(const Loopback&) = delete;
  std::uint16_t port() const { return port_; }
  // Connects a new pair and returns it.
  Pair& connect();

private:
  bool ipv6_;
  int listener_ = -1;
  std::uint16_t port_ = 0;
  std::vector<Pair> pairs_;
};

void set_int_option(int fd, int level, int name, int value);
// Makes the socket's peer silent: a drop-all classic BPF filter, so its kernel discards every
// segment for it and never acknowledges.
void silence(int fd);
// Sends bytes that the (silenced) peer will never acknowledge.
void send_bytes(int fd, const std::string& bytes);

} // namespace kaltune::itest
