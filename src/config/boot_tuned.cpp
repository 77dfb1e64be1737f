// tuned 2.20 (see boot_sources.hpp): profiles/loader.py, merger.py, plugins/plugin_sysctl.py.

#include "config/boot_sources.hpp"

#include "base/text.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

namespace kaltune {

namespace {

// Python's str.strip() for the bytes that matter in configuration files.
std::string_view python_strip(std::string_view text) {
  return trim(text, " \t\n\r\v\f");
}

std::vector<std::string> split_at(std::string_view text, char separator) {
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

} // namespace

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
  const std::vector<std::string> lines = split_at(content, '\n');
  TunedIni::Option* current = nullptr;
  std::size_t current_indent = 0;
  for (std::size_t n = 0; n < lines.size(); ++n) {
    const std::string_view raw = lines[n];
    std::string_view text = python_strip(raw);
    if (text.empty() || text.front() == '#' || text.front() == ';') {
      current = text.empty() ? nullptr : current;
      continue;
    }
    // An inline comment needs a blank before its '#'.
    for (std::size_t i = 1; i < text.size(); ++i) {
      if (text[i] == '#' && (text[i - 1] == ' ' || text[i - 1] == '\t')) {
        text = python_strip(text.substr(0, i));
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
    options.push_back(TunedIni::Option{std::string(python_strip(text.substr(0, eq))),
                                       std::string(python_strip(text.substr(eq + 1))), n + 1});
    current = &options.back();
    current_indent = indent;
  }
  return ini;
}

std::optional<bool> tuned_bool(std::string_view text) {
  std::string lower(python_strip(text));
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
  std::string path(name);
  std::replace(path.begin(), path.end(), '.', '/');
  return proc_path_key(path);
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
    const std::string_view line = python_strip(std::string_view(text).substr(start, i - start));
    if (i < text.size() && text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\n') {
      ++i;
    }
    start = i + 1;
    if (line.empty() || line.front() == '#' || line.front() == ';') {
      continue;
    }
    const std::size_t eq = line.find('=');
    if (eq == std::string_view::npos || python_strip(line.substr(0, eq)).empty()) {
      continue;
    }
    if (const auto key = tuned_option_key(python_strip(line.substr(0, eq)))) {
      out.push_back(TunedLine{*key, n, std::string(python_strip(line.substr(eq + 1)))});
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
          for (const std::string& d : split_at(option.value, ',')) {
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
    return c == '_' || c == '.' || c == '-' || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
           (c >= '0' && c <= '9');
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
