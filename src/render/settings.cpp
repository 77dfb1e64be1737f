#include "render/settings.hpp"

#include "base/text.hpp"
#include "render/duration.hpp"
#include "render/json.hpp"
#include "render/plan_text.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace kaltune {

BusyRange busy_half(const Settings& settings, BusyInputs busy) {
  busy.retries2 = settings[Key::retries2];
  return busy_range(retries2_limit(busy), busy);
}

std::string render_table(const ShowReport& report, const Style& style) {
  std::string out;
  out += fmt::format("{} values", report.settings.source);
  if (report.netns) {
    out += fmt::format(" of network namespace {}", *report.netns);
  }
  out += ":\n";
  const Settings settings = report.settings.settings();
  bool origins = false;
  for (Key key : all_keys) {
    origins = origins || report.settings[key].origin != report.settings.source;
  }
  out += style.bold(fmt::format("  {:<30} {:<18} {}", "KEY", "VALUE", "MEANING"));
  out += origins ? style.bold("  ORIGIN") : "";
  out += "\n";
  std::size_t meaning_width = 0;
  for (Key key : all_keys) {
    meaning_width = std::max(meaning_width, meaning(key).size());
  }
  for (Key key : all_keys) {
    out += fmt::format("  {:<30} {:<18} {:<{}}", sysctl_name(key), value_text(key, settings[key]),
                       meaning(key), meaning_width);
    if (origins) {
      out += fmt::format("  {}", printable(report.settings[key].origin));
    }
    out.resize(trim_end(out, " ").size());
    out += "\n";
  }
  out += fmt::format(
      "\nIdle: a dead peer is detected after {} = time + intvl \u00d7 probes = {} + {} \u00d7 {}, "
      "on sockets with SO_KEEPALIVE that do not override it (TCP_KEEPIDLE, TCP_KEEPINTVL, "
      "TCP_KEEPCNT)\n",
      style.bold(seconds_with_human(detect_seconds(settings))), settings[Key::time],
      settings[Key::intvl], settings[Key::probes]);
  out += fmt::format("Busy: {}; a socket's TCP_USER_TIMEOUT replaces it\n",
                     busy_half_text(busy_half(settings, report.busy), settings[Key::retries2]));
  return out;
}

std::string render_warnings(const Settings& settings, const Style& style) {
  std::string out;
  for (const Warning& warning : assess(settings)) {
    out += style.warn("warning: ") + warning.message + "\n";
  }
  return out;
}

std::string render_sysctl(const SourcedSettings& settings) {
  std::string out;
  for (Key key : all_keys) {
    out += fmt::format("{} = {}\n", sysctl_name(key), settings[key].value);
  }
  return out;
}

nlohmann::ordered_json to_json(const ShowReport& report) {
  nlohmann::ordered_json out;
  out["source"] = report.settings.source;
  out["netns"] = report.netns ? nlohmann::ordered_json(*report.netns) : nullptr;
  out["settings"] = settings_json(report.settings);
  out["detect_seconds"] = detect_seconds(report.settings.settings());
  out["busy"] = busy_json(busy_half(report.settings.settings(), report.busy));
  nlohmann::ordered_json warnings = nlohmann::ordered_json::array();
  for (const Warning& warning : assess(report.settings.settings())) {
    warnings.push_back({{"key", sysctl_name(warning.key)},
                        {"value", warning.value},
                        {"message", warning.message}});
  }
  out["warnings"] = std::move(warnings);
  return out;
}

std::string render_json(const ShowReport& report) {
  return dump_json(to_json(report)) + "\n";
}

} // namespace kaltune
