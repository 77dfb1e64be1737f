#include "cli/all_netns.hpp"

#include "core/all_netns.hpp"
#include "core/socket_processes.hpp"
#include "render/changes.hpp"
#include "render/duration.hpp"
#include "render/json.hpp"
#include "render/netns.hpp"
#include "render/policy.hpp"
#include "sys/signals.hpp"
#include "sys/sock_diag.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cerrno>
#include <ostream>

namespace kaltune {

namespace {

using Json = nlohmann::ordered_json;

std::vector<WhereCondition> where_conditions(const GlobalOptions& global) {
  std::vector<WhereCondition> where;
  for (const std::string& text : global.where) {
    auto condition = parse_where(text);
    if (!condition) {
      throw Error(ExitStatus::usage, condition.error());
    }
    where.push_back(*condition);
  }
  return where;
}

// The scan and the seams a survey needs, made once per command.
struct Survey {
  std::vector<WhereCondition> where;
  NetnsScan scan = scan_netns();
  RealNodeFacts facts;

  explicit Survey(const GlobalOptions& global) : where(where_conditions(global)) {}

  SurveyTally run(const std::function<bool(const NetnsEntry&)>& visit) {
    return survey_netns(scan, facts, where, visit);
  }
};

// Every line of `text` after `prefix`.
std::string prefixed(std::string_view text, std::string_view prefix) {
  std::string out;
  while (!text.empty()) {
    const std::size_t end = std::min(text.find('\n'), text.size());
    out += fmt::format("{}{}\n", prefix, text.substr(0, end));
    text.remove_prefix(std::min(end + 1, text.size()));
  }
  return out;
}

// How a namespace is named in one-line messages: its owner, else its name, else its inode.
std::string short_label(const NetnsEntry& entry) {
  const std::string owner = owner_text(entry);
  if (owner != "-") {
    return owner;
  }
  const std::string name = netns_name(entry.found);
  if (name != "-") {
    return name;
  }
  const auto& processes = entry.found.processes;
  return processes.empty()
             ? fmt::format("inode {}", entry.found.id.ino)
             : fmt::format("pid {} ({})", processes.front().pid, processes.front().comm);
}

// Streams {"namespaces": [...], "summary": {...}, "missing": [...]}: each element written as its
// namespace is visited.
template <typename Element>
SurveyTally stream_json(Context& context, Survey& survey, Element element,
                        const std::function<void(Json&, SurveyTally&)>& summary = {}) {
  context.out << netns_json_open();
  bool first = true;
  SurveyTally tally;
  try {
    tally = survey.run([&](const NetnsEntry& entry) {
      context.out << netns_json_element(element(entry), first);
      first = false;
      return true;
    });
  } catch (const std::exception& error) {
    context.out << netns_json_abort(error.what());
    throw;
  }
  Json totals = to_json(tally, survey.scan.host);
  if (summary) {
    summary(totals, tally);
  }
  context.out << netns_json_close(totals, tally.missing);
  return tally;
}

} // namespace

int show_all_netns(Context& context, const std::string& format) {
  if (format == "sysctl") {
    throw Error(ExitStatus::usage, "show --all-netns: --format sysctl describes one namespace; "
                                   "use table, json or prometheus");
  }
  Survey survey(context.global);
  if (format == "json") {
    stream_json(context, survey, [](const NetnsEntry& entry) { return netns_show_json(entry); });
    return 0;
  }
  if (format == "prometheus") {
    // Every series of a metric family must stand together: the samples are kept (a few hundred
    // bytes each), the families written at the end.
    std::vector<NetnsSample> samples;
    const SurveyTally tally = survey.run([&](const NetnsEntry& entry) {
      samples.push_back(prometheus_sample(entry));
      return true;
    });
    context.out << render_netns_prometheus(samples, tally);
    return 0;
  }
  context.out << render_netns_head(context.out_style);
  const SurveyTally tally = survey.run([&](const NetnsEntry& entry) {
    context.out << render_netns_row(entry, context.out_style);
    return true;
  });
  context.out << render_netns_tally(tally, context.out_style);
  return 0;
}

int check_all_netns(Context& context, const Policy& policy, bool nagios) {
  Survey survey(context.global);
  Severity severity = Severity::ok;
  std::size_t critical = 0;
  std::size_t warning = 0;
  std::vector<std::string> violators;
  const auto judge = [&](const NetnsEntry& entry) {
    CheckReport report{entry.values, evaluate(entry.values, policy), policy};
    const Severity own = worst(report.findings);
    severity = std::max(severity, own);
    critical += own == Severity::critical ? 1 : 0;
    warning += own == Severity::warning ? 1 : 0;
    if (own != Severity::ok) {
      violators.push_back(short_label(entry));
    }
    return report;
  };
  const auto finish = [&](const SurveyTally& tally) {
    // A namespace kaltune could not read is not known to be fine.
    if (!tally.missing.empty()) {
      severity = std::max(severity, Severity::warning);
    }
  };
  if (nagios) {
    const SurveyTally tally = survey.run([&](const NetnsEntry& entry) {
      judge(entry);
      return true;
    });
    finish(tally);
    std::string text = violators.empty()
                           ? fmt::format("{} namespaces meet the policy", tally.shown)
                           : fmt::format("{} of {} namespaces violate the policy: {}",
                                         violators.size(), tally.shown, fmt::join(violators, ", "));
    if (!tally.missing.empty()) {
      text +=
          fmt::format("; {} not checked ({})", tally.missing.size(), tally.missing.front().reason);
    }
    std::string status(to_string(severity));
    std::transform(status.begin(), status.end(), status.begin(), ::toupper);
    context.out << fmt::format("KALTUNE {} - {} | namespaces={} critical={} warning={} "
                               "not_checked={}\n",
                               status, text, tally.shown, critical, warning, tally.missing.size());
    return static_cast<int>(severity);
  }
  if (context.global.json) {
    const SurveyTally tally = stream_json(
        context, survey,
        [&](const NetnsEntry& entry) {
          Json element = netns_json(entry);
          element.update(to_json(judge(entry)));
          return element;
        },
        [&](Json& summary, SurveyTally& tally) {
          finish(tally);
          summary["status"] = to_string(severity);
          summary["violating"] = violators.size();
        });
    return severity == Severity::ok ? 0 : static_cast<int>(ExitStatus::different);
  }
  const SurveyTally tally = survey.run([&](const NetnsEntry& entry) {
    const CheckReport report = judge(entry);
    context.out << prefixed(render_check(report, context.out_style),
                            fmt::format("{} {}: ", entry.found.id.ino, short_label(entry)));
    return true;
  });
  finish(tally);
  context.out << render_netns_tally(tally, context.out_style);
  if (!violators.empty()) {
    context.out << fmt::format("{} of {} namespaces violate the policy: {}\n", violators.size(),
                               tally.shown, fmt::join(violators, ", "));
  }
  return severity == Severity::ok ? 0 : static_cast<int>(ExitStatus::different);
}

namespace {

void add(SocketSummary& totals, const SocketSummary& more) {
  totals.listed += more.listed;
  totals.established += more.established;
  totals.keepalive += more.keepalive;
  totals.no_keepalive += more.no_keepalive;
  totals.unacked += more.unacked;
  totals.stale += more.stale;
  totals.overriding += more.overriding;
}

} // namespace

int sockets_all_netns(Context& context, const SocketFilter& filter, bool processes, bool json) {
  Survey survey(context.global);
  SocketSummary totals;
  // Socket inodes are machine-wide: one pass over /proc/*/fd serves every namespace.
  SocketProcesses owners(processes);
  // The dump runs inside each namespace: a netlink socket sees the namespace it was made in.
  const auto summarize = [&](const NetnsEntry& entry) {
    SocketSummary summary;
    dump_tcp_sockets(filter.families, filter.states, [&](const DiagSocket& socket) {
      if (port_matches(filter, socket)) {
        owners.note_listed(socket.inode);
        const SocketOptions* own = owners.options(socket.inode);
        count(summary, socket, classify(socket, entry.values, own), own, entry.values);
      }
    });
    add(totals, summary);
    return summary;
  };
  if (json) {
    stream_json(
        context, survey,
        [&](const NetnsEntry& entry) {
          return netns_sockets_json(entry, summarize(entry), processes);
        },
        [&](Json& summary, const SurveyTally&) {
          summary["sockets"] = to_json(totals, processes);
        });
    return 0;
  }
  context.out << render_netns_sockets_head(context.out_style);
  SurveyTally tally = survey.run([&](const NetnsEntry& entry) {
    context.out << render_netns_sockets_row(entry, summarize(entry), context.out_style);
    return true;
  });
  context.out << render_netns_sockets_totals(totals, context.out_style);
  for (const std::string& line : owners.missing()) {
    tally.missing.push_back({std::nullopt, {}, 0, {}, line, 0});
  }
  context.out << render_netns_tally(tally, context.out_style);
  return 0;
}

namespace {

// One namespace's part of `set --all-netns`.
struct Planned {
  const FoundNetns* netns;
  Json element; // netns_json, before the change
  std::string label;
  Settings before;
  Settings after;
  std::vector<Change> changes;
  bool done = false;
  bool gone = false;
};

std::vector<Change> reversed(const std::vector<Change>& changes) {
  std::vector<Change> out;
  for (const Change& change : changes) {
    out.push_back({change.key, change.to, change.from});
  }
  return out;
}

// Applies every plan or none: after a refusal, the namespaces already changed are put back.
void apply_everywhere(std::vector<Planned>& plans) {
  const DeferSignals defer; // Ctrl-C cannot leave some namespaces changed
  for (Planned& plan : plans) {
    if (plan.changes.empty()) {
      continue;
    }
    try {
      plan.gone =
          !inside_netns(*plan.netns, [&](ProcSys& proc) { apply_changes(proc, plan.changes); });
      plan.done = !plan.gone;
    } catch (const Error& error) {
      std::vector<std::string> restored;
      std::vector<std::string> failed;
      for (Planned& earlier : plans) {
        if (!earlier.done) {
          continue;
        }
        try {
          inside_netns(*earlier.netns,
                       [&](ProcSys& proc) { apply_changes(proc, reversed(earlier.changes)); });
          restored.push_back(earlier.label);
        } catch (const std::exception& restore_error) {
          failed.push_back(fmt::format("{} ({})", earlier.label, restore_error.what()));
        }
      }
      std::string message =
          fmt::format("set --all-netns: namespace {} refused: {}; ", plan.label, error.what());
      message += restored.empty()
                     ? "no other namespace had been changed"
                     : fmt::format("put back {} namespace{} changed before it: {}", restored.size(),
                                   restored.size() == 1 ? "" : "s", fmt::join(restored, ", "));
      if (!failed.empty()) {
        message += fmt::format("; could NOT put back: {}", fmt::join(failed, ", "));
      }
      throw Error(ExitStatus::system, message);
    }
  }
}

} // namespace

int set_all_netns(Context& context, const Request& request, bool dry_run) {
  if (context.global.root != "/") {
    throw Error(ExitStatus::usage, "--root edits configuration only; --all-netns changes running "
                                   "namespaces and does not go with it");
  }
  Survey survey(context.global);
  std::vector<Planned> plans;
  const SurveyTally tally = survey.run([&](const NetnsEntry& entry) {
    const Settings after = merge(entry.values, request);
    plans.push_back({&entry.found, netns_json(entry),
                     fmt::format("{} ({})", entry.found.id.ino, short_label(entry)), entry.values,
                     after, plan_changes(entry.values, after)});
    return true;
  });
  // All or nothing means every namespace: one kaltune cannot enter makes "all" impossible.
  if (!tally.missing.empty()) {
    const bool denied = std::any_of(tally.missing.begin(), tally.missing.end(), [](const auto& m) {
      return m.error_number == EACCES || m.error_number == EPERM;
    });
    throw Error(denied ? ExitStatus::permission : ExitStatus::system,
                fmt::format("set --all-netns: cannot reach {} namespace{} ({}): nothing changed",
                            tally.missing.size(), tally.missing.size() == 1 ? "" : "s",
                            missing_text(tally.missing.front())));
  }
  for (const Warning& warning : assess(merge(kernel_defaults, request))) {
    if (request[index_of(warning.key)]) {
      context.warn(warning.message);
    }
  }
  if (!dry_run) {
    apply_everywhere(plans);
  }
  std::size_t changed = 0;
  for (const Planned& plan : plans) {
    changed += plan.changes.empty() || plan.gone ? 0 : 1;
  }
  if (context.global.json) {
    Json namespaces = Json::array();
    for (Planned& plan : plans) {
      Json element = std::move(plan.element);
      element.update(to_json(ChangeReport{plan.before, plan.after, plan.changes, dry_run}));
      element["gone"] = plan.gone;
      namespaces.push_back(std::move(element));
    }
    Json summary = to_json(tally, survey.scan.host);
    summary[dry_run ? "would_change" : "changed"] = changed;
    Json missing = Json::array();
    context.out << dump_json(Json{{"dry_run", dry_run},
                                  {"namespaces", std::move(namespaces)},
                                  {"summary", std::move(summary)},
                                  {"missing", std::move(missing)}})
                << '\n';
    return 0;
  }
  for (const Planned& plan : plans) {
    context.out << fmt::format("namespace {}{}\n", plan.label,
                               plan.gone ? ": gone before it was changed" : "");
    if (!plan.gone) {
      context.out << prefixed(
          render_changes(ChangeReport{plan.before, plan.after, plan.changes, false},
                         context.out_style),
          "  ");
    }
  }
  context.out << fmt::format("{} {} of {} namespace{}{}\n", dry_run ? "would change" : "changed",
                             changed, plans.size(), plans.size() == 1 ? "" : "s",
                             dry_run ? "; dry run: nothing was written" : "");
  return 0;
}

} // namespace kaltune
