// The kernel value parser (config/kernel_value): a value it accepts is one the kernel stores, so
// it lies within what the handler takes (±max_jiffies_seconds for time and intvl, the one limit
// of base/keepalive's kernel_range; 0-255 for probes); a rejection says why.

#include "config/kernel_value.hpp"
#include "check.hpp"

#include <cstddef>
#include <cstdint>
#include <string>

using kaltune::fuzz::require;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  for (kaltune::Key key : kaltune::all_keys) {
    const auto parsed = kaltune::parse_kernel_value(key, text);
    if (parsed.value) {
      const kaltune::Range handler =
          key == kaltune::Key::probes
              ? kaltune::Range{0, 255}
              : kaltune::Range{-kaltune::max_jiffies_seconds, kaltune::max_jiffies_seconds};
      require(handler.contains(*parsed.value), "an accepted value lies in the kernel's range: '" +
                                                   kaltune::fuzz::escaped(text) + "' gives " +
                                                   std::to_string(*parsed.value));
    } else {
      require(!parsed.note.empty(), "a rejected value says why: " + kaltune::fuzz::escaped(text));
    }
  }
  return 0;
}
