// The sysctl.extra credential of the next boot's kernel command line: PID 1 imports
// `systemd.set_credential=sysctl.extra:TEXT` (and, from systemd 254 on,
// `systemd.set_credential_binary=sysctl.extra:BASE64`) into /run/credentials/@system before
// systemd-sysctl runs, which parses it as one more file after every file. As systemd 252-257
// src/core/import-creds.c does it: /proc/cmdline split by proc_cmdline_parse (extract_first_word
// with EXTRACT_UNQUOTE|EXTRACT_RELAX|EXTRACT_RETAIN_ESCAPE, "rd." words only in the initrd,
// '-' and '_' alike in keys), the credential file created with O_EXCL so that the first
// assignment of a name wins ("Credential '%s' set twice, ignoring."), nothing imported with
// systemd.import_credentials=no. The kernel command line it reads is the one the kernel row
// found (boot_source_cmdline.cpp).

#include "config/boot_source_context.hpp"

#include "base/text.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>

namespace kaltune {

namespace {

// The systemd release that added systemd.set_credential_binary= (NEWS, "CHANGES WITH 254").
constexpr unsigned binary_since = 254;

bool same_cmdline_key(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) {
    return false;
  }
  for (std::size_t i = 0; i < a.size(); ++i) {
    const char x = a[i] == '-' ? '_' : a[i];
    const char y = b[i] == '-' ? '_' : b[i];
    if (x != y) {
      return false;
    }
  }
  return true;
}

// The words of a command line as systemd's proc_cmdline_parse sees them outside the initrd.
std::vector<std::string> systemd_cmdline_words(std::string_view line) {
  std::vector<std::string> out;
  std::string word;
  bool in_word = false;
  char quote = 0;
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quote == 0 && std::strchr(" \t\n\r", c) != nullptr) {
      if (in_word) {
        out.push_back(std::move(word));
        word.clear();
        in_word = false;
      }
      continue;
    }
    in_word = true;
    if (c == '\\' && i + 1 < line.size()) {
      word += c; // EXTRACT_RETAIN_ESCAPE: the backslash stays
      word += line[++i];
    } else if (quote == 0 && (c == '\'' || c == '"')) {
      quote = c;
    } else if (quote != 0 && c == quote) {
      quote = 0;
    } else {
      word += c;
    }
  }
  if (in_word) {
    out.push_back(std::move(word));
  }
  std::erase_if(out, [](const std::string& w) { return w.rfind("rd.", 0) == 0; });
  return out;
}

int base64_digit(char c) {
  if (c >= 'A' && c <= 'Z') {
    return c - 'A';
  }
  if (c >= 'a' && c <= 'z') {
    return c - 'a' + 26;
  }
  if (c >= '0' && c <= '9') {
    return c - '0' + 52;
  }
  if (c == '+') {
    return 62;
  }
  return c == '/' ? 63 : -1;
}

// systemd's unbase64mem: whitespace skipped, blocks of four, padding only where it may stand,
// nothing after it. nullopt when systemd refuses the text.
std::optional<std::string> decode_base64(std::string_view text) {
  std::string digits;
  for (char c : text) {
    if (std::strchr(" \t\n\r", c) == nullptr) {
      digits += c;
    }
  }
  if (digits.size() % 4 != 0) {
    return std::nullopt;
  }
  std::string out;
  for (std::size_t i = 0; i < digits.size(); i += 4) {
    const bool last = i + 4 == digits.size();
    int d[4];
    for (int k = 0; k < 4; ++k) {
      d[k] = digits[i + k] == '=' ? 64 : base64_digit(digits[i + k]);
      if (d[k] < 0 || (d[k] == 64 && (k < 2 || !last))) {
        return std::nullopt;
      }
    }
    if (d[2] == 64 && d[3] != 64) {
      return std::nullopt;
    }
    out += static_cast<char>((d[0] << 2) | (d[1] >> 4));
    if (d[2] != 64) {
      out += static_cast<char>(((d[1] & 15) << 4) | (d[2] >> 2));
    }
    if (d[3] != 64) {
      out += static_cast<char>(((d[2] & 3) << 6) | d[3]);
    }
  }
  return out;
}

// systemd's version under the root, from its private libraries' names
// (libsystemd-shared-252.so, libsystemd-core-254.5-1.fc39.so).
std::optional<unsigned> systemd_version(const ConfTree& tree) {
  for (const ConfListing& dir : tree.listings) {
    if (dir.path.size() < 8 || dir.path.substr(dir.path.size() - 8) != "/systemd") {
      continue;
    }
    for (const std::string& name : dir.names) {
      for (std::string_view prefix : {"libsystemd-shared-", "libsystemd-core-"}) {
        if (name.rfind(prefix, 0) != 0) {
          continue;
        }
        unsigned version = 0;
        std::size_t i = prefix.size();
        for (; i < name.size() && name[i] >= '0' && name[i] <= '9' && version < 100000; ++i) {
          version = version * 10 + static_cast<unsigned>(name[i] - '0');
        }
        if (i > prefix.size()) {
          return version;
        }
      }
    }
  }
  return std::nullopt;
}

bool parse_false(std::string_view value) {
  return value == "0" || value == "no" || value == "n" || value == "false" || value == "f" ||
         value == "off";
}

} // namespace

void read_cmdline_credential(BootReader& reader) {
  // Which systemd is there matters only for the binary form.
  const bool binary =
      std::any_of(reader.tree().extra.begin(), reader.tree().extra.end(), [](const ConfNode& node) {
        return node.content.find("credential_binary") != std::string::npos ||
               node.content.find("credential-binary") != std::string::npos;
      });
  if (!binary) {
    return;
  }
  for (const char* dir : {"/usr/lib/systemd", "/lib/systemd", "/usr/lib64/systemd"}) {
    reader.list(dir, ".so");
  }
  for (const std::string& name : reader.list("/usr/lib", "")) {
    if (name.find("-linux-") != std::string::npos) {
      reader.list(fmt::format("/usr/lib/{}/systemd", name), ".so");
    }
  }
}

void collect_cmdline_credential(SourceContext& context) {
  if (!context.cmdline) {
    return;
  }
  const Cmdline& cmdline = *context.cmdline;
  const std::vector<std::string> words = systemd_cmdline_words(cmdline.text);
  std::optional<AppliedText> credential;
  bool import = true;
  for (const std::string& word : words) {
    const std::size_t equals = word.find('=');
    const std::string_view key = std::string_view(word).substr(0, equals);
    const std::string_view value =
        equals == std::string::npos ? "" : std::string_view(word).substr(equals + 1);
    if (same_cmdline_key(key, "systemd.import_credentials")) {
      import = !parse_false(value);
      continue;
    }
    const bool text = same_cmdline_key(key, "systemd.set_credential");
    const bool binary = same_cmdline_key(key, "systemd.set_credential_binary");
    if ((!text && !binary) || value.substr(0, value.find(':')) != "sysctl.extra" ||
        value.find(':') == std::string_view::npos) {
      continue;
    }
    const std::string param = fmt::format("{}=sysctl.extra", printable(key));
    const std::string_view data = value.substr(value.find(':') + 1);
    if (binary) {
      const std::optional<unsigned> version = systemd_version(context.tree);
      if (version && *version < binary_since) {
        context.warnings.push_back(
            fmt::format("{}: {}: systemd {} does not know this parameter (systemd {} added it) "
                        "and imports no credential from it",
                        cmdline.where, param, *version, binary_since));
        continue;
      }
      if (!version) {
        context.warnings.push_back(fmt::format(
            "{}: {}: the version of systemd is not known (no libsystemd-shared-N.so found); "
            "kaltune takes it as one that knows the parameter (systemd {} and later)",
            cmdline.where, param, binary_since));
      }
    }
    std::optional<std::string> content = std::string(data);
    if (binary) {
      content = decode_base64(data);
    }
    if (!content) {
      context.warnings.push_back(fmt::format(
          "{}: {}: not valid Base64; systemd imports no credential from it", cmdline.where, param));
      continue;
    }
    if (credential) {
      context.warnings.push_back(fmt::format("{}: {}: sysctl.extra is set again; systemd keeps "
                                             "the first ({}) and ignores this one",
                                             cmdline.where, param, credential->file));
      continue;
    }
    credential = AppliedText{fmt::format("{}: {}", cmdline.where, param), cmdline.where, nullptr,
                             std::move(*content)};
  }
  if (!credential) {
    return;
  }
  if (!import) {
    context.warnings.push_back(
        fmt::format("{}: systemd.import_credentials=no: systemd imports no credential from the "
                    "kernel command line, so its sysctl.extra is not applied",
                    cmdline.where));
    return;
  }
  context.steps.push_back(BootStep{
      BootStage::cmdline_credential, true,
      fmt::format("the sysctl.extra credential of the kernel command line ({}), after every file",
                  credential->file)});
  context.texts.push_back(std::move(*credential));
  context.credential_taken = true;
}

} // namespace kaltune
