// The snapshot reader of `diff` (core/sources settings_from_snapshot): any JSON or not, a
// snapshot it accepts holds only values the kernel could hold.

#include "check.hpp"
#include "core/sources.hpp"

#include <cstddef>
#include <cstdint>
#include <string>

using kaltune::fuzz::require;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string content(reinterpret_cast<const char*>(data), size);
  const auto snapshot = kaltune::settings_from_snapshot("fuzz.json", content);
  if (snapshot) {
    for (kaltune::Key key : kaltune::all_keys) {
      require(kaltune::kernel_range(key).contains((*snapshot)[key].value),
              "an accepted snapshot holds what the kernel could: " +
                  kaltune::fuzz::escaped(content));
    }
  } else {
    require(!snapshot.error().empty(), "a refused snapshot says why");
  }
  return 0;
}
