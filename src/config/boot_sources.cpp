// The sources boot applies besides the sysctl.d files (see boot_sources.hpp for whose rules).

#include "config/boot_sources.hpp"

#include "base/text.hpp"
#include "config/boot_rules.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <fnmatch.h>
#include <map>

namespace kaltune {

namespace {

std::vector<std::string> split(std::string_view text, char separator) {
  std::vector<std::string> out;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= text.size(); ++i) {
    if (i == text.size() || text[i] == separator) {
      out.emplace_back(text.substr(start, i - start));
      start = i + 1;
    }
  }
  return out;
}

// The kernel's isspace (lib/ctype.c): ASCII blanks and Latin-1's no-break space.
bool kernel_space(char c) {
  const auto u = static_cast<unsigned char>(c);
  return u == ' ' || (u >= '\t' && u <= '\r') || u == 0xa0;
}

// A path under /proc/sys with every '.' already a '/': one of our keys when its components are.
// A trailing '/' makes the open fail (ENOTDIR), so it reaches nothing.
std::optional<Key> proc_path_key(std::string path) {
  if (path.empty() || path.back() == '/') {
    return std::nullopt;
  }
  std::string joined;
  for (const std::string_view part : split_path(path)) {
    if (!part.empty()) {
      joined += (joined.empty() ? "" : "/") + std::string(part);
    }
  }
  for (Key key : all_keys) {
    if (joined == systemd_identity(key)) {
      return key;
    }
  }
  return std::nullopt;
}

std::string dots_to_slashes(std::string_view text) {
  std::string out(text);
  std::replace(out.begin(), out.end(), '.', '/');
  return out;
}

// Python's str.strip() for the bytes that matter in configuration files.
std::string_view py_strip(std::string_view text) {
  return trim(text, " \t\n\r\v\f");
}

} // namespace

std::vector<KernelParam> split_kernel_cmdline(std::string_view s) {
  std::vector<KernelParam> out;
  std::size_t pos = 0;
  auto skip = [&] {
    while (pos < s.size() && kernel_space(s[pos])) {
      ++pos;
    }
  };
  skip();
  while (pos < s.size()) {
    bool in_quote = false;
    bool quoted = false;
    if (s[pos] == '"') {
      ++pos;
      in_quote = quoted = true;
    }
    std::size_t i = pos;
    std::size_t equals = 0; // relative; 0 means none, as in next_arg
    for (; i < s.size(); ++i) {
      if (kernel_space(s[i]) && !in_quote) {
        break;
      }
      if (equals == 0 && s[i] == '=') {
        equals = i - pos;
      }
      if (s[i] == '"') {
        in_quote = !in_quote;
      }
    }
    const std::string_view arg = s.substr(pos, i - pos);
    std::size_t end = arg.size(); // where a '\0' would cut the last piece
    const bool ends_in_quote = !arg.empty() && arg.back() == '"';
    KernelParam param;
    if (equals == 0) {
      if (quoted && ends_in_quote) {
        end = arg.size() - 1;
      }
      param.name = std::string(arg.substr(0, end));
    } else {
      param.name = std::string(arg.substr(0, equals));
      std::size_t start = equals + 1;
      if (start < arg.size() && arg[start] == '"') {
        ++start;
        if (ends_in_quote) {
          end = arg.size() - 1;
        }
      }
      if (quoted && ends_in_quote) {
        end = arg.size() - 1;
      }
      param.value = start < end ? std::string(arg.substr(start, end - start)) : std::string();
    }
    pos = i < s.size() ? i + 1 : i;
    skip();
    if (!param.value && param.name == "--") {
      break;
    }
    out.push_back(std::move(param));
  }
  return out;
}

std::optional<Key> kernel_param_key(std::string_view name) {
  constexpr std::string_view prefix = "sysctl";
  if (name.substr(0, prefix.size()) != prefix || name.size() == prefix.size() ||
      (name[prefix.size()] != '.' && name[prefix.size()] != '/')) {
    return std::nullopt;
  }
  return proc_path_key(dots_to_slashes(name.substr(prefix.size() + 1)));
}

std::vector<CmdlineAssignment> cmdline_assignments(std::string_view cmdline) {
  std::vector<CmdlineAssignment> out;
  for (KernelParam& param : split_kernel_cmdline(cmdline)) {
    if (const auto key = kernel_param_key(param.name)) {
      std::optional<std::string> value = std::move(param.value);
      if (value && value->empty()) {
        value.reset();
      }
      out.push_back(CmdlineAssignment{*key, std::move(param.name), std::move(value)});
    }
  }
  return out;
}

// ---- GRUB's defaults: the shell assignments grub-mkconfig sources ----

namespace {

bool name_char(char c, bool first) {
  return c == '_' || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
         (!first && c >= '0' && c <= '9');
}

class ShellAssignments {
public:
  ShellAssignments(std::vector<std::string>& warnings) : warnings_(warnings) {}

  void source(const ConfNode& file) {
    std::size_t n = 0;
    for (std::size_t start = 0; start <= file.content.size() && !stopped_; ++n) {
      std::size_t end = file.content.find('\n', start);
      end = end == std::string::npos ? file.content.size() : end;
      assign(file.path, n + 1, std::string_view(file.content).substr(start, end - start));
      start = end + 1;
    }
  }

  std::string get(const std::string& name) const {
    const auto it = vars_.find(name);
    return it == vars_.end() ? "" : it->second;
  }

private:
  void assign(const std::string& file, std::size_t line, std::string_view text) {
    text = trim(text, " \t\r");
    if (text.substr(0, 7) == "export ") {
      text = trim(text.substr(7), " \t");
    }
    std::size_t i = 0;
    while (i < text.size() && name_char(text[i], i == 0)) {
      ++i;
    }
    if (i == 0 || i >= text.size() || text[i] != '=') {
      return; // a comment, a command or anything else: not an assignment we follow
    }
    const std::string name(text.substr(0, i));
    std::string value;
    const bool complete = word(text.substr(i + 1), value);
    std::string& slot = vars_[name];
    if (held_ - slot.size() + value.size() > max_grub_shell_bytes) {
      // A shell would go on doubling until it ran out of memory; kaltune stops here.
      warnings_.push_back(fmt::format(
          "{}:{}: {} would take the shell variables of GRUB's defaults past {} bytes, kaltune's "
          "cap (a kernel command line holds a few KiB): not read from here on, so what the "
          "command line sets is not known",
          file, line, name, max_grub_shell_bytes));
      stopped_ = true;
      return;
    }
    if (!complete && name.rfind("GRUB_CMDLINE_LINUX", 0) == 0) {
      warnings_.push_back(fmt::format("{}:{}: {} uses shell features kaltune does not evaluate "
                                      "($(…), `…`, ${{…:…}}); read as far as it could",
                                      file, line, name));
    }
    held_ = held_ - slot.size() + value.size();
    slot = std::move(value);
  }

  // Appends `text` to `out`, never past one byte more than the cap (which assign reports).
  static void append(std::string& out, std::string_view text) {
    if (out.size() <= max_grub_shell_bytes) {
      out.append(text.substr(0, max_grub_shell_bytes + 1 - out.size()));
    }
  }

  // One shell word: quotes, backslashes and parameter expansion. False when it meets something
  // it does not evaluate.
  bool word(std::string_view s, std::string& out) const {
    bool ok = true;
    for (std::size_t i = 0; i < s.size();) {
      const char c = s[i];
      if (c == ' ' || c == '\t' || c == ';' || c == '&' || c == '|') {
        break;
      }
      if (c == '\'') {
        const std::size_t close = s.find('\'', i + 1);
        out += s.substr(i + 1, close == std::string_view::npos ? close : close - i - 1);
        i = close == std::string_view::npos ? s.size() : close + 1;
      } else if (c == '"') {
        ++i;
        while (i < s.size() && s[i] != '"') {
          if (s[i] == '\\' && i + 1 < s.size() && std::strchr("$`\"\\", s[i + 1]) != nullptr) {
            out += s[i + 1];
            i += 2;
          } else if (s[i] == '$') {
            ok = expand(s, i, out) && ok;
          } else {
            ok = ok && s[i] != '`';
            out += s[i++];
          }
        }
        ++i;
      } else if (c == '\\' && i + 1 < s.size()) {
        out += s[i + 1];
        i += 2;
      } else if (c == '$') {
        ok = expand(s, i, out) && ok;
      } else {
        ok = ok && c != '`';
        out += c;
        ++i;
      }
    }
    return ok;
  }

  // $NAME or ${NAME} at s[i]; advances i.
  bool expand(std::string_view s, std::size_t& i, std::string& out) const {
    std::size_t j = i + 1;
    const bool brace = j < s.size() && s[j] == '{';
    j += brace ? 1 : 0;
    const std::size_t start = j;
    while (j < s.size() && name_char(s[j], j == start)) {
      ++j;
    }
    if (j == start || (brace && (j >= s.size() || s[j] != '}'))) {
      out += '$';
      ++i;
      return j != start || (j < s.size() && s[j] != '(');
    }
    const auto it = vars_.find(std::string(s.substr(start, j - start)));
    if (it != vars_.end()) {
      append(out, it->second);
    }
    i = brace ? j + 1 : j;
    return true;
  }

  std::map<std::string, std::string> vars_;
  std::size_t held_ = 0; // bytes of all values
  bool stopped_ = false;
  std::vector<std::string>& warnings_;
};

} // namespace

std::string grub_cmdline(const std::vector<const ConfNode*>& files,
                         std::vector<std::string>& warnings) {
  ShellAssignments shell(warnings);
  for (const ConfNode* file : files) {
    shell.source(*file);
  }
  return shell.get("GRUB_CMDLINE_LINUX") + " " + shell.get("GRUB_CMDLINE_LINUX_DEFAULT");
}

// ---- Boot Loader Specification ----

namespace {

// "key value" lines; the values of `key`, in order.
std::vector<std::string> bls_values(const std::string& content, std::string_view key) {
  std::vector<std::string> out;
  for (const std::string& raw : split(content, '\n')) {
    const std::string_view line = trim(raw, " \t\r");
    if (line.empty() || line.front() == '#') {
      continue;
    }
    const std::size_t blank = line.find_first_of(" \t");
    if (line.substr(0, blank) == key) {
      out.emplace_back(blank == std::string_view::npos ? "" : trim(line.substr(blank), " \t"));
    }
  }
  return out;
}

std::string entry_id(const ConfNode& entry) {
  std::string name = entry.name();
  return name.size() > 5 ? name.substr(0, name.size() - 5) : name;
}

} // namespace

const ConfNode* bls_default_entry(const std::vector<const ConfNode*>& entries,
                                  const ConfNode* loader_conf) {
  std::vector<const ConfNode*> sorted;
  for (const ConfNode* entry : entries) {
    if (entry->kind == NodeKind::regular) {
      sorted.push_back(entry);
    }
  }
  std::sort(sorted.begin(), sorted.end(), [](const ConfNode* a, const ConfNode* b) {
    return ::strverscmp(entry_id(*a).c_str(), entry_id(*b).c_str()) > 0;
  });
  if (sorted.empty()) {
    return nullptr;
  }
  if (loader_conf != nullptr) {
    const auto patterns = bls_values(loader_conf->content, "default");
    if (!patterns.empty()) {
      for (const ConfNode* entry : sorted) {
        const std::string& pattern = patterns.back();
        if (::fnmatch(pattern.c_str(), entry->name().c_str(), 0) == 0 ||
            ::fnmatch(pattern.c_str(), entry_id(*entry).c_str(), 0) == 0) {
          return entry;
        }
      }
    }
  }
  return sorted.front();
}

std::string bls_options(const ConfNode& entry) {
  std::string out;
  for (const std::string& value : bls_values(entry.content, "options")) {
    out += (out.empty() ? "" : " ") + value;
  }
  return out;
}

// ---- tuned ----

const TunedIni::Option* TunedIni::find(std::string_view section, std::string_view name) const {
  const Option* found = nullptr;
  for (const Section& s : sections) {
    if (s.name != section) {
      continue;
    }
    for (const Option& option : s.options) {
      if (option.name == name) {
        found = &option;
      }
    }
  }
  return found;
}

TunedIni parse_tuned_ini(const std::string& file, std::string_view content) {
  TunedIni ini;
  const std::vector<std::string> lines = split(content, '\n');
  TunedIni::Option* current = nullptr;
  std::size_t current_indent = 0;
  for (std::size_t n = 0; n < lines.size(); ++n) {
    const std::string_view raw = lines[n];
    std::string_view text = py_strip(raw);
    if (text.empty() || text.front() == '#' || text.front() == ';') {
      current = text.empty() ? nullptr : current;
      continue;
    }
    // An inline comment needs a blank before its '#'.
    for (std::size_t i = 1; i < text.size(); ++i) {
      if (text[i] == '#' && (text[i - 1] == ' ' || text[i - 1] == '\t')) {
        text = py_strip(text.substr(0, i));
        break;
      }
    }
    const std::size_t indent = raw.find_first_not_of(" \t");
    if (current != nullptr && indent > current_indent) {
      current->value += "\n" + std::string(text);
      continue;
    }
    if (text.front() == '[' && text.back() == ']' && text.size() > 2) {
      const std::string name(text.substr(1, text.size() - 2));
      ini.sections.push_back(TunedIni::Section{name, {}});
      current = nullptr;
      continue;
    }
    const std::size_t eq = text.find('=');
    if (ini.sections.empty() || eq == std::string_view::npos) {
      if (!ini.error) {
        ini.error = fmt::format("{}:{}: {}", file, n + 1,
                                ini.sections.empty() ? "a line before the first [section]"
                                                     : "a line without '='");
      }
      current = nullptr;
      continue;
    }
    auto& options = ini.sections.back().options;
    options.push_back(TunedIni::Option{std::string(py_strip(text.substr(0, eq))),
                                       std::string(py_strip(text.substr(eq + 1))), n + 1});
    current = &options.back();
    current_indent = indent;
  }
  return ini;
}

std::optional<bool> tuned_bool(std::string_view text) {
  std::string lower(py_strip(text));
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (lower == "1" || lower == "yes" || lower == "true" || lower == "on") {
    return true;
  }
  if (lower == "0" || lower == "no" || lower == "false" || lower == "off") {
    return false;
  }
  return std::nullopt;
}

std::optional<Key> tuned_option_key(std::string_view name) {
  return proc_path_key(dots_to_slashes(name));
}

std::string tuned_unquote(std::string_view value) {
  if (value.size() >= 2 && value.front() == '"' && value.back() == '"' &&
      value.find('\n') == std::string_view::npos) {
    return std::string(value.substr(1, value.size() - 2));
  }
  return std::string(value);
}

std::vector<TunedLine> tuned_sysctl_lines(std::string_view content) {
  std::vector<TunedLine> out;
  // Python's text mode reads \r\n and a lone \r as line ends too.
  std::string text(content);
  std::size_t n = 0;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= text.size(); ++i) {
    if (i < text.size() && text[i] != '\n' && text[i] != '\r') {
      continue;
    }
    ++n;
    const std::string_view line = py_strip(std::string_view(text).substr(start, i - start));
    if (i < text.size() && text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\n') {
      ++i;
    }
    start = i + 1;
    if (line.empty() || line.front() == '#' || line.front() == ';') {
      continue;
    }
    const std::size_t eq = line.find('=');
    if (eq == std::string_view::npos || py_strip(line.substr(0, eq)).empty()) {
      continue;
    }
    if (const auto key = tuned_option_key(py_strip(line.substr(0, eq)))) {
      out.push_back(TunedLine{*key, n, std::string(py_strip(line.substr(eq + 1)))});
    }
  }
  return out;
}

std::string tuned_profile_base(std::string_view name) {
  const std::size_t slash = name.rfind('/');
  return std::string(slash == std::string_view::npos ? name : name.substr(slash + 1));
}

std::vector<std::string> tuned_include_names(std::string_view value) {
  std::vector<std::string> included;
  std::string piece;
  for (char c : std::string(value) + ",") {
    if (c == ',' || c == ';') {
      included.emplace_back(trim(piece, " \t\n"));
      piece.clear();
    } else {
      piece += c;
    }
  }
  return included;
}

namespace {

// One unit of the merged profile: tuned's Unit with its options in insertion order.
struct TunedUnit {
  std::string name;
  std::string type;
  bool enabled = true;
  std::vector<TunedOption> options;
};

bool unit_flag(std::string_view text) {
  return text == "True" || text == "true" || text == "1";
}

class TunedLoader {
public:
  explicit TunedLoader(const std::function<const ConfNode*(const std::string&)>& find)
      : find_(find) {}

  // loader.py _load_profile through include=, with a stack of its own: a chain of thousands of
  // profiles must not exhaust kaltune's.
  bool load(const std::vector<std::string>& names) {
    struct Frame {
      std::vector<std::string> names;
      std::size_t next = 0;
      std::string owner; // the profile whose include= these are ("" for the active ones)
      const ConfNode* file = nullptr;
      TunedIni ini;
    };
    std::vector<Frame> stack;
    stack.push_back(Frame{names, 0, "", nullptr, {}});
    while (!stack.empty()) {
      Frame& frame = stack.back();
      if (frame.next == frame.names.size()) {
        if (frame.file != nullptr) {
          merge(frame.owner, *frame.file, frame.ini);
          out.profiles.push_back(fmt::format("{} ({})", frame.owner, frame.file->path));
        }
        stack.pop_back();
        continue;
      }
      std::string name = frame.names[frame.next++];
      const bool conditional = !name.empty() && name.front() == '-';
      if (conditional) {
        name.erase(0, 1);
      }
      const std::string base = tuned_profile_base(name);
      const ConfNode* file = nullptr;
      bool skipped = false;
      for (const char* dir : {"/etc/tuned", "/usr/lib/tuned"}) {
        const std::string path = fmt::format("{}/{}/tuned.conf", dir, base);
        if (std::find(processed_.begin(), processed_.end(), path) != processed_.end()) {
          skipped = true;
          continue;
        }
        if ((file = find_(path)) != nullptr) {
          break;
        }
      }
      if (file == nullptr) {
        if (skipped && on_chain(stack, name)) {
          out.warnings.push_back(fmt::format("tuned: include= cycle {}: tuned loads each profile "
                                             "file once and goes on",
                                             chain(stack, name)));
        }
        if (skipped || conditional) {
          continue;
        }
        out.warnings.push_back(fmt::format(
            "tuned: profile {} not found in /etc/tuned or /usr/lib/tuned: tuned loads no profile",
            printable(name)));
        return false;
      }
      processed_.push_back(file->path);
      TunedIni ini = parse_tuned_ini(file->path, file->content);
      if (ini.error) {
        out.warnings.push_back(
            fmt::format("tuned: {}: tuned cannot parse the profile and loads none", *ini.error));
        return false;
      }
      if (const TunedIni::Option* include = ini.find("main", "include")) {
        if (include->value.find("${") != std::string::npos) {
          out.warnings.push_back(fmt::format("{}:{}: include= uses tuned variables, which kaltune "
                                             "does not expand",
                                             file->path, include->line));
        }
        if (stack.size() > max_tuned_include_depth) {
          out.warnings.push_back(fmt::format(
              "tuned: the include= chain {} is more than {} profiles deep: kaltune follows it no "
              "further and takes it that tuned loads no profile",
              chain(stack, name), max_tuned_include_depth));
          return false;
        }
        std::vector<std::string> included = tuned_include_names(include->value);
        stack.push_back(Frame{std::move(included), 0, name, file, std::move(ini)});
        continue;
      }
      merge(name, *file, ini);
      out.profiles.push_back(fmt::format("{} ({})", name, file->path));
    }
    return true;
  }

  std::vector<TunedOption> sysctl_options() const {
    std::vector<TunedOption> options;
    for (const TunedUnit& unit : units_) {
      if (unit.type == "sysctl" && unit.enabled) {
        options.insert(options.end(), unit.options.begin(), unit.options.end());
      }
    }
    return options;
  }

  TunedLoad out;

private:
  // merger.py _merge_two: a unit of the same name takes the newer options in place.
  void merge(const std::string& profile, const ConfNode& file, const TunedIni& ini) {
    for (const TunedIni::Section& section : ini.sections) {
      if (section.name == "main" || section.name == "variables") {
        continue;
      }
      TunedUnit unit{section.name, section.name, true, {}};
      bool replace = false;
      std::vector<std::string> drop;
      for (const TunedIni::Option& option : section.options) {
        if (option.name == "type") {
          unit.type = option.value;
        } else if (option.name == "enabled") {
          unit.enabled = unit_flag(option.value);
        } else if (option.name == "replace") {
          replace = unit_flag(option.value);
        } else if (option.name == "drop") {
          for (const std::string& d : split(option.value, ',')) {
            drop.emplace_back(trim(d, " \t;"));
          }
        } else {
          upsert(unit.options,
                 TunedOption{option.name, option.value, file.path, option.line, profile});
        }
      }
      const auto existing = std::find_if(units_.begin(), units_.end(),
                                         [&](const TunedUnit& u) { return u.name == unit.name; });
      if (existing == units_.end() || replace) {
        if (existing != units_.end()) {
          *existing = std::move(unit);
        } else {
          units_.push_back(std::move(unit));
        }
        continue;
      }
      existing->type = unit.type;
      existing->enabled = unit.enabled;
      std::erase_if(existing->options, [&](const TunedOption& o) {
        return std::find(drop.begin(), drop.end(), o.name) != drop.end();
      });
      for (TunedOption& option : unit.options) {
        upsert(existing->options, std::move(option));
      }
    }
  }

  static void upsert(std::vector<TunedOption>& options, TunedOption option) {
    const auto same = std::find_if(options.begin(), options.end(),
                                   [&](const TunedOption& o) { return o.name == option.name; });
    if (same != options.end()) {
      *same = std::move(option);
    } else {
      options.push_back(std::move(option));
    }
  }

  template <typename Stack> static bool on_chain(const Stack& stack, const std::string& name) {
    return std::any_of(stack.begin(), stack.end(),
                       [&](const auto& frame) { return frame.owner == name; });
  }

  // "a -> b -> c": the profiles whose include= led to `name`, and `name`.
  template <typename Stack> static std::string chain(const Stack& stack, const std::string& name) {
    std::string out;
    for (const auto& frame : stack) {
      if (!frame.owner.empty()) {
        out += printable(frame.owner) + " -> ";
      }
    }
    return out + printable(name);
  }

  const std::function<const ConfNode*(const std::string&)>& find_;
  std::vector<std::string> processed_;
  std::vector<TunedUnit> units_;
};

bool safe_profile_name(std::string_view name) {
  return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return name_char(c, false) || c == '.' || c == '-';
  });
}

} // namespace

TunedLoad load_tuned_profiles(const std::vector<std::string>& names,
                              const std::function<const ConfNode*(const std::string&)>& find) {
  std::vector<std::string> safe;
  std::copy_if(names.begin(), names.end(), std::back_inserter(safe), safe_profile_name);
  TunedLoader loader(find);
  if (safe.empty() || !loader.load(safe)) {
    loader.out.failed = true;
    loader.out.options.clear();
    return loader.out;
  }
  loader.out.options = loader.sysctl_options();
  return loader.out;
}

} // namespace kaltune
