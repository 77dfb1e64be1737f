#include "render/metrics.hpp"

#include "base/text.hpp"

#include <fmt/format.h>

namespace kaltune {

namespace {
// The length of the UTF-8 sequence at the start of `text`, 0 when it is not one (overlong
// forms, surrogates and code points above U+10FFFF included).
std::size_t utf8_sequence(std::string_view text) {
  return static_cast<unsigned char>(text[0]) < 0x80 ? 1 : utf8_length(text);
}

// HELP text escapes `\` and newline only.
std::string escape_help(std::string_view text) {
  std::string out;
  for (char c : text) {
    out += c == '\\' ? "\\\\" : c == '\n' ? "\\n" : std::string(1, c);
  }
  return out;
}

std::string label_text(const MetricLabels& labels) {
  if (labels.empty()) {
    return "";
  }
  std::string out = "{";
  for (const auto& [name, value] : labels) {
    out += fmt::format("{}{}=\"{}\"", out.size() > 1 ? "," : "", name, escape_label_value(value));
  }
  return out + "}";
}

MetricLabels with_netns(MetricLabels labels, const std::optional<std::string>& netns) {
  if (netns) {
    labels.emplace_back("netns", *netns);
  }
  return labels;
}

MetricFamily gauge(std::string name, std::string help) {
  return MetricFamily{std::move(name), std::move(help), "gauge", {}};
}

std::string key_help(Key key) {
  return fmt::format("{}: {}.", sysctl_name(key), meaning(key));
}

} // namespace

std::string escape_label_value(std::string_view value) {
  std::string out;
  while (!value.empty()) {
    const std::size_t length = utf8_sequence(value);
    if (length == 0) {
      out += "\xEF\xBF\xBD";
      value.remove_prefix(1);
      continue;
    }
    const char c = value.front();
    if (length == 1 && (c == '\\' || c == '"')) {
      out += '\\';
      out += c;
    } else if (length == 1 && c == '\n') {
      out += "\\n";
    } else {
      out.append(value.substr(0, length));
    }
    value.remove_prefix(length);
  }
  return out;
}

std::string render_metrics(const std::vector<MetricFamily>& families) {
  std::string out;
  for (const MetricFamily& family : families) {
    if (family.samples.empty()) {
      continue;
    }
    out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", family.name, escape_help(family.help),
                       family.name, family.type);
    for (const MetricSample& sample : family.samples) {
      out += fmt::format("{}{} {}\n", family.name, label_text(sample.labels), sample.value);
    }
  }
  return out;
}

std::vector<MetricFamily> settings_metrics(const std::vector<SourcedSettings>& sources,
                                           const std::optional<std::string>& netns) {
  std::vector<MetricFamily> families;
  for (Key key : all_keys) {
    families.push_back(gauge(std::string(metric_name(key)), key_help(key)));
  }
  families.push_back(gauge("kaltune_tcp_keepalive_detect_seconds",
                           "Seconds before an idle connection to a dead peer is dropped: time + "
                           "intvl * probes."));
  MetricFamily origins = gauge("kaltune_tcp_keepalive_origin_info",
                               "Where each value comes from (running, kernel default, or the "
                               "file:line that boot applies it from); always 1.");
  for (const SourcedSettings& source : sources) {
    const MetricLabels labels = with_netns({{"source", source.source}}, netns);
    for (Key key : all_keys) {
      families[index_of(key)].samples.push_back({labels, source[key].value});
      origins.samples.push_back({with_netns({{"source", source.source},
                                             {"key", std::string(sysctl_name(key))},
                                             {"origin", source[key].origin}},
                                            netns),
                                 1});
    }
    families[key_count].samples.push_back({labels, detect_seconds(source.settings())});
  }
  families.push_back(std::move(origins));
  return families;
}

std::vector<MetricFamily> value_metrics(const Settings& settings) {
  std::vector<MetricFamily> families = settings_metrics({sourced("", settings, "")}, std::nullopt);
  families.pop_back(); // the origins say nothing here
  for (MetricFamily& family : families) {
    family.samples.front().labels.clear();
  }
  return families;
}

MetricFamily drift_metric(const SourcedSettings& running, const SourcedSettings& boot,
                          const std::optional<std::string>& netns) {
  MetricFamily drift = gauge("kaltune_tcp_keepalive_drift",
                             "1 when the running value differs from the one boot applies "
                             "(lost at the next boot, or set by hand), else 0.");
  for (Key key : all_keys) {
    drift.samples.push_back({with_netns({{"key", std::string(sysctl_name(key))}}, netns),
                             running[key].value != boot[key].value ? 1 : 0});
  }
  return drift;
}

std::vector<MetricFamily> socket_metrics(const SocketSummary& summary, bool enforcements_known,
                                         const std::optional<std::string>& netns) {
  const MetricLabels labels = with_netns({}, netns);
  auto count = [&](std::string name, std::string help, std::size_t value) {
    MetricFamily family = gauge(std::move(name), std::move(help));
    family.samples.push_back({labels, static_cast<std::int64_t>(value)});
    return family;
  };
  std::vector<MetricFamily> families{
      count("kaltune_tcp_connections_established", "Established TCP connections.",
            summary.established),
      count("kaltune_tcp_connections_keepalive",
            "Established connections with a keepalive timer armed (stale ones included).",
            summary.keepalive),
      count("kaltune_tcp_connections_no_keepalive",
            "Established connections without SO_KEEPALIVE: the keepalive sysctls never detect "
            "their dead peer.",
            summary.no_keepalive),
      count("kaltune_tcp_connections_unacked",
            "Established connections with data in flight: tcp_retries2 or TCP_USER_TIMEOUT "
            "decide, not keepalive.",
            summary.unacked),
      count("kaltune_tcp_connections_stale_keepalive",
            "Keepalive timers with more time left than tcp_keepalive_time: armed before the "
            "last change.",
            summary.stale),
  };
  if (enforcements_known) {
    families.push_back(count("kaltune_tcp_connections_enforced",
                             "Established connections under a cgroup kaltune enforce acts on.",
                             summary.enforced));
  }
  return families;
}

std::vector<MetricFamily> check_metrics(const std::vector<Finding>& findings, const Policy& policy,
                                        const std::optional<std::string>& netns) {
  const MetricLabels labels = with_netns({}, netns);
  MetricFamily status = gauge("kaltune_check_status",
                              "kaltune check: 0 OK, 1 WARNING (a value outside the socket API), "
                              "2 CRITICAL (the policy is violated).");
  status.samples.push_back({labels, static_cast<std::int64_t>(worst(findings))});
  MetricFamily counts = gauge("kaltune_check_findings", "kaltune check: findings by severity.");
  for (Severity severity : {Severity::warning, Severity::critical}) {
    std::int64_t n = 0;
    for (const Finding& finding : findings) {
      n += finding.severity == severity ? 1 : 0;
    }
    counts.samples.push_back(
        {with_netns({{"severity", std::string(to_string(severity))}}, netns), n});
  }
  MetricFamily max_detect =
      gauge("kaltune_check_max_detect_seconds", "kaltune check --max-detect: the longest "
                                                "acceptable dead-peer detection.");
  MetricFamily idle_timeout = gauge("kaltune_check_idle_timeout_seconds",
                                    "kaltune check --idle-timeout: the middlebox idle timeout the "
                                    "first probe must beat.");
  if (policy.max_detect) {
    max_detect.samples.push_back({labels, *policy.max_detect});
  }
  if (policy.idle_timeout) {
    idle_timeout.samples.push_back({labels, *policy.idle_timeout});
  }
  return {std::move(status), std::move(counts), std::move(max_detect), std::move(idle_timeout)};
}

std::vector<MetricFamily> enforce_metrics(const std::vector<EnforceListEntry>& rows) {
  using State = EnforceListEntry::State;
  MetricFamily attached = gauge("kaltune_enforce_attached",
                                "kaltune enforce: 1 when kaltune's sock_ops program acts on the "
                                "cgroup, 0 when it is persisted only or its cgroup is gone.");
  MetricFamily persisted = gauge("kaltune_enforce_persisted",
                                 "kaltune enforce: 1 when boot applies it again (--persist).");
  MetricFamily drift = gauge("kaltune_enforce_drift",
                             "kaltune enforce: 1 when what acts now is not what boot applies "
                             "(persisted with other values, or not attached).");
  MetricFamily time = gauge("kaltune_enforce_time_seconds",
                            "kaltune enforce: TCP_KEEPIDLE given to the cgroup's connections.");
  MetricFamily intvl = gauge("kaltune_enforce_intvl_seconds",
                             "kaltune enforce: TCP_KEEPINTVL given to the cgroup's connections.");
  MetricFamily probes =
      gauge("kaltune_enforce_probes", "kaltune enforce: TCP_KEEPCNT given to the connections.");
  MetricFamily user_timeout =
      gauge("kaltune_enforce_user_timeout_seconds",
            "kaltune enforce: TCP_USER_TIMEOUT given to the connections (absent: not set).");
  MetricFamily since = gauge("kaltune_enforce_since_timestamp_seconds",
                             "kaltune enforce: Unix time the values in force were attached.");
  MetricFamily connections{"kaltune_enforce_connections_total",
                           "kaltune enforce: connections established in the cgroup, counted by "
                           "the program: given keepalive, left alone (their program chose its "
                           "own), failed (the kernel refused an option).",
                           "counter",
                           {}};
  for (const EnforceListEntry& row : rows) {
    const MetricLabels labels{{"cgroup", row.cgroup}};
    const bool acts = row.state == State::in_force || row.state == State::differs;
    attached.samples.push_back({labels, acts ? 1 : 0});
    persisted.samples.push_back({labels, row.persisted ? 1 : 0});
    drift.samples.push_back(
        {labels, row.persisted && (row.state == State::differs || !acts) ? 1 : 0});
    if (!row.attached || !row.attached->program) {
      continue;
    }
    const EnforceProgram& program = *row.attached->program;
    if (program.values.set_timings) {
      time.samples.push_back({labels, program.values.time});
      intvl.samples.push_back({labels, program.values.intvl});
      probes.samples.push_back({labels, program.values.probes});
    }
    if (program.values.user_timeout_ms != 0) {
      user_timeout.samples.push_back({labels, program.values.user_timeout_ms / 1000});
    }
    since.samples.push_back({labels, program.since});
    const EnforceCounts& counts = row.attached->counts;
    for (const auto& [outcome, value] :
         {std::pair{"keepalive", counts.set}, std::pair{"left_alone", counts.chosen},
          std::pair{"failed", counts.failed}}) {
      connections.samples.push_back(
          {{{"cgroup", row.cgroup}, {"outcome", outcome}}, static_cast<std::int64_t>(value)});
    }
  }
  // Always one sample, so that "nothing is enforced" is a value an alert can see, not an empty
  // file it cannot tell from a broken timer.
  MetricFamily count = gauge("kaltune_enforce_cgroups",
                             "kaltune enforce: cgroups listed (attached, persisted, or both).");
  count.samples.push_back({{}, static_cast<std::int64_t>(rows.size())});
  return {std::move(count), std::move(attached),   std::move(persisted), std::move(drift),
          std::move(time),  std::move(intvl),      std::move(probes),    std::move(user_timeout),
          std::move(since), std::move(connections)};
}

} // namespace kaltune
