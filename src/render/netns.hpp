#pragma once

// The pieces `--all-netns` prints of a namespace: how it is named, its JSON element, its table
// rows, its Prometheus labels, the tally and the namespaces not shown, and what `set --all-netns`
// did. render/over_netns puts them together per format.

#include "core/all_netns.hpp"
#include "core/sockets.hpp"
#include "render/metrics.hpp"
#include "render/style.hpp"

#include <nlohmann/json_fwd.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kaltune {

// The one naming rule of a namespace. Its owner: "host", "pod shop/web-0", "pod uid …",
// "containerd 1a2b3c4d5e6f"; nullopt when nothing owns it that kaltune knows of.
std::optional<std::string> owner_label(const NetnsEntry& entry);
// An `ip netns` name (the file name under /run/netns), else the first mount path; nullopt when
// it has no mount.
std::optional<std::string> netns_name(const FoundNetns& netns);
// For one-line messages: the owner, else the name, else "pid P (comm)", else "inode N".
std::string netns_label(const NetnsEntry& entry);

// The inode, names, processes, owner and differences of a namespace: the common part of every
// command's element.
nlohmann::ordered_json netns_json(const NetnsEntry& entry);
nlohmann::ordered_json to_json(const MissingNetns& missing);
nlohmann::ordered_json to_json(const SurveyTally& tally, const std::optional<NetnsId>& host);
// "inode 4026532345 (/run/netns/x; 3 processes: 1200 sleep …): reason".
std::string missing_text(const MissingNetns& missing);
// The labels that name a namespace's series: netns_inode, netns, host, runtime, container, pod,
// pod_namespace.
MetricLabels netns_metric_labels(const NetnsEntry& entry);

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
// The counts of all namespaces together (without the sysctls, which differ between them).
nlohmann::ordered_json to_json(const SocketSummary& totals, bool processes,
                               bool enforcements_known);

// `set --all-netns`: what each namespace got (or would get) and the totals.
std::string render_netns_changes(const std::vector<NetnsChange>& changes, bool dry_run,
                                 const Style& style);
std::string render_json(const std::vector<NetnsChange>& changes, const SurveyTally& tally,
                        const std::optional<NetnsId>& host, bool dry_run);
// The message of a refused `set --all-netns`: which namespace refused and why, which were put
// back and which could not be, each named by netns_label.
std::string describe_failure(const ApplyFailure& failure, const std::vector<NetnsChange>& changes);
// Why `set --all-netns` changes nothing when a namespace cannot be reached.
std::string describe_unreachable(const SurveyTally& tally);

} // namespace kaltune
