// The boot resolver (config/boot_resolve) over random trees: directories, names that shadow each
// other, masks, links to /etc/sysctl.conf, broken links, and random file contents. Whatever the
// tree, each model's view is consistent: at most one winning assignment per key, and the value
// and origin boot reports are the winner's (or the kernel default's when nothing wins).

#include "check.hpp"
#include "config/boot.hpp"

#include <fuzzer/FuzzedDataProvider.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>

using kaltune::fuzz::require;

namespace {

constexpr std::array<const char*, 8> names{"10-a.conf",       "50-b.conf",    "99-sysctl.conf",
                                           "99-kaltune.conf", ".hidden.conf", "zz.conf",
                                           "README",          "30-c.conf"};

kaltune::ConfNode node(FuzzedDataProvider& input, const std::string& path) {
  kaltune::ConfNode out;
  out.path = path;
  out.target = path;
  switch (input.ConsumeIntegralInRange(0, 9)) {
  case 0:
    out.kind = kaltune::NodeKind::null_device;
    out.target = "/dev/null";
    return out;
  case 1:
    out.kind = kaltune::NodeKind::directory;
    return out;
  case 2:
    out.kind = kaltune::NodeKind::other;
    return out;
  case 3:
    out.kind = kaltune::NodeKind::broken;
    out.target = "/nowhere";
    return out;
  case 4:
    out.target = "/etc/sysctl.conf"; // Debian's 99-sysctl.conf link
    break;
  default:
    break;
  }
  out.kind = kaltune::NodeKind::regular;
  out.content = input.ConsumeRandomLengthString(4096);
  return out;
}

void check(const kaltune::ConfTree& tree, kaltune::BootModel model) {
  const kaltune::BootView view = kaltune::resolve_boot_tree(tree, model);
  for (kaltune::Key key : kaltune::all_keys) {
    const kaltune::BootAssignment* winner = nullptr;
    for (const auto& assignment : view.assignments) {
      if (assignment.key == key && assignment.winner) {
        require(winner == nullptr, "at most one winner per key");
        require(assignment.written && assignment.value.has_value() && !assignment.exclusion,
                "a winner is a written value the kernel accepts");
        winner = &assignment;
      }
    }
    const auto& shown = view.settings[key];
    if (winner != nullptr) {
      require(shown.value == *winner->value && shown.origin == winner->origin(),
              "boot reports the winner's value and origin");
    } else {
      require(shown.value == kaltune::kernel_defaults[key] && shown.origin == "kernel default",
              "without a winner boot reports the kernel default");
    }
  }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider input(data, size);
  kaltune::ConfTree tree;
  for (const std::string& dir : kaltune::boot_dirs(kaltune::BootModel::procps)) {
    tree.dirs.push_back(kaltune::ConfDir{dir, {}});
  }
  tree.sysctl_conf = node(input, "/etc/sysctl.conf");
  tree.sysctl_conf.target = "/etc/sysctl.conf";
  if (tree.sysctl_conf.kind != kaltune::NodeKind::regular) {
    tree.sysctl_conf.kind = kaltune::NodeKind::broken; // absent
  }
  const int files = input.ConsumeIntegralInRange(0, 8);
  for (int i = 0; i < files && input.remaining_bytes() > 0; ++i) {
    auto& dir = tree.dirs[input.ConsumeIntegralInRange<std::size_t>(0, tree.dirs.size() - 1)];
    const std::string path = dir.path + "/" + input.PickValueInArray(names);
    if (std::any_of(dir.entries.begin(), dir.entries.end(),
                    [&](const kaltune::ConfNode& e) { return e.path == path; })) {
      continue; // a directory holds a name once
    }
    auto entry = node(input, path);
    if (entry.target == "/etc/sysctl.conf") {
      entry.content = tree.sysctl_conf.content;
      entry.kind = tree.sysctl_conf.kind;
    }
    dir.entries.push_back(std::move(entry));
  }
  check(tree, kaltune::BootModel::systemd);
  check(tree, kaltune::BootModel::procps);
  return 0;
}
