// tuned, when enabled at boot: its active profile's [sysctl] options (after the applier), then
// with reapply_sysctl = 1 (its default) the files of /run/sysctl.d, /etc/sysctl.d and
// /etc/sysctl.conf once more (tuned 2.20: plugins/plugin_sysctl.py).

#include "config/boot_source_context.hpp"

#include "base/text.hpp"
#include "config/boot_sources.hpp"

#include <fmt/format.h>

#include <charconv>
#include <map>
#include <set>

namespace kaltune {

namespace {

// tuned follows include= at most max_tuned_include_depth deep, so a profile set that needs more
// files than this is far beyond anything tuned loads.
constexpr std::size_t max_tuned_profiles_read = 4 * max_tuned_include_depth;

std::vector<std::string> tuned_words(std::string_view text) {
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

} // namespace

void collect_tuned_profile(SourceContext& context) {
  const ConfTree& tree = context.tree;
  const BootModel model = context.model;
  std::vector<BootStep>& steps = context.steps;
  std::vector<std::string>& warnings = context.warnings;
  const ConfNode* active = tree.find("/etc/tuned/active_profile");
  std::vector<std::string> names =
      active ? tuned_words(active->content) : std::vector<std::string>{};
  if (names.empty()) {
    steps.push_back(BootStep{BootStage::tuned_profile, false, "tuned: no active profile"});
    return;
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
    return;
  }
  if (const ConfNode* post = tree.find("/etc/tuned/post_loaded_profile")) {
    for (std::string& name : tuned_words(post->content)) {
      names.push_back(std::move(name));
    }
  }
  TunedLoad load =
      load_tuned_profiles(names, [&tree](const std::string& path) { return tree.find(path); });
  warnings.insert(warnings.end(), load.warnings.begin(), load.warnings.end());
  std::vector<BootAssignment>& out = context.writes;
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
  context.tuned_reapply = reapply;
  context.tuned_loaded = !load.failed;
}

void collect_tuned_reapply(SourceContext& context) {
  if (!context.tuned_reapply) {
    return; // tuned does not run
  }
  const bool reapply = *context.tuned_reapply;
  context.steps.push_back(
      BootStep{BootStage::tuned_reapply, context.tuned_loaded && reapply,
               reapply ? "tuned reapply_sysctl = 1: /run/sysctl.d, /etc/sysctl.d and "
                         "/etc/sysctl.conf once more (not /usr/lib/sysctl.d)"
                       : "tuned reapply_sysctl = 0: the profile wins"});
  if (context.tuned_loaded && reapply) {
    context.writes = tuned_reapply(context.tree);
  }
}

// The profiles tuned would load, and nothing else: the active ones, then what their include=
// names, at most max_tuned_profiles_read of them.
void read_tuned(BootReader& reader) {
  for (const char* path :
       {"/etc/tuned/active_profile", "/etc/tuned/post_loaded_profile", "/etc/tuned/tuned-main.conf",
        "/etc/systemd/system/multi-user.target.wants/tuned.service", "/etc/init.d/tuned"}) {
    reader.read(path);
  }
  std::vector<std::string> queue;
  for (const char* list : {"/etc/tuned/active_profile", "/etc/tuned/post_loaded_profile"}) {
    if (const ConfNode* node = reader.tree().find(list)) {
      for (std::string& name : tuned_words(node->content)) {
        queue.push_back(std::move(name));
      }
    }
  }
  std::set<std::string> seen;
  for (std::size_t next = 0; next < queue.size(); ++next) {
    std::string base = tuned_profile_base(queue[next]);
    if (!base.empty() && base.front() == '-') {
      base.erase(0, 1);
    }
    if (base.empty() || base == "." || base == ".." || !seen.insert(base).second) {
      continue;
    }
    if (seen.size() > max_tuned_profiles_read) {
      reader.tree().warnings.push_back(fmt::format(
          "tuned: the profiles include more than {} others; kaltune reads no more of them, and "
          "what tuned applies from those is not known",
          max_tuned_profiles_read));
      return;
    }
    for (const char* dir : {"/etc/tuned", "/usr/lib/tuned"}) {
      const ConfNode* file = reader.read(fmt::format("{}/{}/tuned.conf", dir, base));
      if (file == nullptr || file->kind != NodeKind::regular) {
        continue;
      }
      const TunedIni ini = parse_tuned_ini(file->path, file->content);
      if (const TunedIni::Option* include = ini.find("main", "include")) {
        for (std::string& name : tuned_include_names(include->value)) {
          queue.push_back(std::move(name));
        }
      }
    }
  }
}

std::string tuned_profile_origin(const BootAssignment& a) {
  return fmt::format("tuned profile {}: {}:{}", a.profile, a.file, a.line);
}

std::string tuned_reapply_origin(const BootAssignment& a) {
  return fmt::format("{}:{} (re-applied by tuned)", a.file, a.line);
}

void read_nothing(BootReader& /*reader*/) {}

} // namespace kaltune
