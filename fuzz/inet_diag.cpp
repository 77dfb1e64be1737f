// The netlink decoder (sys/inet_diag): any buffer a recv(2) could return decodes or fails with a
// message; never a crash or an out-of-bounds read (AddressSanitizer watches the span's end).

#include "sys/inet_diag.hpp"
#include "check.hpp"

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <span>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // A copy of exactly `size` bytes, so reading one byte past the input is caught.
  auto buffer = std::make_unique<std::byte[]>(size);
  if (size > 0) {
    std::memcpy(buffer.get(), data, size);
  }
  std::size_t sockets = 0;
  auto result = kaltune::decode_diag_buffer(
      std::span<const std::byte>(buffer.get(), size), [&](const kaltune::DiagSocket& socket) {
        ++sockets;
        // What `sockets` renders of each one.
        (void)kaltune::tcp_state_name(socket.state);
        (void)kaltune::timer_name(socket.timer);
        (void)kaltune::address_text(socket.family, socket.local);
        (void)kaltune::address_text(socket.family, socket.peer);
      });
  if (!result) {
    kaltune::fuzz::require(!result.error().empty(), "a failure without a message");
  }
  return 0;
}
