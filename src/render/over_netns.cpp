#include "render/over_netns.hpp"

#include "base/text.hpp"
#include "render/json.hpp"
#include "render/netns.hpp"
#include "render/policy.hpp"
#include "render/settings.hpp"
#include "render/sockets.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <ostream>

namespace kaltune {

namespace {
using Json = nlohmann::ordered_json;

// A family per name, in the order first seen, holding every namespace's series.
void merge_labelled(std::vector<MetricFamily>& into, std::vector<MetricFamily> families,
                    const MetricLabels& labels) {
  for (MetricFamily& family : families) {
    for (MetricSample& sample : family.samples) {
      sample.labels.insert(sample.labels.begin(), labels.begin(), labels.end());
    }
    auto same = std::find_if(into.begin(), into.end(),
                             [&](const MetricFamily& f) { return f.name == family.name; });
    if (same == into.end()) {
      into.push_back(std::move(family));
    } else {
      std::move(family.samples.begin(), family.samples.end(), std::back_inserter(same->samples));
    }
  }
}

MetricFamily not_shown_metric(const SurveyTally& tally) {
  return MetricFamily{"kaltune_netns_not_shown",
                      "Network namespaces kaltune could not read.",
                      "gauge",
                      {{{}, static_cast<std::int64_t>(tally.missing.size())}}};
}

int write_json(std::ostream& out, NetnsView& view, NetnsSurvey& survey) {
  SurveyTally tally;
  stream_json(out, [&](JsonStream& json) {
    json.begin_array("namespaces");
    tally = survey.run([&](const NetnsEntry& entry) {
      view.visit(entry);
      Json element = netns_json(entry);
      view.element(entry, element);
      json.element_text(dump_json_compact(element));
      return true;
    });
    json.end_array();
    Json summary = to_json(tally, survey.host());
    view.summary(tally, summary);
    json.member("summary", summary);
    Json missing = Json::array();
    for (const MissingNetns& item : tally.missing) {
      missing.push_back(to_json(item));
    }
    json.member("missing", missing);
  });
  return view.status(tally);
}

int write_metrics(std::ostream& out, NetnsView& view, NetnsSurvey& survey) {
  // Every series of a family must stand together: the families are kept (a few samples of a few
  // hundred bytes per namespace) and written at the end.
  std::vector<MetricFamily> families;
  const SurveyTally tally = survey.run([&](const NetnsEntry& entry) {
    view.visit(entry);
    merge_labelled(families, view.metrics(entry), netns_metric_labels(entry));
    return true;
  });
  merge_labelled(families, view.totals(tally), {});
  families.push_back(not_shown_metric(tally));
  out << render_metrics(families);
  return view.status(tally);
}
} // namespace

std::string NetnsView::head(const Style&) {
  return "";
}
std::string NetnsView::rows_end(const Style&) {
  return "";
}
std::string NetnsView::tail(const SurveyTally&, const Style&) {
  return "";
}
void NetnsView::summary(const SurveyTally&, Json&) {}
std::vector<MetricFamily> NetnsView::totals(const SurveyTally&) {
  return {};
}
NetnsView::PluginAnswer NetnsView::nagios(const SurveyTally&) {
  return {};
}
int NetnsView::status(const SurveyTally&) {
  return 0;
}

int write_over_netns(std::ostream& out, Format format, const Style& style, NetnsView& view,
                     NetnsSurvey& survey) {
  if (format == Format::json) {
    return write_json(out, view, survey);
  }
  if (format == Format::prometheus) {
    return write_metrics(out, view, survey);
  }
  if (format == Format::nagios) {
    const SurveyTally tally = survey.run([&](const NetnsEntry& entry) {
      view.visit(entry);
      return true;
    });
    const NetnsView::PluginAnswer answer = view.nagios(tally);
    out << answer.line;
    return static_cast<int>(answer.status);
  }
  out << view.head(style);
  const SurveyTally tally = survey.run([&](const NetnsEntry& entry) {
    view.visit(entry);
    out << view.row(entry, style);
    return true;
  });
  out << view.rows_end(style) << render_netns_tally(tally, style) << view.tail(tally, style);
  return view.status(tally);
}

// show

std::string ShowNetnsView::head(const Style& style) {
  return render_netns_head(style);
}

std::string ShowNetnsView::row(const NetnsEntry& entry, const Style& style) {
  return render_netns_row(entry, style);
}

void ShowNetnsView::element(const NetnsEntry& entry, Json& element) {
  Json show = to_json(ShowReport{sourced("running", entry.values, "running"), std::nullopt, {}});
  element["settings"] = std::move(show["settings"]);
  element["detect_seconds"] = std::move(show["detect_seconds"]);
  element["warnings"] = std::move(show["warnings"]);
}

std::vector<MetricFamily> ShowNetnsView::metrics(const NetnsEntry& entry) {
  std::vector<MetricFamily> families = value_metrics(entry.values);
  families.push_back({"kaltune_netns_differs_from_host",
                      "1 when the namespace's keepalive values differ from the host's (PID 1's "
                      "namespace).",
                      "gauge",
                      {{{}, entry.differences().empty() ? 0 : 1}}});
  return families;
}

// check

void CheckNetnsView::visit(const NetnsEntry& entry) {
  report_ = judge_(entry);
  const Severity own = worst(report_->findings);
  worst_ = std::max(worst_, own);
  critical_ += own == Severity::critical ? 1 : 0;
  warning_ += own == Severity::warning ? 1 : 0;
  if (own != Severity::ok) {
    violators_.push_back(netns_label(entry));
  }
}

Severity CheckNetnsView::severity(const SurveyTally& tally) const {
  // A namespace kaltune could not read is not known to be fine.
  return tally.missing.empty() ? worst_ : std::max(worst_, Severity::warning);
}

std::string CheckNetnsView::row(const NetnsEntry& entry, const Style& style) {
  return prefix_lines(render_check(*report_, style),
                      fmt::format("{} {}: ", entry.found.id.ino, printable(netns_label(entry))));
}

std::string CheckNetnsView::tail(const SurveyTally& tally, const Style&) {
  if (violators_.empty()) {
    return "";
  }
  return printable(fmt::format("{} of {} namespaces violate the policy: {}", violators_.size(),
                               tally.shown, fmt::join(violators_, ", "))) +
         "\n";
}

void CheckNetnsView::element(const NetnsEntry&, Json& element) {
  element.update(to_json(*report_));
}

void CheckNetnsView::summary(const SurveyTally& tally, Json& summary) {
  summary["status"] = to_string(severity(tally));
  summary["violating"] = violators_.size();
}

std::vector<MetricFamily> CheckNetnsView::metrics(const NetnsEntry&) {
  return check_metrics(report_->findings, report_->policy, std::nullopt);
}

NetnsView::PluginAnswer CheckNetnsView::nagios(const SurveyTally& tally) {
  std::string text = violators_.empty()
                         ? fmt::format("{} namespaces meet the policy", tally.shown)
                         : fmt::format("{} of {} namespaces violate the policy: {}",
                                       violators_.size(), tally.shown, fmt::join(violators_, ", "));
  if (!tally.missing.empty()) {
    text +=
        fmt::format("; {} not checked ({})", tally.missing.size(), tally.missing.front().reason);
  }
  const PluginStatus status = plugin_status(severity(tally));
  return {nagios_line(status, text,
                      fmt::format("namespaces={} critical={} warning={} not_checked={}",
                                  tally.shown, critical_, warning_, tally.missing.size())),
          status};
}

int CheckNetnsView::status(const SurveyTally& tally) {
  const Severity severity = this->severity(tally);
  return severity == Severity::ok ? 0 : static_cast<int>(ExitStatus::different);
}

// sockets

void SocketsNetnsView::visit(const NetnsEntry& entry) {
  summary_ = count_(entry);
  add(totals_, summary_);
}

std::string SocketsNetnsView::head(const Style& style) {
  return render_netns_sockets_head(style);
}

std::string SocketsNetnsView::row(const NetnsEntry& entry, const Style& style) {
  return render_netns_sockets_row(entry, summary_, style);
}

std::string SocketsNetnsView::rows_end(const Style& style) {
  return render_netns_sockets_totals(totals_, style);
}

std::string SocketsNetnsView::tail(const SurveyTally&, const Style& style) {
  std::string out;
  for (const std::string& line : unseen_()) {
    out += style.warn("not shown: ") + printable(line) + "\n";
  }
  return out;
}

void SocketsNetnsView::element(const NetnsEntry& entry, Json& element) {
  element["summary"] = to_json(summary_, entry.values, processes_, enforcements_known_);
}

void SocketsNetnsView::summary(const SurveyTally&, Json& summary) {
  summary["sockets"] = to_json(totals_, processes_, enforcements_known_);
  Json unseen = unseen_();
  summary["not_seen"] = std::move(unseen);
}

std::vector<MetricFamily> SocketsNetnsView::metrics(const NetnsEntry&) {
  return socket_metrics(summary_, enforcements_known_, std::nullopt);
}

} // namespace kaltune
