// tuned's loader (config/boot_sources load_tuned_profiles) over random profiles: a few names in
// /etc/tuned and /usr/lib/tuned whose tuned.conf is random INI text, often with include= lines
// that name one another (cycles, chains, missing and conditional profiles). Whatever they hold,
// the load ends, a failed load applies nothing, and every option comes from a profile that was
// loaded.

#include "check.hpp"
#include "config/boot_sources.hpp"

#include <fuzzer/FuzzedDataProvider.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

using kaltune::fuzz::require;

namespace {

constexpr std::array<const char*, 6> names{"a", "b", "c", "-c", "d/e", "missing"};

std::string profile_text(FuzzedDataProvider& input) {
  std::string text;
  if (input.ConsumeBool()) {
    text += "[main]\ninclude = ";
    const int n = input.ConsumeIntegralInRange(1, 3);
    for (int i = 0; i < n; ++i) {
      text += std::string(i == 0                ? ""
                          : input.ConsumeBool() ? ","
                                                : ";") +
              input.PickValueInArray(names);
    }
    text += "\n";
  }
  if (input.ConsumeBool()) {
    text += "[sysctl]\nnet.ipv4.tcp_keepalive_time = " +
            std::to_string(input.ConsumeIntegral<std::uint16_t>()) + "\n";
  }
  return text + input.ConsumeRandomLengthString(512);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider input(data, size);
  std::map<std::string, kaltune::ConfNode> files;
  for (const char* dir : {"/etc/tuned", "/usr/lib/tuned"}) {
    for (const char* name : {"a", "b", "c", "e"}) {
      if (input.ConsumeBool()) {
        const std::string path = std::string(dir) + "/" + name + "/tuned.conf";
        files[path] =
            kaltune::ConfNode{path, path, kaltune::NodeKind::regular, profile_text(input)};
      }
    }
  }
  std::vector<std::string> active;
  const int n = input.ConsumeIntegralInRange(1, 3);
  for (int i = 0; i < n; ++i) {
    active.emplace_back(input.PickValueInArray(names));
  }
  const kaltune::TunedLoad load =
      kaltune::load_tuned_profiles(active, [&files](const std::string& path) {
        const auto it = files.find(path);
        return it == files.end() ? nullptr : &it->second;
      });
  if (load.failed) {
    require(load.options.empty(), "a failed load applies nothing");
  }
  require(load.profiles.size() <= files.size(), "each profile file is loaded at most once");
  for (const kaltune::TunedOption& option : load.options) {
    require(files.count(option.file) == 1, "an option comes from a profile file");
    require(std::any_of(load.profiles.begin(), load.profiles.end(),
                        [&](const std::string& p) { return p.find(option.file) != p.npos; }),
            "an option comes from a loaded profile");
  }
  return 0;
}
