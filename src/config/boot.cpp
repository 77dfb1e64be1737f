#include "config/boot.hpp"

#include "config/boot_source_context.hpp"

#include "base/error.hpp"
#include "sys/read_fd.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace kaltune {

std::string_view to_string(BootModel model) {
  return model == BootModel::systemd ? "systemd" : "procps";
}

std::string_view to_string(BootStage stage) {
  return boot_source(stage).key;
}

std::string BootAssignment::origin() const {
  return boot_source(stage).origin(*this);
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

const ConfNode* BootReader::read(const std::string& path) {
  try {
    tree_.extra.push_back(read_conf_node(root_, path));
    return &tree_.extra.back();
  } catch (const SystemError& error) {
    tree_.warnings.push_back(fmt::format("{}; what it sets at boot is not known", error.what()));
  }
  return nullptr;
}

std::vector<std::string> BootReader::list(const std::string& dir, std::string_view suffix) {
  std::vector<std::string> names;
  try {
    names = list_names(root_, dir, suffix);
  } catch (const SystemError& error) {
    tree_.warnings.push_back(fmt::format("{}; what it sets at boot is not known", error.what()));
  }
  tree_.listings.push_back(ConfListing{dir, names});
  return names;
}

void BootReader::read_all(const std::string& dir, std::string_view suffix) {
  for (const std::string& name : list(dir, suffix)) {
    read(fmt::format("{}/{}", dir, name));
  }
}

ConfTree read_boot_tree(const std::filesystem::path& root) {
  ConfTree tree;
  BootReader reader(root, tree);
  for (const BootSource& source : boot_sources) {
    source.read(reader);
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
