#pragma once

#include "base/keepalive.hpp"
#include "core/sockets.hpp"
#include "render/json.hpp"
#include "render/style.hpp"

#include <nlohmann/json_fwd.hpp>

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kaltune {

// The head of `sockets`: the sysctls, the counts, and what could not be seen (`missing`).
struct SocketsHead {
  Settings sysctls;
  SocketSummary summary;
  bool processes = false;
  std::vector<std::string> missing; // e.g. "socket options of 3 sockets: ... (run as root)"
  BusyInputs busy{};                // tcp_retries2 and the RTO limits, for the unacked
  EnforcedCgroups enforced{};       // the cgroups kaltune enforce acts on
};

// The summary lines, then (unless there are no sockets) the table header.
std::string render_sockets_head(const SocketsHead& head, const Style& style);
// One table row, with a line end.
std::string render_socket_row(const SocketLine& line, const SocketsHead& head, const Style& style);
// "none: N established connections ...": the legend after the table, for what was listed.
std::string render_sockets_legend(const SocketSummary& summary);

// The documented JSON: {"sockets": [...], "summary": {...}, "missing": [...],
// "enforcements_unknown": null}, written through a
// JsonStream so that a dump of any size streams at constant memory: the sockets come in the
// kernel's order and the summary after them (an object's keys have no order for jq; the counts
// are only known at the end). One socket's object. A stream renders every socket with one
// SocketJson: its members are made once and only their values change, so a socket costs its values
// and one dump, not a member list built and freed (which was twice the dump's cost).
class SocketJson {
public:
  SocketJson(const Settings& sysctls, bool processes);
  ~SocketJson();
  SocketJson(const SocketJson&) = delete;
  SocketJson& operator=(const SocketJson&) = delete;
  std::string render(const SocketLine& line);

private:
  struct Members;
  const Settings sysctls_;
  const bool processes_;
  std::unique_ptr<Members> members_;
};
std::string socket_json(const SocketLine& line, const Settings& sysctls, bool processes);
// After the "sockets" array: the "summary", "missing" and "enforcements_unknown" members.
void end_sockets_json(JsonStream& json, const SocketsHead& head);
// The summary; "enforced" is null unless `enforcements_known`.
nlohmann::ordered_json to_json(const SocketSummary& summary, const Settings& sysctls,
                               bool processes, bool enforcements_known);

// "127.0.0.1:22", "[::1]:22"
std::string endpoint_text(std::uint8_t family, const std::array<std::uint8_t, 16>& address,
                          std::uint16_t port);

} // namespace kaltune
