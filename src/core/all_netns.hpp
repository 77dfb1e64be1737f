#pragma once

// `--all-netns`: every network namespace of the scan visited in turn, with its owner, its values
// and how they differ from the host's (PID 1's namespace); `--where` narrows the set.

#include "base/error.hpp"
#include "base/keepalive.hpp"
#include "core/netns_owner.hpp"
#include "core/runtime.hpp"
#include "sys/netns_scan.hpp"
#include "sys/node_facts.hpp"
#include "sys/procsys.hpp"

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kaltune {

// One namespace as a command sees it, while kaltune is inside it.
struct NetnsEntry {
  const FoundNetns& found;
  Owner owner;
  Settings values;
  std::optional<Settings> host; // the host's values; nullopt when PID 1's namespace is unknown

  bool is_host() const { return found.init; }
  // The keys whose value differs from the host's (empty for the host or when it is unknown).
  std::vector<Key> differences() const;
};

// One `--where FIELD=PATTERN` condition; every condition must hold. PATTERN is a shell glob
// (fnmatch), matched against the field's text; a field that is null never matches except
// `owner=none`.
enum class WhereField { runtime, container, pod, pod_namespace, pod_uid, name, owner, differs };
struct WhereCondition {
  WhereField field;
  std::string pattern;
  std::string text; // as given, for messages
};

// The fields, for --help, the man page and the error message.
std::string_view where_fields_help();
// Pure: parses "runtime=containerd", "differs=yes", "owner=none|pod|container", … Fails with a
// message naming the condition and what is accepted.
Result<WhereCondition> parse_where(std::string_view text);
// Pure.
bool matches(const std::vector<WhereCondition>& where, const NetnsEntry& entry);

// What a visit of all namespaces saw besides the namespaces it showed.
struct SurveyTally {
  std::size_t found = 0;    // namespaces the scan found (shown, filtered out, missing, vanished)
  std::size_t shown = 0;    // visited and selected
  std::size_t excluded = 0; // not selected by --where
  std::size_t differing = 0;
  std::size_t vanished = 0; // processes and namespaces gone during the scan or the visit
  std::vector<MissingNetns> missing;
};

// Runs `action` inside the namespace `netns` (re-opened by its identity) with that namespace's
// /proc/sys; false when it is gone.
bool inside_netns(const FoundNetns& netns, const std::function<void(ProcSys&)>& action);

using NetnsVisitor = std::function<bool(const NetnsEntry&)>;

// The scan of every namespace and the seams a visit needs, made once per command: `run` visits
// them as survey_netns does (a survey may run once).
class NetnsSurvey {
public:
  explicit NetnsSurvey(std::vector<WhereCondition> where);
  SurveyTally run(const NetnsVisitor& visit);
  // PID 1's namespace, when the scan could read it.
  const std::optional<NetnsId>& host() const { return scan_.host; }

private:
  std::vector<WhereCondition> where_;
  NetnsScan scan_;
  RealNodeFacts facts_;
};

// One namespace's part of `set --all-netns`: its values before, after, and the writes between.
struct NetnsChange {
  NetnsEntry entry; // as the survey saw it; `entry.values` are the values before
  Settings after;
  std::vector<Change> changes;
  bool done = false; // changed by apply_everywhere
  bool gone = false; // gone before it could be changed
};

// How a change reaches a namespace: runs the action inside it with its /proc/sys and returns
// false when the namespace is gone. The real one is inside_netns; tests fail a chosen one.
using NetnsRunner =
    std::function<bool(const FoundNetns& netns, const std::function<void(ProcSys&)>& action)>;

// What went wrong when a namespace refused its change, as data: which one (an index into the
// changes), its error, and what became of the namespaces changed before it.
struct ApplyFailure {
  std::size_t refused = 0;
  std::string error;
  std::vector<std::size_t> restored;
  std::vector<std::pair<std::size_t, std::string>> not_restored; // index, why
};

// Applies every change or none, in order, with termination signals held back: after a refusal
// the namespaces already changed are put back (their own changes reversed) and the failure is
// returned; nullopt when every namespace took its change (or was gone).
std::optional<ApplyFailure> apply_everywhere(std::vector<NetnsChange>& changes,
                                             const NetnsRunner& runner);

} // namespace kaltune
