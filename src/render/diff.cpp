#include "render/diff.hpp"

#include "base/text.hpp"
#include "render/duration.hpp"
#include "render/json.hpp"
#include "render/settings.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>

namespace kaltune {

namespace {
std::string assignment(const SourcedSettings& settings, Key key) {
  std::string out = fmt::format("{} = {}", sysctl_name(key), settings[key].value);
  if (settings[key].origin != settings.source) {
    out += fmt::format("  # {}", printable(settings[key].origin));
  }
  return out;
}

bool differs(const SourceDiff& diff, Key key) {
  return std::find(diff.different.begin(), diff.different.end(), key) != diff.different.end();
}

nlohmann::ordered_json side(const SourcedSettings& settings) {
  return {{"source", settings.source},
          {"settings", settings_json(settings)},
          {"detect_seconds", detect_seconds(settings.settings())},
          {"busy", busy_json(busy_half(settings.settings(), {}))}};
}
} // namespace

std::string render_unified(const SourceDiff& diff, const Style& style) {
  if (diff.identical()) {
    return {};
  }
  std::string out = style.bold("--- " + printable(diff.a.source)) + "\n" +
                    style.bold("+++ " + printable(diff.b.source)) + "\n";
  for (Key key : all_keys) {
    if (differs(diff, key)) {
      out += style.bad("-" + assignment(diff.a, key)) + "\n";
      out += style.good("+" + assignment(diff.b, key)) + "\n";
    } else {
      out += " " + assignment(diff.b, key) + "\n";
    }
  }
  return out;
}

std::string render_diff_table(const SourceDiff& diff, const Style& style) {
  using Row = std::array<std::string, 5>;
  const std::string a = printable(diff.a.source);
  const std::string b = printable(diff.b.source);
  std::vector<Row> rows{{"KEY", a, b, "ORIGIN (" + a + ")", "ORIGIN (" + b + ")"}};
  for (Key key : all_keys) {
    rows.push_back({std::string(sysctl_name(key)), value_text(key, diff.a[key].value),
                    value_text(key, diff.b[key].value), printable(diff.a[key].origin),
                    printable(diff.b[key].origin)});
  }
  std::array<std::size_t, 5> widths{};
  for (const Row& row : rows) {
    for (std::size_t c = 0; c < row.size(); ++c) {
      widths[c] = std::max(widths[c], row[c].size());
    }
  }
  std::string out;
  for (std::size_t r = 0; r < rows.size(); ++r) {
    const bool different = r > 0 && differs(diff, all_keys[r - 1]);
    std::string line = different ? "* " : "  ";
    for (std::size_t c = 0; c < rows[r].size(); ++c) {
      line += fmt::format("{:<{}}", rows[r][c], c + 1 < rows[r].size() ? widths[c] + 2 : 0);
    }
    out += (r == 0 ? style.bold(line) : different ? style.bad(line) : line) + "\n";
  }
  const auto busy = [](const SourcedSettings& side) {
    return ms_as_seconds(busy_half(side.settings(), {}).limit.ms);
  };
  out += fmt::format("\nDead peer detected after: idle (time + intvl \u00d7 probes) {} {}, {} {}; "
                     "busy (tcp_retries2, from the first retransmission) {} {}, {} {}\n",
                     a, seconds_with_human(detect_seconds(diff.a.settings())), b,
                     seconds_with_human(detect_seconds(diff.b.settings())), a, busy(diff.a), b,
                     busy(diff.b));
  out += diff.identical() ? "identical\n"
                          : fmt::format("{} of {} keys differ\n", diff.different.size(), key_count);
  return out;
}

nlohmann::ordered_json to_json(const SourceDiff& diff) {
  nlohmann::ordered_json differences = nlohmann::ordered_json::array();
  for (Key key : diff.different) {
    differences.push_back(
        {{"key", sysctl_name(key)}, {"a", diff.a[key].value}, {"b", diff.b[key].value}});
  }
  return {{"identical", diff.identical()},
          {"a", side(diff.a)},
          {"b", side(diff.b)},
          {"differences", std::move(differences)}};
}

std::string render_json(const SourceDiff& diff) {
  return dump_json(to_json(diff)) + "\n";
}

} // namespace kaltune
