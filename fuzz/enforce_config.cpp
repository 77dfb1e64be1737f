// enforce's configuration file (core/enforce): whatever the bytes, parsing either fails with a
// message or gives entries that render back to a text parsing to the same entries; and the
// cgroup mounts of a mountinfo text (sys/cgroup) never break.

#include "check.hpp"
#include "core/enforce.hpp"
#include "sys/cgroup.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>

using kaltune::fuzz::require;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto parsed = kaltune::parse_enforce_config(text, "enforce.conf");
  if (parsed) {
    const auto again =
        kaltune::parse_enforce_config(kaltune::render_enforce_config(*parsed), "again");
    require(again.ok(), "a rendered configuration parses");
    require(*again == *parsed, "rendering and parsing again gives the same entries");
  } else {
    require(!parsed.error().empty(), "a refusal says why");
  }
  std::size_t lines = 1;
  for (char c : text) {
    lines += c == '\n' ? 1 : 0;
  }
  require(kaltune::parse_cgroup_mounts(text).size() <= lines, "at most one mount per line");
  return 0;
}
