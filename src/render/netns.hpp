#pragma once

// The pieces `--all-netns` prints: one table row or JSON element per namespace (written as each
// is visited, so the output streams at constant memory), the tally and the namespaces not shown.

#include "core/all_netns.hpp"
#include "core/sockets.hpp"
#include "render/style.hpp"

#include <nlohmann/json_fwd.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace kaltune {

// "host", "pod shop/web-0", "containerd 1a2b3c4d5e6f", "-".
std::string owner_text(const NetnsEntry& entry);
// An `ip netns` name (the file name under /run/netns), else the first mount path, else "-".
std::string netns_name(const FoundNetns& netns);
// The inode, names, processes, owner and differences of a namespace: the common part of every
// command's element.
nlohmann::ordered_json netns_json(const NetnsEntry& entry);
// `netns_json` plus show's `settings` object, `detect_seconds` and `warnings`.
nlohmann::ordered_json netns_show_json(const NetnsEntry& entry);
nlohmann::ordered_json to_json(const MissingNetns& missing);
nlohmann::ordered_json to_json(const SurveyTally& tally, const std::optional<NetnsId>& host);
// "inode 4026532345 (/run/netns/x; 3 processes: 1200 sleep …): reason".
std::string missing_text(const MissingNetns& missing);

// {"namespaces": [ … ], "summary": { … }, "missing": [ … ]} in pieces: the opening, one element
// (with the separator it needs), the closing, and the closing after a failure (the elements so
// far and {"error": …}, so stdout stays one valid document).
std::string netns_json_open();
std::string netns_json_element(const nlohmann::ordered_json& element, bool first);
std::string netns_json_close(const nlohmann::ordered_json& summary,
                             const std::vector<MissingNetns>& missing);
std::string netns_json_abort(std::string_view error);

// `show --all-netns` as a table, a row at a time.
std::string render_netns_head(const Style& style);
std::string render_netns_row(const NetnsEntry& entry, const Style& style);
// "41 namespaces: 3 differ from the host …", then a line per namespace not shown.
std::string render_netns_tally(const SurveyTally& tally, const Style& style);

// `sockets --all-netns` as a table: a row of coverage counts per namespace, then the totals.
std::string render_netns_sockets_head(const Style& style);
std::string render_netns_sockets_row(const NetnsEntry& entry, const SocketSummary& summary,
                                     const Style& style);
std::string render_netns_sockets_totals(const SocketSummary& totals, const Style& style);
// The counts of a namespace (its sysctls with them) or of all of them (without).
nlohmann::ordered_json netns_sockets_json(const NetnsEntry& entry, const SocketSummary& summary,
                                          bool processes);
nlohmann::ordered_json to_json(const SocketSummary& totals, bool processes);

// One namespace in the Prometheus exposition: labels and values.
struct NetnsSample {
  std::string labels; // `netns_inode="…",netns="…",…` escaped
  Settings values;
  bool differs = false;
};
NetnsSample prometheus_sample(const NetnsEntry& entry);
// A label value escaped as the exposition format asks (\\, \", \n).
std::string prometheus_escape(std::string_view value);
// Every metric family once, with one series per namespace.
std::string render_netns_prometheus(const std::vector<NetnsSample>& samples,
                                    const SurveyTally& tally);

} // namespace kaltune
