// The sources boot applies besides the sysctl.d files (see boot_sources.hpp for whose rules);
// tuned's profiles are boot_tuned.cpp's.

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

std::string dots_to_slashes(std::string_view text) {
  std::string out(text);
  std::replace(out.begin(), out.end(), '.', '/');
  return out;
}

} // namespace

std::optional<Key> proc_path_key(const std::string& path) {
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

} // namespace kaltune
