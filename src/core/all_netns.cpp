#include "core/all_netns.hpp"

#include "core/runtime.hpp"
#include "sys/signals.hpp"

#include <fmt/format.h>

#include <array>
#include <cstring>
#include <fnmatch.h>

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
