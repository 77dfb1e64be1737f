#pragma once

// A command run over every network namespace (--all-netns): one driver writes its output in the
// run's format from what the command's view says of each namespace — the table's head, rows and
// tally; one streamed JSON document {"namespaces", "summary", "missing"}; one Prometheus
// exposition whose families hold a series per namespace; or one Nagios line. A command takes
// --all-netns with one view, built on its own core and renderers; the formats are the driver's.

#include "core/all_netns.hpp"
#include "core/policy.hpp"
#include "core/sockets.hpp"
#include "render/format.hpp"
#include "render/metrics.hpp"
#include "render/policy.hpp"
#include "render/style.hpp"

#include <nlohmann/json_fwd.hpp>

#include <functional>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

namespace kaltune {

class NetnsView {
public:
  virtual ~NetnsView() = default;
  // Inside each selected namespace, before its output: the command's own work.
  virtual void visit(const NetnsEntry& entry) = 0;
  // Table or text: before the first namespace, after each visit, after the last (before the
  // tally), and after the tally.
  virtual std::string head(const Style& style);
  virtual std::string row(const NetnsEntry& entry, const Style& style) = 0;
  virtual std::string rows_end(const Style& style);
  virtual std::string tail(const SurveyTally& tally, const Style& style);
  // JSON: the command's members of a namespace's element, beside netns_json's, and of the
  // summary, beside the tally's.
  virtual void element(const NetnsEntry& entry, nlohmann::ordered_json& element) = 0;
  virtual void summary(const SurveyTally& tally, nlohmann::ordered_json& summary);
  // Prometheus: the command's families for one namespace (the driver labels each sample with
  // netns_metric_labels and merges the families by name), and those of the whole run.
  virtual std::vector<MetricFamily> metrics(const NetnsEntry& entry) = 0;
  virtual std::vector<MetricFamily> totals(const SurveyTally& tally);
  // Nagios: the one status line after the last namespace and the plugin's exit code (only views
  // of commands that speak it).
  struct PluginAnswer {
    std::string line;
    PluginStatus status = PluginStatus::unknown;
  };
  virtual PluginAnswer nagios(const SurveyTally& tally);
  // The exit status once every namespace was visited.
  virtual int status(const SurveyTally& tally);
};

// Runs `survey` and writes `view`'s output in `format` to `out`; returns view.status. A failure
// during the survey goes on after the JSON document is closed with it.
int write_over_netns(std::ostream& out, Format format, const Style& style, NetnsView& view,
                     NetnsSurvey& survey);

// show: the running values of each namespace.
class ShowNetnsView final : public NetnsView {
public:
  void visit(const NetnsEntry&) override {}
  std::string head(const Style& style) override;
  std::string row(const NetnsEntry& entry, const Style& style) override;
  void element(const NetnsEntry& entry, nlohmann::ordered_json& element) override;
  std::vector<MetricFamily> metrics(const NetnsEntry& entry) override;
};

// check: each namespace judged against the policy; the worst finding decides, and a namespace
// kaltune could not read is a warning (not known to be fine).
class CheckNetnsView final : public NetnsView {
public:
  explicit CheckNetnsView(std::function<CheckReport(const NetnsEntry&)> judge)
      : judge_(std::move(judge)) {}
  void visit(const NetnsEntry& entry) override;
  std::string row(const NetnsEntry& entry, const Style& style) override;
  std::string tail(const SurveyTally& tally, const Style& style) override;
  void element(const NetnsEntry& entry, nlohmann::ordered_json& element) override;
  void summary(const SurveyTally& tally, nlohmann::ordered_json& summary) override;
  std::vector<MetricFamily> metrics(const NetnsEntry& entry) override;
  PluginAnswer nagios(const SurveyTally& tally) override;
  int status(const SurveyTally& tally) override;

private:
  Severity severity(const SurveyTally& tally) const;
  std::function<CheckReport(const NetnsEntry&)> judge_;
  std::optional<CheckReport> report_; // of the namespace visited last
  Severity worst_ = Severity::ok;
  std::size_t critical_ = 0;
  std::size_t warning_ = 0;
  std::vector<std::string> violators_;
};

// sockets: the coverage counts of each namespace's connections, and the totals.
class SocketsNetnsView final : public NetnsView {
public:
  // `count` dumps and counts the sockets of the namespace kaltune is in; `unseen` says what
  // --processes could not see, once all were counted; `enforcements_known`: the counts of
  // connections under kaltune enforce mean something.
  SocketsNetnsView(std::function<SocketSummary(const NetnsEntry&)> count,
                   std::function<std::vector<std::string>()> unseen, bool processes,
                   bool enforcements_known)
      : count_(std::move(count)), unseen_(std::move(unseen)), processes_(processes),
        enforcements_known_(enforcements_known) {}
  void visit(const NetnsEntry& entry) override;
  std::string head(const Style& style) override;
  std::string row(const NetnsEntry& entry, const Style& style) override;
  std::string rows_end(const Style& style) override;
  std::string tail(const SurveyTally& tally, const Style& style) override;
  void element(const NetnsEntry& entry, nlohmann::ordered_json& element) override;
  void summary(const SurveyTally& tally, nlohmann::ordered_json& summary) override;
  std::vector<MetricFamily> metrics(const NetnsEntry& entry) override;

private:
  std::function<SocketSummary(const NetnsEntry&)> count_;
  std::function<std::vector<std::string>()> unseen_;
  bool processes_;
  bool enforcements_known_;
  SocketSummary summary_; // of the namespace visited last
  SocketSummary totals_;
};

} // namespace kaltune
