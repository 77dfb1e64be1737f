#include "render/verify.hpp"

#include "render/duration.hpp"
#include "render/json.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace kaltune {

namespace {
std::string seconds(std::int64_t ms) {
  return fmt::format("{:.3f} s", ms / 1000.0);
}
std::string signed_seconds(std::int64_t ms) {
  return fmt::format("{:+.3f} s", ms / 1000.0);
}

std::string where(const VerifyReport& report) {
  return report.private_netns ? "in a private network namespace" : "in place (--running)";
}

// The busy half's head: the connection, the bound and the prediction.
std::string busy_head(const VerifyReport& report) {
  const BusyVerify& busy = *report.busy;
  std::string out = fmt::format("verify --busy: tcp_retries2 {}, 1000 bytes in flight to a silent "
                                "peer, measured {}\n",
                                busy.retries2, where(report));
  out += fmt::format("  RTO         {:<10}  TCP_INFO before the write (smoothed RTT {} ms)\n",
                     seconds(busy.rto_us / 1000), fmt::format("{:.3f}", busy.rtt_us / 1000.0));
  out += fmt::format("  bound       {:<10}  after the first retransmission (tcp_model_timeout)\n",
                     seconds(busy.bound_ms));
  out += fmt::format("  first       {:<10}  RTO retransmission after the write (tail loss probe, "
                     "then one RTO){}\n",
                     seconds(busy.first_ms),
                     busy.first_seen_ms ? fmt::format("; seen at {}", seconds(*busy.first_seen_ms))
                                        : "");
  out += fmt::format("  expected    {:<10}  = first + the expiry at or after the bound ({} "
                     "retransmissions, the interval doubling from the RTO)\n",
                     seconds(report.expected_ms), busy.retransmissions);
  if (busy.early_ms) {
    out += fmt::format("  or          {:<10}  one expiry sooner, if the timer's lateness reaches "
                       "the bound there (\u00b1{})\n",
                       seconds(*busy.early_ms), seconds(busy.early_tolerance_ms));
  }
  return out;
}

std::string idle_head(const VerifyReport& report) {
  const Settings& s = report.settings;
  std::string out = fmt::format("verify: time {} s, intvl {} s, probes {}, measured {}\n",
                                s[Key::time], s[Key::intvl], s[Key::probes], where(report));
  out += fmt::format("  expected    {:<10}  = time + intvl \u00d7 probes = {} + {} \u00d7 {}\n",
                     seconds(report.expected_ms), s[Key::time], s[Key::intvl], s[Key::probes]);
  return out;
}
} // namespace

std::string render_verify(const VerifyReport& report, const Style& style) {
  std::string out = report.busy ? busy_head(report) : idle_head(report);
  if (!report.measured_ms) {
    out += fmt::format("  measured    {}\n",
                       style.bad(fmt::format("no ETIMEDOUT within --timeout {}",
                                             seconds_with_human(report.timeout_ms / 1000))));
    return out;
  }
  out += fmt::format("  measured    {:<10}  until the connection failed with ETIMEDOUT\n",
                     seconds(*report.measured_ms));
  const std::int64_t difference = *report.measured_ms - report.expected_ms;
  const bool main = difference >= -report.tolerance_ms && difference <= report.tolerance_ms;
  if (!main && report.within()) {
    // The expiry before the bound: the other outcome the busy prediction allows.
    out += fmt::format("  difference  {:<10}  {}\n",
                       signed_seconds(*report.measured_ms - *report.busy->early_ms),
                       style.good(fmt::format("from the expiry before, within its tolerance of "
                                              "\u00b1{}",
                                              seconds(report.busy->early_tolerance_ms))));
    return out;
  }
  const std::string verdict = main ? style.good(fmt::format("within the tolerance of \u00b1{}",
                                                            seconds(report.tolerance_ms)))
                                   : style.bad(fmt::format("OUTSIDE the tolerance of \u00b1{}",
                                                           seconds(report.tolerance_ms)));
  out += fmt::format("  difference  {:<10}  {}\n", signed_seconds(difference), verdict);
  return out;
}

nlohmann::ordered_json to_json(const VerifyReport& report) {
  nlohmann::ordered_json out;
  // The busy half's private namespace starts at the kernel's defaults and gets the measurement's
  // tcp_retries2; the idle half copies the running keepalive values it was not given and keeps
  // the kernel's tcp_retries2.
  const bool fresh = report.busy && report.private_netns;
  SourcedSettings settings =
      sourced("running", report.settings, fresh ? "private namespace" : "running");
  if (report.private_netns && !report.busy) {
    settings[Key::retries2].origin = "private namespace"; // the idle half leaves it as it starts
  }
  for (Key key : all_keys) {
    if (report.given[index_of(key)]) {
      settings[key].origin = "command line";
    }
  }
  out["half"] = report.busy ? "busy" : "idle";
  out["settings"] = settings_json(settings);
  out["where"] = report.private_netns ? "private_netns" : "in_place";
  out["expected_seconds"] = report.expected_ms / 1000.0;
  out["measured_seconds"] =
      report.measured_ms ? nlohmann::ordered_json(*report.measured_ms / 1000.0) : nullptr;
  out["difference_seconds"] =
      report.measured_ms
          ? nlohmann::ordered_json((*report.measured_ms - report.expected_ms) / 1000.0)
          : nullptr;
  out["tolerance_seconds"] = report.tolerance_ms / 1000.0;
  out["timeout_seconds"] = report.timeout_ms / 1000;
  out["within_tolerance"] = report.within();
  if (report.busy) {
    const BusyVerify& busy = *report.busy;
    nlohmann::ordered_json b;
    b["tcp_retries2"] = busy.retries2;
    b["bound_seconds"] = busy.bound_ms / 1000.0;
    b["rto_seconds"] = busy.rto_us / 1e6;
    b["rtt_seconds"] = busy.rtt_us / 1e6;
    b["first_retransmission_seconds"] = busy.first_ms / 1000.0;
    b["first_retransmission_seen_seconds"] =
        busy.first_seen_ms ? nlohmann::ordered_json(*busy.first_seen_ms / 1000.0) : nullptr;
    b["retransmissions"] = busy.retransmissions;
    b["early_expected_seconds"] =
        busy.early_ms ? nlohmann::ordered_json(*busy.early_ms / 1000.0) : nullptr;
    b["early_tolerance_seconds"] =
        busy.early_ms ? nlohmann::ordered_json(busy.early_tolerance_ms / 1000.0) : nullptr;
    out["busy"] = std::move(b);
  } else {
    out["busy"] = nullptr;
  }
  return out;
}

std::string render_json(const VerifyReport& report) {
  return dump_json(to_json(report)) + "\n";
}

} // namespace kaltune
