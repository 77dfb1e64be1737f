// The pure half of the boot view: which files each applier reads, in which order, and what the
// kernel is left with after it has written their lines (see DESIGN.md "Boot view").

#include "config/boot.hpp"

#include "base/text.hpp"
#include "config/boot_rules.hpp"
#include "config/boot_sources.hpp"
#include "config/kernel_value.hpp"
#include "sys/read_fd.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
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
  case NodeKind::too_long:
    return fmt::format("larger than {}: not read, so what boot applies from it is unknown",
                       max_config_text);
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
  // A regular file too long to read is one procps applies all the same: listed, and said unknown.
  if (model == BootModel::procps &&
      (conf.kind == NodeKind::regular || conf.kind == NodeKind::too_long)) {
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

// What the kernel makes of `a.text`, with its note when that is not what it looks like.
void read_value(BootAssignment& a) {
  KernelValue kv = parse_kernel_value(a.key, a.text);
  a.value = kv.value;
  a.kernel_note = std::move(kv.note);
  if (!a.kernel_note.empty()) {
    a.notes.push_back(a.kernel_note);
  }
}

// The simulation of one applier over its directives.
class Simulation {
public:
  // Directives from `file_directives` on come from the sysctl.extra credential.
  Simulation(BootModel model, std::vector<Directive> directives, std::size_t file_directives)
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
        if (d >= file_directives) {
          a.stage = BootStage::credential;
          a.file = "credential sysctl.extra";
        }
        if (directive.value) {
          a.text = *directive.value;
          read_value(a);
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
    // The kernel command line acts first, whatever order the assignments were made in.
    std::stable_sort(assignments_.begin(), assignments_.end(),
                     [](const BootAssignment& a, const BootAssignment& b) {
                       return (a.stage == BootStage::kernel_cmdline) >
                              (b.stage == BootStage::kernel_cmdline);
                     });
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

  void write(std::size_t d, Key key) { write_at(index_.at({d, key})); }

  void write_at(std::size_t i) {
    BootAssignment& a = assignments_[i];
    a.written = true;
    if (!a.value) {
      return;
    }
    if (const auto previous = winner_[index_of(a.key)]) {
      assignments_[*previous].notes.push_back(fmt::format("overridden by {}", a.origin()));
    }
    winner_[index_of(a.key)] = i;
  }

public:
  // What acts before the applier (the kernel command line): written in order.
  void before(std::vector<BootAssignment> list) { append_written(std::move(list), false); }
  // What acts after it (tuned): written in order; tuned's "<N"/">N" values only when N is below
  // or above the value in place then.
  void after(std::vector<BootAssignment> list) { append_written(std::move(list), true); }

private:
  void append_written(std::vector<BootAssignment> list, bool modifiers) {
    for (BootAssignment& a : list) {
      const std::size_t i = assignments_.size();
      assignments_.push_back(std::move(a));
      if (modifiers && !condition_holds(assignments_[i])) {
        continue;
      }
      if (!assignments_[i].written) {
        write_at(i);
      }
    }
  }

  // tuned's _process_assignment_modifiers: "<N"/">N" compares N with the value in place.
  bool condition_holds(BootAssignment& a) {
    if (a.condition == 0 || !a.value) {
      return true;
    }
    const auto winner = winner_[index_of(a.key)];
    const std::int64_t current = winner ? *assignments_[*winner].value : kernel_defaults[a.key];
    if ((a.condition == '>' && *a.value > current) || (a.condition == '<' && *a.value < current)) {
      return true;
    }
    a.notes.push_back(fmt::format("not applied: tuned writes it only when {} {} {}", *a.value,
                                  a.condition, current));
    return false;
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

// What acts before and after the applier's files.
struct Layers {
  const ConfNode* credential = nullptr; // systemd: parsed after every file, as one more file
  std::vector<BootAssignment> before;   // the kernel command line
  std::vector<BootAssignment> after;    // tuned
};

BootView simulate(BootModel model, const std::vector<const ConfNode*>& files,
                  std::vector<std::string> warnings, const Layers& layers = {}) {
  std::vector<Directive> directives;
  auto add = [&](const std::string& path, const std::string& target, const std::string& content) {
    ParsedFile parsed = parse_file(model, path, target, content);
    directives.insert(directives.end(), std::make_move_iterator(parsed.directives.begin()),
                      std::make_move_iterator(parsed.directives.end()));
    warnings.insert(warnings.end(), parsed.warnings.begin(), parsed.warnings.end());
  };
  for (const ConfNode* file : files) {
    if (file->kind == NodeKind::regular) {
      add(file->path, file->target, file->content);
    }
  }
  const std::size_t file_directives = directives.size();
  if (layers.credential != nullptr) {
    add("credential sysctl.extra", layers.credential->path, layers.credential->content);
  }
  Simulation simulation(model, std::move(directives), file_directives);
  simulation.before(layers.before);
  simulation.run();
  simulation.after(layers.after);
  return simulation.view(std::move(warnings));
}

// ---- the kernel command line ----

constexpr const char* credential_path = "/run/credentials/@system/sysctl.extra";

struct Cmdline {
  std::string where; // the file it comes from
  std::string text;
};

// The command line the next boot will use, where the machine says so: the default Boot Loader
// Specification entry, else /etc/kernel/cmdline (kernel-install's), else GRUB's defaults.
std::optional<Cmdline> next_cmdline(const ConfTree& tree, std::vector<std::string>& warnings) {
  std::vector<const ConfNode*> entries;
  std::vector<const ConfNode*> grub_dropins;
  for (const ConfNode& node : tree.extra) {
    if (node.kind != NodeKind::regular) {
      continue;
    }
    if (node.path.rfind("/boot/loader/entries/", 0) == 0) {
      entries.push_back(&node);
    } else if (node.path.rfind("/etc/default/grub.d/", 0) == 0) {
      grub_dropins.push_back(&node);
    }
  }
  if (const ConfNode* entry = bls_default_entry(entries, tree.find("/boot/loader/loader.conf"))) {
    return Cmdline{entry->path, bls_options(*entry)};
  }
  if (const ConfNode* kernel = tree.find("/etc/kernel/cmdline")) {
    return Cmdline{kernel->path, kernel->content};
  }
  if (const ConfNode* grub = tree.find("/etc/default/grub")) {
    std::sort(grub_dropins.begin(), grub_dropins.end(),
              [](const ConfNode* a, const ConfNode* b) { return a->path < b->path; });
    grub_dropins.insert(grub_dropins.begin(), grub);
    return Cmdline{grub->path, grub_cmdline(grub_dropins, warnings)};
  }
  return std::nullopt;
}

std::vector<BootAssignment> cmdline_layer(const Cmdline& cmdline) {
  std::vector<BootAssignment> out;
  for (const CmdlineAssignment& c : cmdline_assignments(cmdline.text)) {
    BootAssignment a;
    a.key = c.key;
    a.stage = BootStage::kernel_cmdline;
    a.file = cmdline.where;
    a.target = cmdline.where;
    a.text = c.value.value_or("");
    if (c.value) {
      read_value(a);
    } else {
      a.kernel_note = "no value: the kernel rejects the parameter (-EINVAL)";
      a.notes.push_back(a.kernel_note);
    }
    a.notes.push_back(fmt::format("{}: written by the kernel before init, in the initial network "
                                  "namespace only",
                                  printable(c.param)));
    out.push_back(std::move(a));
  }
  return out;
}

std::string cmdline_summary(const std::vector<BootAssignment>& list) {
  std::string out;
  for (const BootAssignment& a : list) {
    out += fmt::format("{}{}={}", out.empty() ? "" : " ", sysctl_name(a.key), printable(a.text));
  }
  return out.empty() ? "none of the keys" : out;
}

// The command line that acts, and a warning when this boot's differs from the next one's.
std::vector<BootAssignment> kernel_layer(const ConfTree& tree, std::vector<BootStep>& steps,
                                         std::vector<std::string>& warnings) {
  const std::optional<Cmdline> next = next_cmdline(tree, warnings);
  std::optional<Cmdline> now;
  if (tree.proc_cmdline) {
    now = Cmdline{"/proc/cmdline", *tree.proc_cmdline};
  }
  const std::optional<Cmdline>& used = next ? next : now;
  if (!used) {
    steps.push_back(BootStep{BootStage::kernel_cmdline, false,
                             "kernel command line: unknown (no boot loader configuration)"});
    return {};
  }
  std::vector<BootAssignment> layer = cmdline_layer(*used);
  steps.push_back(
      BootStep{BootStage::kernel_cmdline, true,
               fmt::format("kernel command line{}, from {}: {}", next ? " of the next boot" : "",
                           used->where, cmdline_summary(layer))});
  if (next && now) {
    const std::string this_boot = cmdline_summary(cmdline_layer(*now));
    if (this_boot != cmdline_summary(layer)) {
      warnings.push_back(fmt::format("the kernel command line of this boot (/proc/cmdline) sets "
                                     "{}; the next boot's ({}) sets {}",
                                     this_boot, next->where, cmdline_summary(layer)));
    }
  }
  return layer;
}

// ---- tuned ----

std::vector<std::string> words(std::string_view text) {
  std::vector<std::string> out;
  std::string word;
  for (char c : std::string(text) + " ") {
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      if (!word.empty()) {
        out.push_back(std::move(word));
        word.clear();
      }
    } else {
      word += c;
    }
  }
  return out;
}

// tuned's _apply_system_sysctl: /run/sysctl.d then /etc/sysctl.d (the first directory wins a
// name, hidden names included), by name, then /etc/sysctl.conf; every "key = value" line again.
std::vector<BootAssignment> tuned_reapply(const ConfTree& tree) {
  std::map<std::string, const ConfNode*> by_name;
  for (const char* dir : {"/run/sysctl.d", "/etc/sysctl.d"}) {
    for (const ConfDir& listing : tree.dirs) {
      if (listing.path != dir) {
        continue;
      }
      for (const ConfNode& node : listing.entries) {
        by_name.emplace(node.name(), &node);
      }
    }
  }
  std::vector<const ConfNode*> files;
  for (const auto& [name, node] : by_name) {
    files.push_back(node);
  }
  files.push_back(&tree.sysctl_conf);
  std::vector<BootAssignment> out;
  for (const ConfNode* file : files) {
    if (file->kind != NodeKind::regular) {
      continue;
    }
    for (const TunedLine& line : tuned_sysctl_lines(file->content)) {
      BootAssignment a;
      a.key = line.key;
      a.stage = BootStage::tuned_reapply;
      a.file = file->path;
      a.target = file->target;
      a.line = line.line;
      a.text = line.value;
      read_value(a);
      out.push_back(std::move(a));
    }
  }
  return out;
}

std::vector<BootAssignment> tuned_layer(const ConfTree& tree, BootModel model,
                                        std::vector<BootStep>& steps,
                                        std::vector<std::string>& warnings) {
  const ConfNode* active = tree.find("/etc/tuned/active_profile");
  std::vector<std::string> names = active ? words(active->content) : std::vector<std::string>{};
  if (names.empty()) {
    steps.push_back(BootStep{BootStage::tuned_profile, false, "tuned: no active profile"});
    return {};
  }
  const bool enabled =
      tree.find(model == BootModel::systemd ? "/etc/systemd/system/multi-user.target.wants/"
                                              "tuned.service"
                                            : "/etc/init.d/tuned") != nullptr;
  if (!enabled) {
    steps.push_back(BootStep{BootStage::tuned_profile, false,
                             fmt::format("tuned: profile {} is active, but tuned does not start "
                                         "at boot (its service is not enabled)",
                                         fmt::join(names, " "))});
    return {};
  }
  if (const ConfNode* post = tree.find("/etc/tuned/post_loaded_profile")) {
    for (std::string& name : words(post->content)) {
      names.push_back(std::move(name));
    }
  }
  TunedLoad load =
      load_tuned_profiles(names, [&tree](const std::string& path) { return tree.find(path); });
  warnings.insert(warnings.end(), load.warnings.begin(), load.warnings.end());
  std::vector<BootAssignment> out;
  for (const TunedOption& option : load.options) {
    const std::optional<Key> key = tuned_option_key(option.name);
    if (!key) {
      continue;
    }
    BootAssignment a;
    a.key = *key;
    a.stage = BootStage::tuned_profile;
    a.profile = option.profile;
    a.file = option.file;
    a.target = option.file;
    a.line = option.line;
    a.text = tuned_unquote(option.value);
    if (a.text.size() > 1 && (a.text.front() == '<' || a.text.front() == '>')) {
      const std::string number = a.text.substr(1);
      std::int64_t parsed = 0;
      const auto [end, ec] = std::from_chars(number.data(), number.data() + number.size(), parsed);
      if (ec == std::errc() && end == number.data() + number.size()) {
        a.condition = a.text.front();
        a.notes.push_back(fmt::format("'{}': written only when {} the value in place",
                                      a.text.front(), a.condition == '>' ? "above" : "below"));
        a.text = number;
      }
    }
    if (a.text.find("${") != std::string::npos) {
      a.notes.push_back("uses tuned variables, which kaltune does not expand");
      warnings.push_back(fmt::format("{}: {} uses tuned variables, which kaltune does not expand",
                                     a.origin(), printable(option.name)));
    }
    read_value(a);
    out.push_back(std::move(a));
  }
  const ConfNode* main_conf = tree.find("/etc/tuned/tuned-main.conf");
  bool reapply = true;
  if (main_conf != nullptr) {
    const TunedIni ini = parse_tuned_ini(main_conf->path, "[main]\n" + main_conf->content);
    if (const TunedIni::Option* option = ini.find("main", "reapply_sysctl")) {
      reapply = tuned_bool(option->value).value_or(true);
    }
  }
  steps.push_back(BootStep{
      BootStage::tuned_profile, !load.failed,
      load.failed
          ? "tuned: the profile cannot be loaded, tuned applies nothing"
          : fmt::format("tuned profile {}: its [sysctl] options", fmt::join(load.profiles, ", "))});
  steps.push_back(BootStep{BootStage::tuned_reapply, !load.failed && reapply,
                           reapply ? "tuned reapply_sysctl = 1: /run/sysctl.d, /etc/sysctl.d and "
                                     "/etc/sysctl.conf once more (not /usr/lib/sysctl.d)"
                                   : "tuned reapply_sysctl = 0: the profile wins"});
  if (!load.failed && reapply) {
    std::vector<BootAssignment> again = tuned_reapply(tree);
    out.insert(out.end(), std::make_move_iterator(again.begin()),
               std::make_move_iterator(again.end()));
  }
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

BootView resolve_boot_tree(const ConfTree& tree, BootModel model) {
  Selection selection = select_files(tree, model);
  selection.warnings.insert(selection.warnings.end(), tree.warnings.begin(), tree.warnings.end());
  std::vector<BootStep> steps;
  Layers layers;
  layers.before = kernel_layer(tree, steps, selection.warnings);
  steps.push_back(BootStep{BootStage::applier, true,
                           fmt::format("{}: the files below", model == BootModel::systemd
                                                                  ? "systemd-sysctl"
                                                                  : "procps sysctl --system")});
  if (model == BootModel::systemd) {
    layers.credential = tree.find(credential_path);
    if (layers.credential != nullptr && layers.credential->kind != NodeKind::regular) {
      layers.credential = nullptr;
    }
    steps.push_back(BootStep{
        BootStage::credential, layers.credential != nullptr,
        layers.credential != nullptr
            ? fmt::format("the sysctl.extra credential ({}), after every file", credential_path)
            : "no sysctl.extra credential"});
  }
  layers.after = tuned_layer(tree, model, steps, selection.warnings);
  BootView view = simulate(model, selection.apply, std::move(selection.warnings), layers);
  view.files = std::move(selection.files);
  view.steps = std::move(steps);
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
