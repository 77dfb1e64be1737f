// GRUB's defaults (config/boot_sources grub_cmdline): /etc/default/grub and grub.d drop-ins of
// random shell text, with assignments that expand one another. Whatever they hold, the shell
// variables stay within max_grub_shell_bytes, so the command line is at most twice that (two
// variables and a blank), and a file that would take them past it says so.

#include "check.hpp"
#include "config/boot_sources.hpp"

#include <fuzzer/FuzzedDataProvider.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

using kaltune::fuzz::require;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider input(data, size);
  std::vector<kaltune::ConfNode> nodes;
  const int count = input.ConsumeIntegralInRange(1, 3);
  for (int i = 0; i < count; ++i) {
    const std::string path =
        i == 0 ? "/etc/default/grub" : "/etc/default/grub.d/" + std::to_string(i) + ".cfg";
    nodes.push_back(kaltune::ConfNode{path, path, kaltune::NodeKind::regular,
                                      input.ConsumeRandomLengthString(8192)});
  }
  std::vector<const kaltune::ConfNode*> files;
  for (const auto& node : nodes) {
    files.push_back(&node);
  }
  std::vector<std::string> warnings;
  const std::string cmdline = kaltune::grub_cmdline(files, warnings);
  require(cmdline.size() <= 2 * kaltune::max_grub_shell_bytes + 1,
          "the command line stays within the cap");
  // Whatever the text, the sysctl parameters parse.
  (void)kaltune::cmdline_assignments(cmdline);
  return 0;
}
