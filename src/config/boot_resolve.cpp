// The pure half of the boot view: which files each applier reads, in which order, and what the
// kernel is left with after it has written their lines (see DESIGN.md "Boot view").

#include "config/boot.hpp"

#include "base/text.hpp"
#include "config/boot_rules.hpp"
#include "config/kernel_value.hpp"

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
  case NodeKind::regular:
    break;
  }
  return "";
}

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
  if (model == BootModel::procps && conf.kind == NodeKind::regular) {
    out.apply.push_back(&conf);
  }
  const bool linked = std::any_of(out.apply.begin(), out.apply.end(), [&](const ConfNode* node) {
    return node->target == conf.target;
  });
  if (model == BootModel::systemd && conf.kind == NodeKind::regular && !linked) {
    winners.skipped.push_back(
        BootFile{conf.path, conf.target, false,
                 "not read: systemd-sysctl reads it only through a sysctl.d link"});
    if (conf.content.find("tcp_keepalive") != std::string::npos) {
      out.warnings.push_back(fmt::format(
          "{}: mentions tcp_keepalive, but systemd-sysctl does not read it (no sysctl.d link such "
          "as Debian's /etc/sysctl.d/99-sysctl.conf points to it)",
          conf.path));
    }
  }
}

// The record of a file the applier reads, with a warning when it hides a name without content.
BootFile applied_file(const ConfNode& node, std::vector<std::string>& warnings) {
  BootFile file{node.path, node.target, node.kind == NodeKind::regular, ""};
  if (node.kind != NodeKind::regular) {
    file.note = describe_unreadable(node);
    if (node.kind != NodeKind::null_device) {
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
    out.files.push_back(applied_file(*node, out.warnings));
  }
  out.files.insert(out.files.end(), winners.skipped.begin(), winners.skipped.end());
  return out;
}

// The simulation of one applier over its directives.
class Simulation {
public:
  Simulation(BootModel model, std::vector<Directive> directives)
      : model_(model), directives_(std::move(directives)) {
    for (std::size_t d = 0; d < directives_.size(); ++d) {
      for (Key key : all_keys) {
        if (!directives_[d].touches(key)) {
          continue;
        }
        const Directive& directive = directives_[d];
        BootAssignment a;
        a.key = key;
        a.file = directive.file;
        a.target = directive.target;
        a.line = directive.line;
        a.exclusion = !directive.value;
        a.glob = directive.glob;
        if (directive.value) {
          a.text = *directive.value;
          KernelValue kv = parse_kernel_value(key, a.text);
          a.value = kv.value;
          a.kernel_note = std::move(kv.note);
          if (!a.kernel_note.empty()) {
            a.notes.push_back(a.kernel_note);
          }
        }
        if (directive.glob) {
          a.notes.push_back(fmt::format("set through the pattern {}", printable(directive.key)));
        }
        if (directive.ignore_failure) {
          a.notes.push_back("'-' prefix: a failure to write it is ignored");
        }
        index_[{d, key}] = assignments_.size();
        assignments_.push_back(std::move(a));
      }
    }
  }

  void run() {
    if (model_ == BootModel::systemd) {
      run_systemd();
    } else {
      run_procps();
    }
  }

  BootView view(std::vector<std::string> warnings) {
    BootView out;
    out.model = model_;
    out.settings = sourced("boot", kernel_defaults, "kernel default");
    for (Key key : all_keys) {
      if (const auto winner = winner_[index_of(key)]) {
        BootAssignment& a = assignments_[*winner];
        a.winner = true;
        out.settings[key] = SourcedValue{*a.value, a.origin()};
      }
    }
    // What the kernel makes of a written value: surprising readings, then rejections.
    for (const BootAssignment& a : assignments_) {
      if (a.written && a.value && !a.kernel_note.empty()) {
        warnings.push_back(fmt::format("{}: {} = {}: {}", a.origin(), sysctl_name(a.key),
                                       printable(a.text), a.kernel_note));
      }
    }
    for (const BootAssignment& a : assignments_) {
      if (a.written && !a.value) {
        warnings.push_back(fmt::format("{}: {} = {}: {}; the value before it stays", a.origin(),
                                       sysctl_name(a.key), printable(a.text), a.kernel_note));
      }
    }
    for (Key key : all_keys) {
      if (auto warning = assess(key, out.settings[key].value)) {
        warnings.push_back(fmt::format("{}: {}", out.settings[key].origin, warning->message));
      }
    }
    out.assignments = std::move(assignments_);
    out.warnings = std::move(warnings);
    return out;
  }

private:
  BootAssignment* find(std::size_t d, Key key) {
    const auto it = index_.find({d, key});
    return it == index_.end() ? nullptr : &assignments_[it->second];
  }

  void note_all(std::size_t d, const std::string& note) {
    for (Key key : all_keys) {
      if (BootAssignment* a = find(d, key)) {
        a->notes.push_back(note);
      }
    }
  }

  void write(std::size_t d, Key key) {
    BootAssignment* a = find(d, key);
    a->written = true;
    if (!a->value) {
      return;
    }
    if (const auto previous = winner_[index_of(key)]) {
      assignments_[*previous].notes.push_back(fmt::format("overridden by {}", a->origin()));
    }
    winner_[index_of(key)] = index_.at({d, key});
  }

  static std::string overridden_by(const Directive& named) {
    return fmt::format("{} names the key, and globs never override that", named.origin());
  }

  // Writes a glob line to each key it matches, unless `blocked(key)` gives a reason not to.
  template <typename Blocked> void write_glob(std::size_t d, Blocked blocked) {
    for (Key key : all_keys) {
      if (!directives_[d].matches[index_of(key)]) {
        continue;
      }
      if (std::string reason = blocked(key); !reason.empty()) {
        find(d, key)->notes.push_back(std::move(reason));
        continue;
      }
      write(d, key);
    }
  }

  // systemd-sysctl keeps one entry per normalized key in an ordered hash map: a later line for
  // the same key replaces the entry (and moves it to the end) unless the value is identical;
  // a "-key" line replaces it too and writes nothing. Globs never touch a key that has an entry.
  void run_systemd() {
    std::vector<std::size_t> entries;
    for (std::size_t d = 0; d < directives_.size(); ++d) {
      const Directive& directive = directives_[d];
      const auto same = std::find_if(entries.begin(), entries.end(), [&](std::size_t e) {
        return directives_[e].identity == directive.identity;
      });
      if (same != entries.end()) {
        const Directive& earlier = directives_[*same];
        if (earlier.value == directive.value) {
          note_all(
              d, fmt::format("same value as {}: systemd-sysctl keeps that line", earlier.origin()));
          continue;
        }
        note_all(*same,
                 directive.value
                     ? fmt::format("not applied: {} assigns the key again and "
                                   "systemd-sysctl applies only the last assignment",
                                   directive.origin())
                     : fmt::format("not applied: the exclusion {} cancels it", directive.origin()));
        entries.erase(same);
      }
      entries.push_back(d);
    }
    for (std::size_t d : entries) {
      const Directive& directive = directives_[d];
      if (!directive.value) {
        note_all(d, "excludes the key from globs (and cancels earlier assignments of it)");
        continue;
      }
      if (!directive.glob) {
        write(d, *directive.reaches);
        continue;
      }
      write_glob(d, [&](Key key) -> std::string {
        const auto explicit_entry = std::find_if(entries.begin(), entries.end(), [&](auto e) {
          return directives_[e].identity == systemd_identity(key);
        });
        return explicit_entry == entries.end() ? "" : overridden_by(directives_[*explicit_entry]);
      });
    }
  }

  // procps keeps every line in a list and writes them in order; a glob skips a key that some
  // line (an assignment or a "-key" exclusion) names with exactly the same path.
  void run_procps() {
    for (std::size_t d = 0; d < directives_.size(); ++d) {
      const Directive& directive = directives_[d];
      if (!directive.value) {
        note_all(d, "excludes the key from globs (explicit assignments still apply)");
        continue;
      }
      if (!directive.glob) {
        write(d, *directive.reaches);
        continue;
      }
      write_glob(d, [&](Key key) -> std::string {
        // procps 4.0.2 compares path strings only: "-net.ipv4.tcp_keepalive_i*" excludes
        // nothing (newer procps fnmatch()es exclusions; the real 4.0.2 does not).
        const std::string path = procps_identity(key);
        const auto blocker = std::find_if(directives_.begin(), directives_.end(),
                                          [&](auto& e) { return e.identity == path; });
        if (blocker == directives_.end()) {
          return "";
        }
        return blocker->value ? overridden_by(*blocker)
                              : fmt::format("excluded by {}", blocker->origin());
      });
    }
  }

  BootModel model_;
  std::vector<Directive> directives_;
  std::vector<BootAssignment> assignments_;
  std::map<std::pair<std::size_t, Key>, std::size_t> index_;
  std::array<std::optional<std::size_t>, key_count> winner_{};
};

BootView simulate(BootModel model, const std::vector<const ConfNode*>& files,
                  std::vector<std::string> warnings) {
  std::vector<Directive> directives;
  for (const ConfNode* file : files) {
    if (file->kind != NodeKind::regular) {
      continue;
    }
    ParsedFile parsed = parse_file(model, file->path, file->target, file->content);
    directives.insert(directives.end(), std::make_move_iterator(parsed.directives.begin()),
                      std::make_move_iterator(parsed.directives.end()));
    warnings.insert(warnings.end(), parsed.warnings.begin(), parsed.warnings.end());
  }
  Simulation simulation(model, std::move(directives));
  simulation.run();
  return simulation.view(std::move(warnings));
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

BootView resolve_boot_tree(const ConfTree& tree, BootModel model) {
  Selection selection = select_files(tree, model);
  BootView view = simulate(model, selection.apply, std::move(selection.warnings));
  view.files = std::move(selection.files);
  return view;
}

BootView resolve_file(const ConfNode& file, BootModel model) {
  std::vector<std::string> warnings;
  if (file.kind != NodeKind::regular) {
    warnings.push_back(fmt::format("{}: {}", file.path, describe_unreadable(file)));
  }
  BootView view = simulate(model, {&file}, std::move(warnings));
  view.settings.source = file.path;
  view.files.push_back(BootFile{file.path, file.target, file.kind == NodeKind::regular, ""});
  return view;
}

} // namespace kaltune
