// The editor (config/editor) against both boot models (config/boot_resolve), on any file:
//   1. after set_keys, systemd's and procps' boot view of the file lands on the requested values,
//      unless a "-key" exclusion line cancels the key (systemd), which the editor leaves alone by
//      design and the boot-view check reports;
//   2. a second identical set_keys changes no byte;
//   3. after remove_keys neither model writes the key from a line naming it (glob lines, which
//      also set other keys, are left alone by design and noted, and so is a line that also sets
//      something else for either model: `vm.x = 1\rnet.ipv4.tcp_keepalive_time = 5`);
//   4. remove_keys takes nothing else: every line as each model reads it (systemd's pieces
//      between lone CRs and NULs, procps' LF lines) that sets something other than an explicit
//      write of a removed key is there, in the same order, afterwards.
// The input: one byte of flags (which keys to set, which to remove), three values, then the file.
//
// The reproducers of the cases the editor once got wrong (a lone CR or a NUL that ends a line
// for systemd, a leading-dot key spelling, another key sharing an LF line through a lone CR) are
// seeds: corpus/editor/{cr_comment,nul_key_line,lone_cr_end,leading_dot,cr_other_key}.

#include "config/editor.hpp"
#include "check.hpp"
#include "config/boot.hpp"
#include "config/boot_rules.hpp"
#include "config/lexer.hpp"

#include <fuzzer/FuzzedDataProvider.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

using kaltune::fuzz::escaped;

namespace {

// A violated property fails the run.
void violated(std::string_view /*file*/, const std::string& what) {
  kaltune::fuzz::fail(what);
}

const char* const path = "/etc/sysctl.d/99-kaltune.conf";

kaltune::BootView boot_of(const std::string& content, kaltune::BootModel model) {
  return kaltune::resolve_file(kaltune::ConfNode{path, path, kaltune::NodeKind::regular, content},
                               model);
}

std::string model_name(kaltune::BootModel model) {
  return std::string(kaltune::to_string(model));
}

void check_set(const std::string& before, const kaltune::KeyValues& values) {
  const kaltune::EditResult edit = kaltune::set_keys(before, values);
  for (auto model : {kaltune::BootModel::systemd, kaltune::BootModel::procps}) {
    const kaltune::BootView view = boot_of(edit.content, model);
    for (kaltune::Key key : kaltune::all_keys) {
      const auto& wanted = values[kaltune::index_of(key)];
      if (!wanted || view.settings[key].value == *wanted) {
        continue;
      }
      bool winner = false;
      bool excluded = false;
      for (const auto& assignment : view.assignments) {
        winner = winner || (assignment.key == key && assignment.winner);
        excluded = excluded || (assignment.key == key && assignment.exclusion);
      }
      if (!winner && excluded) {
        continue; // cancelled by a "-key" line: the editor leaves those to the user
      }
      violated(before, "set_keys: " + model_name(model) + " boot applies " +
                           std::string(kaltune::sysctl_name(key)) + " = " +
                           std::to_string(view.settings[key].value) + " from " +
                           view.settings[key].origin + ", not " + std::to_string(*wanted) +
                           "; file before: \"" + escaped(before) + "\" after: \"" +
                           escaped(edit.content) + "\"");
    }
  }
  const kaltune::EditResult again = kaltune::set_keys(edit.content, values);
  if (again.changed || again.content != edit.content) {
    violated(before, "set_keys twice: the second edit changes \"" + escaped(edit.content) +
                         "\" to \"" + escaped(again.content) + "\"");
  }
}

// Every line as `model` reads it that sets something besides the keepalive keys being removed:
// another key's assignment or exclusion, a glob, a kept keepalive key — not a blank, a comment,
// a line without '=' that excludes nothing, an explicit write of a removed key, or a keepalive
// spelling that reaches no key for this model. In order.
std::vector<std::string> other_lines(const std::string& content, kaltune::BootModel model,
                                     const kaltune::KeySet& keys) {
  using kaltune::ConfLine;
  const bool systemd = model == kaltune::BootModel::systemd;
  std::vector<std::string> out;
  for (const ConfLine& line : kaltune::lex_conf(content, systemd ? kaltune::LineBreaks::systemd
                                                                 : kaltune::LineBreaks::lf)) {
    // procps stops reading a line at a NUL byte.
    const std::string text(systemd ? line.text : line.text.substr(0, line.text.find('\0')));
    const auto lexed = kaltune::lex_conf(text);
    if (lexed.empty() || lexed.front().kind == ConfLine::Kind::blank ||
        lexed.front().kind == ConfLine::Kind::comment) {
      continue;
    }
    const auto parsed = kaltune::parse_file(model, "", "", text + "\n");
    const auto* write = parsed.directives.size() == 1 && parsed.directives[0].value &&
                                !parsed.directives[0].glob && parsed.directives[0].reaches
                            ? &parsed.directives[0]
                            : nullptr;
    if (write != nullptr) {
      if (!keys[kaltune::index_of(*write->reaches)]) {
        out.push_back(text);
      }
      continue;
    }
    const ConfLine& first = lexed.front();
    std::string_view name = first.kind == ConfLine::Kind::assignment ? first.key() : first.text;
    name.remove_prefix(std::min(name.find_first_not_of(" \t\v\f\r"), name.size()));
    if (first.kind == ConfLine::Kind::other && (name.empty() || name.front() != '-')) {
      continue;
    }
    if (kaltune::is_glob(name) || name.find("tcp_keepalive") == std::string_view::npos) {
      out.push_back(text);
    }
  }
  return out;
}

void check_remove(const std::string& before, const kaltune::KeySet& keys) {
  const kaltune::EditResult edit = kaltune::remove_keys(before, keys);
  for (auto model : {kaltune::BootModel::systemd, kaltune::BootModel::procps}) {
    if (other_lines(before, model, keys) != other_lines(edit.content, model, keys)) {
      violated(before, "remove_keys: " + model_name(model) +
                           " reads another setting of the file differently afterwards; file "
                           "before: \"" +
                           escaped(before) + "\" after: \"" + escaped(edit.content) + "\"");
    }
    for (const auto& assignment : boot_of(edit.content, model).assignments) {
      if (!edit.kept.empty()) {
        break; // a line that also sets something else stays, noted
      }
      if (keys[kaltune::index_of(assignment.key)] && assignment.written && !assignment.glob) {
        violated(before, "remove_keys: " + model_name(model) + " still writes " +
                             std::string(kaltune::sysctl_name(assignment.key)) + " from line " +
                             std::to_string(assignment.line) + " ('" + escaped(assignment.text) +
                             "'); file before: \"" + escaped(before) + "\" after: \"" +
                             escaped(edit.content) + "\"");
        return;
      }
    }
  }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider input(data, size);
  const auto flags = input.ConsumeIntegral<std::uint8_t>();
  kaltune::KeyValues values{};
  kaltune::KeySet remove{};
  for (kaltune::Key key : kaltune::all_keys) {
    const auto range = kaltune::kernel_range(key);
    const auto value = input.ConsumeIntegralInRange<std::int64_t>(range.min, range.max);
    const auto bit = kaltune::index_of(key);
    if ((flags >> bit) & 1U) {
      values[bit] = value;
    }
    remove[bit] = ((flags >> (bit + 3)) & 1U) != 0;
  }
  const std::string content = input.ConsumeRemainingBytesAsString();
  check_set(content, values);
  check_remove(content, remove);
  return 0;
}
