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
} // namespace

std::string render_verify(const VerifyReport& report, const Style& style) {
  const Settings& s = report.settings;
  std::string out =
      fmt::format("verify: time {} s, intvl {} s, probes {}, measured {}\n", s[Key::time],
                  s[Key::intvl], s[Key::probes],
                  report.private_netns ? "in a private network namespace" : "in place (--running)");
  out += fmt::format("  expected    {:<10}  = time + intvl \u00d7 probes = {} + {} \u00d7 {}\n",
                     seconds(report.expected_ms), s[Key::time], s[Key::intvl], s[Key::probes]);
  if (!report.measured_ms) {
    out += fmt::format("  measured    {}\n",
                       style.bad(fmt::format("no ETIMEDOUT within --timeout {}",
                                             seconds_with_human(report.timeout_ms / 1000))));
    return out;
  }
  out += fmt::format("  measured    {:<10}  until the connection failed with ETIMEDOUT\n",
                     seconds(*report.measured_ms));
  const std::string verdict = report.within()
                                  ? style.good(fmt::format("within the tolerance of \u00b1{}",
                                                           seconds(report.tolerance_ms)))
                                  : style.bad(fmt::format("OUTSIDE the tolerance of \u00b1{}",
                                                          seconds(report.tolerance_ms)));
  out += fmt::format("  difference  {:<10}  {}\n",
                     signed_seconds(*report.measured_ms - report.expected_ms), verdict);
  return out;
}

nlohmann::ordered_json to_json(const VerifyReport& report) {
  nlohmann::ordered_json out;
  SourcedSettings settings = sourced("running", report.settings, "running");
  for (Key key : all_keys) {
    if (report.given[index_of(key)]) {
      settings[key].origin = "command line";
    }
  }
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
  return out;
}

std::string render_json(const VerifyReport& report) {
  return dump_json(to_json(report)) + "\n";
}

} // namespace kaltune
