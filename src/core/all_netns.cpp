#include "core/all_netns.hpp"

#include "core/runtime.hpp"
#include "sys/signals.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <fnmatch.h>
#include <optional>

namespace kaltune {

namespace {

constexpr std::array<std::pair<std::string_view, WhereField>, 8> where_names{{
    {"runtime", WhereField::runtime},
    {"container", WhereField::container},
    {"pod", WhereField::pod},
    {"pod-namespace", WhereField::pod_namespace},
    {"pod-uid", WhereField::pod_uid},
    {"name", WhereField::name},
    {"owner", WhereField::owner},
    {"differs", WhereField::differs},
}};

// What is wrong with a shell glob as fnmatch(3) reads it (no flags), or nullopt. glibc answers
// "no match" for a pattern it cannot read (`abc\`, `[!]`, `[z-a]`, `[[:colour:]]`) and takes an
// unclosed `[` as itself only sometimes, so a malformed pattern would select nothing without a
// word: it is refused instead.
std::optional<std::string> glob_problem(std::string_view pattern) {
  constexpr std::array<std::string_view, 12> classes{"alnum", "alpha", "blank", "cntrl",
                                                     "digit", "graph", "lower", "print",
                                                     "punct", "space", "upper", "xdigit"};
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i] == '\\') {
      if (++i == pattern.size()) {
        return std::string("it ends in a lone backslash");
      }
      continue;
    }
    if (pattern[i] != '[') {
      continue;
    }
    const std::size_t open = i++;
    if (i < pattern.size() && (pattern[i] == '!' || pattern[i] == '^')) {
      ++i;
    }
    bool first = true;
    int previous = -1; // the last single character, for a range; -1 when none
    for (;; first = false) {
      if (i >= pattern.size()) {
        return fmt::format("the '[' at {} is never closed (a literal '[' is written \\[)",
                           open + 1);
      }
      const char c = pattern[i];
      if (c == ']' && !first) {
        break;
      }
      if (c == '[' && i + 1 < pattern.size() &&
          (pattern[i + 1] == ':' || pattern[i + 1] == '.' || pattern[i + 1] == '=')) {
        const char kind = pattern[i + 1];
        const std::size_t end = pattern.find(std::string{kind, ']'}, i + 2);
        if (end == std::string_view::npos) {
          return fmt::format("the '[{}' at {} is never closed", kind, i + 1);
        }
        const std::string_view name = pattern.substr(i + 2, end - i - 2);
        if (kind == ':' && std::find(classes.begin(), classes.end(), name) == classes.end()) {
          return fmt::format("'[:{}:]' is no character class", name);
        }
        i = end + 2;
        previous = -1;
        continue;
      }
      unsigned char single = static_cast<unsigned char>(c);
      if (c == '\\' && i + 1 < pattern.size()) {
        single = static_cast<unsigned char>(pattern[++i]);
      }
      if (previous >= 0 && single == '-' && i + 1 < pattern.size() && pattern[i + 1] != ']') {
        std::size_t high_at = i + 1;
        if (pattern[high_at] == '\\' && high_at + 1 < pattern.size()) {
          ++high_at;
        }
        const auto high = static_cast<unsigned char>(pattern[high_at]);
        if (high < previous) {
          return fmt::format("the range '{}-{}' is empty", static_cast<char>(previous),
                             static_cast<char>(high));
        }
        i = high_at + 1;
        previous = -1;
        continue;
      }
      previous = single;
      ++i;
    }
  }
  return std::nullopt;
}

bool glob(const std::string& pattern, std::string_view text) {
  return ::fnmatch(pattern.c_str(), std::string(text).c_str(), 0) == 0;
}

bool glob_optional(const std::string& pattern, const std::optional<std::string>& text) {
  return text && glob(pattern, std::string_view(*text));
}

// An `ip netns` name is the file name of its mount under /run/netns; any mount path matches too.
bool name_matches(const std::string& pattern, const FoundNetns& netns) {
  for (const std::string& path : netns.mounts) {
    const std::size_t slash = path.rfind('/');
    if (glob(pattern, std::string_view(path)) ||
        glob(pattern, std::string_view(path).substr(slash + 1))) {
      return true;
    }
  }
  return false;
}

bool holds(const WhereCondition& condition, const NetnsEntry& entry) {
  const Owner& owner = entry.owner;
  switch (condition.field) {
  case WhereField::runtime:
    return owner.runtime && glob(condition.pattern, runtime_name(*owner.runtime));
  case WhereField::container:
    return glob_optional(condition.pattern, owner.container_id);
  case WhereField::pod:
    return glob_optional(condition.pattern, owner.pod_name);
  case WhereField::pod_namespace:
    return glob_optional(condition.pattern, owner.pod_namespace);
  case WhereField::pod_uid:
    return glob_optional(condition.pattern, owner.pod_uid);
  case WhereField::name:
    return name_matches(condition.pattern, entry.found);
  case WhereField::owner:
    if (condition.pattern == "none") {
      return !owner.known() && !entry.is_host();
    }
    if (condition.pattern == "host") {
      return entry.is_host();
    }
    return condition.pattern == "pod" ? owner.pod_uid.has_value() : owner.known();
  case WhereField::differs:
    return entry.differences().empty() == (condition.pattern == "no");
  }
  return false;
}

MissingNetns missing_of(const FoundNetns& netns, const SystemError& error) {
  MissingNetns missing{netns.id, netns.mounts, netns.process_count,
                       {},       error.what(), error.error_number()};
  for (const NetnsProcess& process : netns.processes) {
    missing.pids.push_back(process.pid);
  }
  return missing;
}

} // namespace

std::vector<Key> NetnsEntry::differences() const {
  std::vector<Key> keys;
  if (host && !is_host()) {
    for (Key key : all_keys) {
      if (values[key] != (*host)[key]) {
        keys.push_back(key);
      }
    }
  }
  return keys;
}

std::string_view where_fields_help() {
  return "runtime=containerd|cri-o|docker|podman|systemd-nspawn|lxc, container=ID, pod=NAME, "
         "pod-namespace=NS, pod-uid=UID, name=NETNS-NAME|PATH (shell globs), "
         "owner=host|none|container|pod, differs=yes|no";
}

Result<WhereCondition> parse_where(std::string_view text) {
  const std::size_t equals = text.find('=');
  const std::string_view field = text.substr(0, equals);
  const std::string pattern(equals == std::string_view::npos ? "" : text.substr(equals + 1));
  for (const auto& [name, value] : where_names) {
    if (name != field || pattern.empty()) {
      continue;
    }
    if (value == WhereField::owner && pattern != "host" && pattern != "none" &&
        pattern != "container" && pattern != "pod") {
      break;
    }
    if (value == WhereField::differs && pattern != "yes" && pattern != "no") {
      break;
    }
    if (value != WhereField::owner && value != WhereField::differs) {
      if (auto problem = glob_problem(pattern)) {
        return Result<WhereCondition>::failure(fmt::format(
            "invalid --where '{}': '{}' is not a shell glob: {}", text, pattern, *problem));
      }
    }
    return WhereCondition{value, pattern, std::string(text)};
  }
  return Result<WhereCondition>::failure(
      fmt::format("invalid --where '{}': expected one of {}", text, where_fields_help()));
}

bool matches(const std::vector<WhereCondition>& where, const NetnsEntry& entry) {
  for (const WhereCondition& condition : where) {
    if (!holds(condition, entry)) {
      return false;
    }
  }
  return true;
}

namespace {
SurveyTally survey_netns(const NetnsScan& scan, NodeFacts& facts,
                         const std::vector<WhereCondition>& where,
                         const std::function<bool(const NetnsEntry&)>& visit) {
  SurveyTally tally;
  tally.found = scan.namespaces.size();
  tally.vanished = scan.vanished;
  tally.missing = scan.missing;
  NetnsVisit visitor;
  std::optional<Settings> host;
  for (const FoundNetns& netns : scan.namespaces) {
    if (netns.id != visitor.home()) {
      UniqueFd fd;
      try {
        fd = open_found_netns(netns);
        if (fd.get() < 0) {
          ++tally.vanished; // every process in it exited, every mount went away
          continue;
        }
        visitor.enter(fd.get(), fmt::format("inode {}", netns.id.ino));
      } catch (const SystemError& error) {
        tally.missing.push_back(missing_of(netns, error));
        continue;
      }
    }
    Settings values;
    try {
      RealProcSys proc;
      proc.pin_net();
      values = read_running(proc);
    } catch (const SystemError& error) {
      visitor.leave();
      tally.missing.push_back(missing_of(netns, error));
      continue;
    }
    if (netns.init) {
      host = values;
    }
    const NetnsEntry entry{netns, netns.init ? Owner{} : attribute_owner(netns.cgroups, facts),
                           values, host};
    if (!matches(where, entry)) {
      ++tally.excluded;
      visitor.leave();
      continue;
    }
    ++tally.shown;
    tally.differing += entry.differences().empty() ? 0 : 1;
    const bool go_on = visit(entry);
    visitor.leave();
    if (!go_on) {
      break;
    }
  }
  return tally;
}
} // namespace

bool inside_netns(const FoundNetns& netns, const std::function<void(ProcSys&)>& action) {
  NetnsVisit visitor;
  if (netns.id != visitor.home()) {
    const UniqueFd fd = open_found_netns(netns);
    if (fd.get() < 0) {
      return false;
    }
    visitor.enter(fd.get(), fmt::format("inode {}", netns.id.ino));
  }
  RealProcSys proc;
  proc.pin_net();
  action(proc);
  visitor.leave();
  return true;
}

NetnsSurvey::NetnsSurvey(std::vector<WhereCondition> where)
    : where_(std::move(where)), scan_(scan_netns()) {}

SurveyTally NetnsSurvey::run(const NetnsVisitor& visit) {
  return survey_netns(scan_, facts_, where_, visit);
}

namespace {
std::vector<Change> reversed(const std::vector<Change>& changes) {
  std::vector<Change> out;
  for (const Change& change : changes) {
    out.push_back({change.key, change.to, change.from});
  }
  return out;
}

// Puts back every namespace changed so far; the failure says which could not be.
void put_back(std::vector<NetnsChange>& changes, const NetnsRunner& runner, ApplyFailure& failure) {
  for (std::size_t i = 0; i < changes.size(); ++i) {
    NetnsChange& change = changes[i];
    if (!change.done) {
      continue;
    }
    try {
      runner(change.entry.found,
             [&](ProcSys& proc) { apply_changes(proc, reversed(change.changes)); });
      change.done = false;
      failure.restored.push_back(i);
    } catch (const std::exception& error) {
      failure.not_restored.emplace_back(i, error.what());
    }
  }
}
} // namespace

std::optional<ApplyFailure> apply_everywhere(std::vector<NetnsChange>& changes,
                                             const NetnsRunner& runner) {
  const DeferSignals defer; // Ctrl-C cannot leave some namespaces changed
  for (std::size_t i = 0; i < changes.size(); ++i) {
    NetnsChange& change = changes[i];
    if (change.changes.empty()) {
      continue;
    }
    try {
      change.gone =
          !runner(change.entry.found, [&](ProcSys& proc) { apply_changes(proc, change.changes); });
      change.done = !change.gone;
    } catch (const Error& error) {
      ApplyFailure failure;
      failure.refused = i;
      failure.error = error.what();
      put_back(changes, runner, failure);
      return failure;
    }
  }
  return std::nullopt;
}

} // namespace kaltune
