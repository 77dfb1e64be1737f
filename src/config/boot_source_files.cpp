// The applier's files: the sysctl.d directories in priority order (the first directory wins a
// name), the winners in name order, and /etc/sysctl.conf as each model treats it.

#include "config/boot_source_context.hpp"

#include "sys/read_fd.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>

namespace kaltune {

namespace {

// The files an applier reads, in order, and the BootFile records of all it considered.
struct Selection {
  std::vector<const ConfNode*> apply;
  std::vector<BootFile> files;
  std::vector<std::string> warnings;
};

} // namespace

std::string describe_unreadable(const ConfNode& node) {
  switch (node.kind) {
  case NodeKind::null_device:
    return "masked (a link to /dev/null): nothing applied";
  case NodeKind::directory:
    return "a directory: nothing applied";
  case NodeKind::broken:
    return fmt::format("a broken symlink (to {}): nothing applied", node.target);
  case NodeKind::other:
    return "not a regular file: not read";
  case NodeKind::unread:
    return fmt::format("not read (the sysctl.d directories hold more than {}), so what boot "
                       "applies from it is unknown",
                       max_tree_text);
  case NodeKind::too_long:
    return fmt::format("larger than {}: not read, so what boot applies from it is unknown",
                       max_config_text);
  case NodeKind::regular:
    break;
  }
  return "";
}

namespace {

// The first entry of each *.conf name across the model's directories (the first directory wins),
// in strcmp order of the names, and the entries that lose or that the model skips.
struct Winners {
  std::map<std::string, const ConfNode*> by_name;
  std::vector<BootFile> skipped;
  std::vector<std::string> warnings;
};

Winners pick_winners(const ConfTree& tree, BootModel model) {
  Winners out;
  std::set<std::string> seen_targets;
  for (const std::string& dir : boot_dirs(model)) {
    const auto listing = std::find_if(tree.dirs.begin(), tree.dirs.end(),
                                      [&](const ConfDir& d) { return d.path == dir; });
    if (listing == tree.dirs.end()) {
      continue;
    }
    std::vector<const ConfNode*> entries;
    for (const ConfNode& entry : listing->entries) {
      entries.push_back(&entry);
    }
    std::sort(entries.begin(), entries.end(),
              [](const ConfNode* a, const ConfNode* b) { return a->path < b->path; });
    for (const ConfNode* entry : entries) {
      const std::string name = entry->name();
      if (name.size() < 5 || name.substr(name.size() - 5) != ".conf") {
        continue;
      }
      if (model == BootModel::systemd && name.front() == '.') {
        out.skipped.push_back(BootFile{entry->path, entry->target, false,
                                       "hidden: systemd-sysctl skips it (procps applies it)"});
        out.warnings.push_back(fmt::format("{}: a hidden file: systemd-sysctl skips it, procps "
                                           "sysctl --system applies it",
                                           entry->path));
        continue;
      }
      const auto [it, inserted] = out.by_name.emplace(name, entry);
      if (inserted) {
        seen_targets.insert(entry->target);
      }
      // The same file seen again through a linked directory (/lib -> usr/lib) is no news.
      if (!inserted && seen_targets.insert(entry->target).second) {
        out.skipped.push_back(BootFile{entry->path, entry->target, false,
                                       fmt::format("shadowed by {}", it->second->path)});
      }
    }
  }
  return out;
}

// /etc/sysctl.conf: procps --system applies it once more at the very end; systemd reads it only
// through a sysctl.d link (Debian's 99-sysctl.conf), so without one it is skipped.
void add_sysctl_conf(const ConfTree& tree, BootModel model, Selection& out, Winners& winners) {
  const ConfNode& conf = tree.sysctl_conf;
  // A regular file too long to read is one procps applies all the same: listed, and said unknown.
  if (model == BootModel::procps &&
      (conf.kind == NodeKind::regular || conf.kind == NodeKind::too_long ||
       conf.kind == NodeKind::unread)) {
    out.apply.push_back(&conf);
  }
  const bool linked = std::any_of(out.apply.begin(), out.apply.end(), [&](const ConfNode* node) {
    return node->target == conf.target;
  });
  if (model == BootModel::systemd && conf.kind == NodeKind::regular && !linked) {
    winners.skipped.push_back(
        BootFile{conf.path, conf.target, false,
                 "not read: systemd-sysctl reads it only through a sysctl.d link"});
    if (mentions_a_key(conf.content)) {
      out.warnings.push_back(fmt::format(
          "{}: mentions kaltune's keys, but systemd-sysctl does not read it (no sysctl.d link "
          "such as Debian's /etc/sysctl.d/99-sysctl.conf points to it)",
          conf.path));
    }
  }
}

// The record of a file the applier reads, with a warning when it hides a name without content
// (or, for /etc/sysctl.conf, which hides nothing, when it was not read).
BootFile applied_file(const ConfNode& node, bool in_sysctl_d, std::vector<std::string>& warnings) {
  BootFile file{node.path, node.target, node.kind == NodeKind::regular, ""};
  if (node.kind != NodeKind::regular) {
    file.note = describe_unreadable(node);
    if (!in_sysctl_d) {
      warnings.push_back(fmt::format("{}: {}", node.path, file.note));
    } else if (node.kind != NodeKind::null_device) {
      warnings.push_back(fmt::format("{}: {}; it still hides files of the same name in later "
                                     "directories",
                                     node.path, file.note));
    }
  } else if (node.content.empty()) {
    file.note = "empty: masks the name";
  }
  return file;
}

Selection select_files(const ConfTree& tree, BootModel model) {
  Selection out;
  Winners winners = pick_winners(tree, model);
  out.warnings = std::move(winners.warnings);
  for (const auto& [name, node] : winners.by_name) {
    out.apply.push_back(node);
  }
  add_sysctl_conf(tree, model, out, winners);
  for (const ConfNode* node : out.apply) {
    out.files.push_back(applied_file(*node, node != &tree.sysctl_conf, out.warnings));
  }
  out.files.insert(out.files.end(), winners.skipped.begin(), winners.skipped.end());
  return out;
}

} // namespace

std::vector<std::string> boot_dirs(BootModel model) {
  std::vector<std::string> dirs{"/etc/sysctl.d", "/run/sysctl.d", "/usr/local/lib/sysctl.d",
                                "/usr/lib/sysctl.d"};
  if (model == BootModel::procps) {
    dirs.emplace_back("/lib/sysctl.d");
  }
  return dirs;
}

void read_applier_files(BootReader& reader) {
  // Both models' directories are read, so the files list can say what the other one does.
  ConfTree files = read_conf_tree(reader.root(), boot_dirs(BootModel::procps));
  ConfTree& tree = reader.tree();
  tree.dirs = std::move(files.dirs);
  tree.sysctl_conf = std::move(files.sysctl_conf);
  tree.warnings.insert(tree.warnings.end(), files.warnings.begin(), files.warnings.end());
}

void collect_applier_files(SourceContext& context) {
  Selection selection = select_files(context.tree, context.model);
  context.warnings = std::move(selection.warnings);
  for (const ConfNode* node : selection.apply) {
    if (node->kind == NodeKind::regular) {
      context.texts.push_back(AppliedText{node->path, node->target, &node->content, {}});
    }
  }
  context.files = std::move(selection.files);
  context.steps.push_back(
      BootStep{BootStage::applier, true,
               fmt::format("{}: the files below", context.model == BootModel::systemd
                                                      ? "systemd-sysctl"
                                                      : "procps sysctl --system")});
}

std::string line_origin(const BootAssignment& a) {
  return fmt::format("{}:{}", a.file, a.line);
}

} // namespace kaltune
