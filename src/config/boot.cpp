#include "config/boot.hpp"

#include "base/error.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace kaltune {

std::string_view to_string(BootModel model) {
  return model == BootModel::systemd ? "systemd" : "procps";
}

std::string BootAssignment::origin() const {
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

ConfTree read_boot_tree(const std::filesystem::path& root) {
  // Both models' directories are read, so the files list can say what the other one does.
  return read_conf_tree(root, boot_dirs(BootModel::procps));
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
  if (node.kind != NodeKind::regular && node.kind != NodeKind::null_device) {
    throw Error(ExitStatus::system,
                fmt::format("cannot read {}: {}", path,
                            node.kind == NodeKind::broken ? "no such file" : "not a regular file"));
  }
  BootView view = resolve_file(node, model);
  view.settings.source = path;
  return view;
}

} // namespace kaltune
