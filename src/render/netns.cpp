#include "render/netns.hpp"

#include "base/source.hpp"
#include "base/text.hpp"
#include "render/changes.hpp"
#include "render/duration.hpp"
#include "render/json.hpp"
#include "render/metrics.hpp"
#include "render/settings.hpp"
#include "render/sockets.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace kaltune {

namespace {

using Json = nlohmann::ordered_json;

Json optional_json(const std::optional<std::string>& value) {
  return value ? Json(*value) : Json(nullptr);
}

std::string short_id(const std::string& id) {
  return id.size() == 64 ? id.substr(0, 12) : id;
}

std::string differences_text(const NetnsEntry& entry) {
  if (entry.is_host()) {
    return "(host)";
  }
  if (!entry.host) {
    return "?";
  }
  std::string out;
  for (Key key : entry.differences()) {
    out += (out.empty() ? "" : ",") + std::string(short_name(key));
  }
  return out.empty() ? "-" : out;
}

// "1 namespace", "2 namespaces", "3 processes".
std::string plural(std::size_t n, std::string_view word) {
  const std::string_view ending = word.ends_with('s') ? "es" : "s";
  return fmt::format("{} {}{}", n, word, n == 1 ? "" : ending);
}

} // namespace

std::optional<std::string> owner_label(const NetnsEntry& entry) {
  const Owner& owner = entry.owner;
  if (entry.is_host()) {
    return "host";
  }
  if (owner.pod_name) {
    return owner.pod_namespace ? fmt::format("pod {}/{}", *owner.pod_namespace, *owner.pod_name)
                               : fmt::format("pod {}", *owner.pod_name);
  }
  if (owner.pod_uid) {
    return fmt::format("pod uid {}", *owner.pod_uid);
  }
  if (owner.container_id) {
    return fmt::format("{} {}", owner.runtime ? runtime_name(*owner.runtime) : "container",
                       short_id(*owner.container_id));
  }
  return std::nullopt;
}

std::optional<std::string> netns_name(const FoundNetns& netns) {
  constexpr std::string_view run_netns = "/run/netns/";
  for (const std::string& path : netns.mounts) {
    if (path.compare(0, run_netns.size(), run_netns) == 0) {
      return path.substr(run_netns.size());
    }
  }
  if (netns.mounts.empty()) {
    return std::nullopt;
  }
  return netns.mounts.front();
}

std::string netns_label(const NetnsEntry& entry) {
  if (auto owner = owner_label(entry)) {
    return *owner;
  }
  if (auto name = netns_name(entry.found)) {
    return *name;
  }
  const auto& processes = entry.found.processes;
  return processes.empty()
             ? fmt::format("inode {}", entry.found.id.ino)
             : fmt::format("pid {} ({})", processes.front().pid, processes.front().comm);
}

MetricLabels netns_metric_labels(const NetnsEntry& entry) {
  const Owner& owner = entry.owner;
  return {{"netns_inode", std::to_string(entry.found.id.ino)},
          {"netns", netns_name(entry.found).value_or("")},
          {"host", entry.is_host() ? "true" : "false"},
          {"runtime", owner.runtime ? std::string(runtime_name(*owner.runtime)) : ""},
          {"container", owner.container_id.value_or("")},
          {"pod", owner.pod_name.value_or("")},
          {"pod_namespace", owner.pod_namespace.value_or("")}};
}

Json netns_json(const NetnsEntry& entry) {
  const FoundNetns& found = entry.found;
  Json out;
  out["inode"] = found.id.ino;
  out["host"] = entry.is_host();
  out["self"] = found.self;
  out["names"] = found.mounts;
  Json sample = Json::array();
  for (const NetnsProcess& process : found.processes) {
    sample.push_back({{"pid", process.pid}, {"comm", process.comm}});
  }
  out["processes"] = {{"count", found.process_count}, {"sample", std::move(sample)}};
  const Owner& owner = entry.owner;
  Json pod = nullptr;
  if (owner.pod_uid) {
    pod = {{"uid", *owner.pod_uid},
           {"name", optional_json(owner.pod_name)},
           {"namespace", optional_json(owner.pod_namespace)},
           {"name_from", optional_json(owner.pod_source)}};
  }
  out["owner"] = {{"runtime", owner.runtime ? Json(runtime_name(*owner.runtime)) : Json(nullptr)},
                  {"container_id", optional_json(owner.container_id)},
                  {"pod", std::move(pod)}};
  if (entry.host || entry.is_host()) {
    Json keys = Json::array();
    for (Key key : entry.differences()) {
      keys.push_back(sysctl_name(key));
    }
    out["differs_from_host"] = std::move(keys);
  } else {
    out["differs_from_host"] = nullptr;
  }
  return out;
}

Json to_json(const MissingNetns& missing) {
  return {{"inode", missing.id ? Json(missing.id->ino) : Json(nullptr)},
          {"names", missing.mounts},
          {"processes", missing.process_count},
          {"pids", missing.pids},
          {"reason", missing.reason}};
}

Json to_json(const SurveyTally& tally, const std::optional<NetnsId>& host) {
  return {{"found", tally.found},
          {"shown", tally.shown},
          {"differ_from_host", tally.differing},
          {"excluded", tally.excluded},
          {"missing", tally.missing.size()},
          {"vanished", tally.vanished},
          {"host_inode", host ? Json(host->ino) : Json(nullptr)}};
}

std::string missing_text(const MissingNetns& missing) {
  std::vector<std::string> parts;
  if (!missing.mounts.empty()) {
    parts.push_back(fmt::format("{}", fmt::join(missing.mounts, ", ")));
  }
  if (missing.process_count > 0) {
    parts.push_back(fmt::format("{} (pid {}{})", plural(missing.process_count, "process"),
                                fmt::join(missing.pids, ", "),
                                missing.pids.size() < missing.process_count ? ", …" : ""));
  }
  const std::string what = missing.id
                               ? fmt::format("namespace {}", missing.id->ino)
                               : (missing.process_count > 0 ? "the namespaces of" : "namespace");
  return printable(fmt::format("{} {}: {}", what, fmt::join(parts, "; "), missing.reason));
}

std::string render_netns_head(const Style& style) {
  return style.bold(fmt::format("{:<12} {:<16} {:<28} {:>6} {:>6} {:>6} {:>6} {:>8}  {:<18} {}",
                                "NETNS", "NAME", "OWNER", "PROCS", "TIME", "INTVL", "PROBES",
                                "RETRIES2", "DETECT", "DIFFERS FROM HOST")) +
         "\n";
}

std::string render_netns_row(const NetnsEntry& entry, const Style& style) {
  const std::string differs = differences_text(entry);
  const bool bad = !entry.differences().empty();
  return fmt::format("{:<12} {:<16} {:<28} {:>6} {:>6} {:>6} {:>6} {:>8}  {:<18} {}\n",
                     entry.found.id.ino, printable(netns_name(entry.found).value_or("-")),
                     printable(owner_label(entry).value_or("-")), entry.found.process_count,
                     entry.values[Key::time], entry.values[Key::intvl], entry.values[Key::probes],
                     entry.values[Key::retries2], seconds_with_human(detect_seconds(entry.values)),
                     bad ? style.warn(differs) : differs);
}

std::string render_netns_tally(const SurveyTally& tally, const Style& style) {
  std::string out =
      fmt::format("\n{} shown of {} found", plural(tally.shown, "namespace"), tally.found);
  out += fmt::format("; {} {} from the host", tally.differing,
                     tally.differing == 1 ? "differs" : "differ");
  if (tally.excluded > 0) {
    out += fmt::format("; {} left out by --where", tally.excluded);
  }
  if (tally.vanished > 0) {
    out += fmt::format("; {} gone during the scan", tally.vanished);
  }
  out += ".\n";
  if (!tally.missing.empty()) {
    out += style.warn(fmt::format("Not shown ({}):", tally.missing.size())) + "\n";
    for (const MissingNetns& missing : tally.missing) {
      out += "  " + missing_text(missing) + "\n";
    }
  }
  return out;
}

std::string render_netns_sockets_head(const Style& style) {
  return style.bold(fmt::format("{:<12} {:<16} {:<28} {:>6} {:>9} {:>12} {:>7} {:>5}", "NETNS",
                                "NAME", "OWNER", "ESTAB", "KEEPALIVE", "NO_KEEPALIVE", "UNACKED",
                                "STALE")) +
         "\n";
}

std::string render_netns_sockets_row(const NetnsEntry& entry, const SocketSummary& summary,
                                     const Style& style) {
  const std::string uncovered = fmt::format("{:>12}", summary.no_keepalive);
  return fmt::format(
      "{:<12} {:<16} {:<28} {:>6} {:>9} {} {:>7} {:>5}\n", entry.found.id.ino,
      printable(netns_name(entry.found).value_or("-")), printable(owner_label(entry).value_or("-")),
      summary.established, summary.keepalive,
      summary.no_keepalive > 0 ? style.warn(uncovered) : uncovered, summary.unacked, summary.stale);
}

std::string render_netns_sockets_totals(const SocketSummary& totals, const Style& style) {
  return style.bold(fmt::format("{:<58} {:>6} {:>9} {:>12} {:>7} {:>5}", "total",
                                totals.established, totals.keepalive, totals.no_keepalive,
                                totals.unacked, totals.stale)) +
         "\n";
}

Json to_json(const SocketSummary& totals, bool processes, bool enforcements_known) {
  Json out = to_json(totals, kernel_defaults, processes, enforcements_known);
  out.erase("settings");
  out.erase("detect_seconds");
  return out;
}

namespace {
std::string change_label(const NetnsChange& change) {
  return fmt::format("{} ({})", change.entry.found.id.ino, netns_label(change.entry));
}

std::size_t changed_count(const std::vector<NetnsChange>& changes) {
  std::size_t changed = 0;
  for (const NetnsChange& change : changes) {
    changed += change.changes.empty() || change.gone ? 0 : 1;
  }
  return changed;
}
} // namespace

std::string render_netns_changes(const std::vector<NetnsChange>& changes, bool dry_run,
                                 const Style& style) {
  std::string out;
  for (const NetnsChange& change : changes) {
    out += fmt::format("namespace {}{}\n", printable(change_label(change)),
                       change.gone ? ": gone before it was changed" : "");
    if (!change.gone) {
      out += prefix_lines(
          render_changes(ChangeReport{change.entry.values, change.after, change.changes, false},
                         style),
          "  ");
    }
  }
  out += fmt::format("{} {} of {}{}\n", dry_run ? "would change" : "changed",
                     changed_count(changes), plural(changes.size(), "namespace"),
                     dry_run ? "; dry run: nothing was written" : "");
  return out;
}

std::string render_json(const std::vector<NetnsChange>& changes, const SurveyTally& tally,
                        const std::optional<NetnsId>& host, bool dry_run) {
  Json namespaces = Json::array();
  for (const NetnsChange& change : changes) {
    Json element = netns_json(change.entry);
    element.update(
        to_json(ChangeReport{change.entry.values, change.after, change.changes, dry_run}));
    element["gone"] = change.gone;
    namespaces.push_back(std::move(element));
  }
  Json summary = to_json(tally, host);
  summary[dry_run ? "would_change" : "changed"] = changed_count(changes);
  return dump_json(Json{{"dry_run", dry_run},
                        {"namespaces", std::move(namespaces)},
                        {"summary", std::move(summary)},
                        {"missing", Json::array()}}) +
         "\n";
}

std::string describe_failure(const ApplyFailure& failure, const std::vector<NetnsChange>& changes) {
  std::string message = fmt::format("set --all-netns: namespace {} refused: {}",
                                    change_label(changes[failure.refused]), failure.error);
  if (failure.restored.empty() && failure.not_restored.empty()) {
    return message + "; no other namespace had been changed";
  }
  if (!failure.restored.empty()) {
    std::vector<std::string> labels;
    for (std::size_t index : failure.restored) {
      labels.push_back(change_label(changes[index]));
    }
    message += fmt::format("; put back {} changed before it: {}",
                           plural(labels.size(), "namespace"), fmt::join(labels, ", "));
  }
  if (!failure.not_restored.empty()) {
    std::vector<std::string> labels;
    for (const auto& [index, why] : failure.not_restored) {
      labels.push_back(fmt::format("{} ({})", change_label(changes[index]), why));
    }
    message += fmt::format("; could NOT put back {} changed before it (still holding the new "
                           "values): {}",
                           plural(labels.size(), "namespace"), fmt::join(labels, ", "));
  }
  return message;
}

std::string describe_unreachable(const SurveyTally& tally) {
  return fmt::format("set --all-netns: cannot reach {} ({}): nothing changed",
                     plural(tally.missing.size(), "namespace"),
                     missing_text(tally.missing.front()));
}

} // namespace kaltune
