#pragma once

// `enforce`: what a run did (attach, replace, detach, --existing) and `--list`, as text and JSON.
// The Prometheus families of --list are render/metrics' (enforce_metrics).

#include "core/enforce.hpp"
#include "render/style.hpp"

#include <nlohmann/json_fwd.hpp>

#include <string>
#include <vector>

namespace kaltune {

// "keepalive 60 s (1m) / 10 s / 6, user timeout 2m, own choices kept"
std::string describe_values(const EnforcedValues& values);

std::string render_enforce(const EnforceReport& report, const Style& style);
nlohmann::ordered_json to_json(const EnforceReport& report);
std::string render_json(const EnforceReport& report);

// `now`: Unix time, for "since" as an age.
std::string render_enforce_list(const std::vector<EnforceListEntry>& rows, std::int64_t now,
                                const Style& style);
nlohmann::ordered_json to_json(const std::vector<EnforceListEntry>& rows);
std::string render_json(const std::vector<EnforceListEntry>& rows);

// The JSON of a program's values: keepalive times in seconds, user_timeout in seconds or null.
nlohmann::ordered_json values_json(const EnforcedValues& values);

} // namespace kaltune
