#include "config/boot.hpp"

#include "base/error.hpp"
#include "sys/read_fd.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace kaltune {

std::string_view to_string(BootModel model) {
  return model == BootModel::systemd ? "systemd" : "procps";
}

std::string_view to_string(BootStage stage) {
  switch (stage) {
  case BootStage::kernel_cmdline:
    return "kernel_cmdline";
  case BootStage::applier:
    return "file";
  case BootStage::credential:
    return "credential";
  case BootStage::tuned_profile:
    return "tuned_profile";
  case BootStage::tuned_reapply:
    return "tuned_reapply";
  }
  return "file";
}

std::string BootAssignment::origin() const {
  switch (stage) {
  case BootStage::kernel_cmdline:
    return fmt::format("kernel command line ({})", file);
  case BootStage::tuned_profile:
    return fmt::format("tuned profile {}: {}:{}", profile, file, line);
  case BootStage::tuned_reapply:
    return fmt::format("{}:{} (re-applied by tuned)", file, line);
  case BootStage::applier:
  case BootStage::credential:
    break;
  }
  return fmt::format("{}:{}", file, line);
}

std::vector<Key> unassigned_keys(const BootView& view) {
  std::vector<Key> out;
  for (Key key : all_keys) {
    const bool assigned =
        std::any_of(view.assignments.begin(), view.assignments.end(),
                    [key](const BootAssignment& a) { return a.key == key && !a.exclusion; });
    if (!assigned) {
      out.push_back(key);
    }
  }
  return out;
}

BootModel detect_boot_model(const std::filesystem::path& root) {
  for (const char* path : {"/lib/systemd/systemd-sysctl", "/usr/lib/systemd/systemd-sysctl"}) {
    if (is_regular_in_root(root, path)) {
      return BootModel::systemd;
    }
  }
  return BootModel::procps;
}

namespace {

// Reads one more input of boot into `tree.extra`; one that exists but cannot be read (the
// credentials directory is root's) is a warning, not a failure of the whole view.
void read_extra(ConfTree& tree, const std::filesystem::path& root, const std::string& path) {
  try {
    tree.extra.push_back(read_conf_node(root, path));
  } catch (const SystemError& error) {
    tree.warnings.push_back(fmt::format("{}; what it sets at boot is not known", error.what()));
  }
}

void read_extras_in(ConfTree& tree, const std::filesystem::path& root, const std::string& dir,
                    std::string_view suffix, std::string_view below = "") {
  std::vector<std::string> names;
  try {
    names = list_names(root, dir, suffix);
  } catch (const SystemError& error) {
    tree.warnings.push_back(fmt::format("{}; what it sets at boot is not known", error.what()));
  }
  for (const std::string& name : names) {
    read_extra(tree, root, fmt::format("{}/{}{}", dir, name, below));
  }
}

} // namespace

ConfTree read_boot_tree(const std::filesystem::path& root) {
  // Both models' directories are read, so the files list can say what the other one does.
  ConfTree tree = read_conf_tree(root, boot_dirs(BootModel::procps));
  for (const char* path :
       {"/etc/kernel/cmdline", "/etc/default/grub", "/boot/loader/loader.conf",
        "/run/credentials/@system/sysctl.extra", "/etc/tuned/active_profile",
        "/etc/tuned/post_loaded_profile", "/etc/tuned/tuned-main.conf",
        "/etc/systemd/system/multi-user.target.wants/tuned.service", "/etc/init.d/tuned"}) {
    read_extra(tree, root, path);
  }
  read_extras_in(tree, root, "/etc/default/grub.d", ".cfg");
  read_extras_in(tree, root, "/boot/loader/entries", ".conf");
  if (tree.find("/etc/tuned/active_profile") != nullptr) {
    read_extras_in(tree, root, "/etc/tuned", "", "/tuned.conf");
    read_extras_in(tree, root, "/usr/lib/tuned", "", "/tuned.conf");
  }
  if (root == "/") {
    const ConfNode cmdline = read_conf_node(root, "/proc/cmdline");
    if (cmdline.kind == NodeKind::regular) {
      tree.proc_cmdline = cmdline.content;
    }
  }
  return tree;
}

BootView resolve_boot(const std::filesystem::path& root, BootModel model) {
  return resolve_boot_tree(read_boot_tree(root), model);
}

ConfTree with_file(ConfTree tree, const std::string& path, const std::string& content) {
  bool found = false;
  auto update = [&](ConfNode& node) {
    if (node.path == path || node.target == path) {
      node.kind = NodeKind::regular;
      node.content = content;
      found = true;
    }
  };
  for (ConfDir& dir : tree.dirs) {
    for (ConfNode& node : dir.entries) {
      update(node);
    }
  }
  update(tree.sysctl_conf);
  if (!found) {
    const std::string parent = path.substr(0, path.rfind('/'));
    for (ConfDir& dir : tree.dirs) {
      if (dir.path == parent) {
        dir.entries.push_back(ConfNode{path, path, NodeKind::regular, content});
      }
    }
  }
  return tree;
}

BootView resolve_file(const std::filesystem::path& root, const std::string& path, BootModel model) {
  if (path.empty()) {
    throw Error(ExitStatus::usage, "the file name is empty");
  }
  const ConfNode node = read_conf_node(root, system_path_of(root, path));
  if (node.kind == NodeKind::broken) {
    throw node.loop ? symlink_loop(path)
                    : Error(ExitStatus::system, fmt::format("cannot read {}: no such file", path));
  }
  if (node.kind == NodeKind::too_long) {
    throw Error(ExitStatus::system,
                fmt::format("{} is larger than {}: not read (not a sysctl config file)", path,
                            max_config_text));
  }
  if (node.kind != NodeKind::regular && node.kind != NodeKind::null_device) {
    throw not_regular_file(path, node.file_kind);
  }
  BootView view = resolve_file(node, model);
  view.settings.source = path;
  return view;
}

} // namespace kaltune
