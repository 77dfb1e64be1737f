#include "render/netns.hpp"

#include "base/source.hpp"
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

std::string plural(std::size_t n, std::string_view word) {
  return fmt::format("{} {}{}", n, word, n == 1 ? "" : "s");
}

} // namespace

std::string owner_text(const NetnsEntry& entry) {
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
  return "-";
}

std::string netns_name(const FoundNetns& netns) {
  constexpr std::string_view run_netns = "/run/netns/";
  for (const std::string& path : netns.mounts) {
    if (path.compare(0, run_netns.size(), run_netns) == 0) {
      return path.substr(run_netns.size());
    }
  }
  return netns.mounts.empty() ? "-" : netns.mounts.front();
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

Json netns_show_json(const NetnsEntry& entry) {
  Json out = netns_json(entry);
  Json show =
      to_json(ShowReport{sourced("running", entry.values, "running"), std::nullopt, std::nullopt});
  out["settings"] = std::move(show["settings"]);
  out["detect_seconds"] = std::move(show["detect_seconds"]);
  out["warnings"] = std::move(show["warnings"]);
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
  return fmt::format("{} {}: {}", what, fmt::join(parts, "; "), missing.reason);
}

std::string netns_json_open() {
  return "{\n  \"namespaces\": [";
}

std::string netns_json_element(const Json& element, bool first) {
  return fmt::format("{}\n    {}", first ? "" : ",", dump_json_compact(element));
}

std::string netns_json_close(const Json& summary, const std::vector<MissingNetns>& missing) {
  Json list = Json::array();
  for (const MissingNetns& item : missing) {
    list.push_back(to_json(item));
  }
  return fmt::format("\n  ],\n  \"summary\": {},\n  \"missing\": {}\n}}\n",
                     dump_json_compact(summary), dump_json_compact(list));
}

std::string netns_json_abort(std::string_view error) {
  return fmt::format("\n  ],\n  \"error\": {}\n}}\n", dump_json_compact(Json(std::string(error))));
}

std::string render_netns_head(const Style& style) {
  return style.bold(fmt::format("{:<12} {:<16} {:<28} {:>6} {:>6} {:>6} {:>6}  {:<18} {}", "NETNS",
                                "NAME", "OWNER", "PROCS", "TIME", "INTVL", "PROBES", "DETECT",
                                "DIFFERS FROM HOST")) +
         "\n";
}

std::string render_netns_row(const NetnsEntry& entry, const Style& style) {
  const std::string differs = differences_text(entry);
  const bool bad = !entry.differences().empty();
  return fmt::format("{:<12} {:<16} {:<28} {:>6} {:>6} {:>6} {:>6}  {:<18} {}\n",
                     entry.found.id.ino, netns_name(entry.found), owner_text(entry),
                     entry.found.process_count, entry.values[Key::time], entry.values[Key::intvl],
                     entry.values[Key::probes], seconds_with_human(detect_seconds(entry.values)),
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
      netns_name(entry.found), owner_text(entry), summary.established, summary.keepalive,
      summary.no_keepalive > 0 ? style.warn(uncovered) : uncovered, summary.unacked, summary.stale);
}

std::string render_netns_sockets_totals(const SocketSummary& totals, const Style& style) {
  return style.bold(fmt::format("{:<58} {:>6} {:>9} {:>12} {:>7} {:>5}", "total",
                                totals.established, totals.keepalive, totals.no_keepalive,
                                totals.unacked, totals.stale)) +
         "\n";
}

Json netns_sockets_json(const NetnsEntry& entry, const SocketSummary& summary, bool processes) {
  Json out = netns_json(entry);
  out["summary"] = to_json(summary, entry.values, processes);
  return out;
}

Json to_json(const SocketSummary& totals, bool processes) {
  Json out = to_json(totals, kernel_defaults, processes);
  out.erase("settings");
  out.erase("detect_seconds");
  return out;
}

NetnsSample prometheus_sample(const NetnsEntry& entry) {
  const Owner& owner = entry.owner;
  const std::string name = netns_name(entry.found);
  const auto label = [](const std::optional<std::string>& value) {
    return escape_label_value(value.value_or(""));
  };
  NetnsSample sample;
  sample.labels = fmt::format(
      "netns_inode=\"{}\",netns=\"{}\",host=\"{}\",runtime=\"{}\",container=\"{}\",pod=\"{}\","
      "pod_namespace=\"{}\"",
      entry.found.id.ino, escape_label_value(name == "-" ? "" : name),
      entry.is_host() ? "true" : "false",
      owner.runtime ? runtime_name(*owner.runtime) : std::string_view(), label(owner.container_id),
      label(owner.pod_name), label(owner.pod_namespace));
  sample.values = entry.values;
  sample.differs = !entry.differences().empty();
  return sample;
}

std::string render_netns_prometheus(const std::vector<NetnsSample>& samples,
                                    const SurveyTally& tally) {
  std::string out;
  const auto family = [&](std::string_view name, std::string_view help, auto value_of) {
    out += fmt::format("# HELP {} {}\n# TYPE {} gauge\n", name, help, name);
    for (const NetnsSample& sample : samples) {
      out += fmt::format("{}{{{}}} {}\n", name, sample.labels, value_of(sample));
    }
  };
  family("kaltune_tcp_keepalive_time_seconds",
         "net.ipv4.tcp_keepalive_time: idle time before the first keepalive probe.",
         [](const NetnsSample& s) { return s.values[Key::time]; });
  family("kaltune_tcp_keepalive_intvl_seconds",
         "net.ipv4.tcp_keepalive_intvl: time between unanswered probes.",
         [](const NetnsSample& s) { return s.values[Key::intvl]; });
  family("kaltune_tcp_keepalive_probes",
         "net.ipv4.tcp_keepalive_probes: unanswered probes before the peer is declared dead.",
         [](const NetnsSample& s) { return s.values[Key::probes]; });
  family("kaltune_tcp_keepalive_detect_seconds",
         "Seconds before an idle connection to a dead peer is dropped: time + intvl * probes.",
         [](const NetnsSample& s) { return detect_seconds(s.values); });
  family("kaltune_netns_differs_from_host",
         "1 when the namespace's keepalive values differ from the host's (PID 1's namespace).",
         [](const NetnsSample& s) { return s.differs ? 1 : 0; });
  out += fmt::format("# HELP kaltune_netns_not_shown Network namespaces kaltune could not read.\n"
                     "# TYPE kaltune_netns_not_shown gauge\nkaltune_netns_not_shown {}\n",
                     tally.missing.size());
  return out;
}

} // namespace kaltune
