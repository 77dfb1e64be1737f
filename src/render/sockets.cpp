#include "render/sockets.hpp"

#include "base/text.hpp"
#include "render/duration.hpp"
#include "render/json.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <sys/socket.h>

namespace kaltune {

namespace {
std::string family_name(std::uint8_t family) {
  return family == AF_INET ? "ipv4" : "ipv6";
}

// Probes for the timers that send probes; retransmissions are a different count.
unsigned probes(const DiagSocket& socket) {
  return socket.timer == DiagTimer::keepalive || socket.timer == DiagTimer::zero_window
             ? socket.retrans
             : 0;
}

std::string left_text(const DiagSocket& socket) {
  if (socket.timer == DiagTimer::none) {
    return "-";
  }
  return fmt::format("{:.1f}s", socket.expires_ms / 1000.0);
}

// Until an unacked connection is given up: "12.6s", or "<=15m24s" when only the latest is known.
std::string busy_left_text(const SocketLine& line) {
  if (!line.busy_left) {
    return "";
  }
  const std::int64_t ms = line.busy_left->left_ms;
  const std::string text =
      ms < 60000 ? fmt::format("{:.1f}s", ms / 1000.0) : human_duration((ms + 999) / 1000);
  return line.busy_left->exact ? text : "\u2264" + text;
}

std::string options_text(const SocketOptions& options) {
  if (!options.keepalive) {
    return "off";
  }
  std::string out = fmt::format("{}/{}/{}", options.idle, options.intvl, options.count);
  if (options.user_timeout_ms > 0) {
    out += fmt::format(" uto {}ms", options.user_timeout_ms);
  }
  return out;
}

// The enforced cgroup holding the connection, "-" for none, "?" when the enforcements are unknown.
std::string enforced_text(const SocketLine& line, bool known) {
  if (line.enforced != nullptr) {
    return printable(line.enforced->cgroup);
  }
  return known ? "-" : "?";
}

std::string process_columns(const SocketLine& line, const Settings& sysctls) {
  const std::string owner = line.owner != nullptr ? fmt::format("{:>7} {:<15}", line.owner->pid,
                                                                printable(line.owner->command))
                                                  : fmt::format("{:>7} {:<15}", "?", "?");
  const std::string from =
      line.from == KeepaliveFrom::unknown ? "?" : std::string(keepalive_from_name(line.from));
  if (line.options == nullptr) {
    return fmt::format("  {}  {:<22} {:<13} {:<7}", owner, "?", "?", from);
  }
  const auto detect = own_detect_seconds(*line.options);
  std::string own = options_text(*line.options);
  if (line.options->keepalive && overrides(*line.options, sysctls)) {
    own += " (own)";
  }
  return fmt::format("  {}  {:<22} {:<13} {:<7}", owner, own,
                     detect ? seconds_with_human(*detect) : std::string("never"), from);
}

std::string summary_line(std::string_view label, std::size_t n, std::string_view meaning) {
  return fmt::format("  {:<14}{:>7}  {}\n", label, n, meaning);
}
} // namespace

std::string endpoint_text(std::uint8_t family, const std::array<std::uint8_t, 16>& address,
                          std::uint16_t port) {
  return family == AF_INET ? fmt::format("{}:{}", address_text(family, address), port)
                           : fmt::format("[{}]:{}", address_text(family, address), port);
}

std::string render_sockets_head(const SocketsHead& head, const Style& style) {
  const SocketSummary& s = head.summary;
  std::string out = fmt::format(
      "keepalive sysctls: time {} s, intvl {} s, probes {}: a dead peer is detected after {}\n",
      head.sysctls[Key::time], head.sysctls[Key::intvl], head.sysctls[Key::probes],
      seconds_with_human(detect_seconds(head.sysctls)));
  out += summary_line("established", s.established, "connections");
  out += summary_line("keepalive", s.keepalive, "with a keepalive timer armed");
  out += summary_line("no_keepalive", s.no_keepalive,
                      s.no_keepalive > 0 ? style.warn("without SO_KEEPALIVE: a dead peer is never "
                                                      "detected by these sysctls")
                                         : "without SO_KEEPALIVE");
  const BusyRange busy = busy_range(retries2_limit(head.busy), head.busy);
  out += summary_line(
      "unacked", s.unacked,
      fmt::format("with data in flight: tcp_retries2 or TCP_USER_TIMEOUT decide, not keepalive "
                  "(tcp_retries2 {}: given up {} after the first retransmission; GIVEN UP: when, "
                  "if the peer stays silent)",
                  head.busy.retries2, ms_as_seconds(busy.limit.ms)));
  out += summary_line("stale", s.stale,
                      "keepalive timers armed on a value longer than the current time (set before "
                      "the last change; re-armed only when they fire)");
  if (head.processes) {
    out += summary_line("overriding", s.overriding,
                        "with their own TCP_KEEPIDLE/TCP_KEEPINTVL/TCP_KEEPCNT");
  }
  if (head.enforced.unknown) {
    out += style.warn("not shown: ") +
           "which connections kaltune enforce covers: " + printable(*head.enforced.unknown) + "\n";
  } else {
    out += summary_line("enforced", s.enforced,
                        head.enforced.enforcements.empty()
                            ? std::string("under a cgroup of kaltune enforce (none is enforced)")
                            : fmt::format("under a cgroup of kaltune enforce ({} enforced)",
                                          head.enforced.enforcements.size()));
  }
  for (const std::string& missing : head.missing) {
    out += style.warn("not shown: ") + missing + "\n";
  }
  if (s.listed == 0) {
    return out + "no TCP sockets match\n";
  }
  std::string header =
      fmt::format("{:<12} {:<24} {:<24} {:<11} {:>9} {:>6}  {:<9} {:>9}", "STATE", "LOCAL", "PEER",
                  "TIMER", "LEFT", "PROBES", "COVERAGE", "GIVEN UP");
  if (head.processes) {
    header += fmt::format("  {:>7} {:<15}  {:<22} {:<13} {:<7}", "PID", "COMMAND", "IDLE/INTVL/CNT",
                          "DETECT", "FROM");
  }
  header += "  ENFORCED";
  header.resize(trim_end(header, " ").size());
  return out + "\n" + style.bold(header) + "\n";
}

std::string render_socket_row(const SocketLine& line, const SocketsHead& head, const Style& style) {
  const Settings& sysctls = head.sysctls;
  const DiagSocket& s = line.socket;
  std::string coverage = fmt::format("{:<9}", coverage_name(line.coverage));
  if (line.coverage == Coverage::none) {
    coverage = style.warn(coverage);
  }
  std::string out = fmt::format(
      "{:<12} {:<24} {:<24} {:<11} {:>9} {:>6}  {} {:>9}", tcp_state_name(s.state),
      endpoint_text(s.family, s.local, s.local_port), endpoint_text(s.family, s.peer, s.peer_port),
      timer_name(s.timer), left_text(s), probes(s), coverage, busy_left_text(line));
  if (head.processes) {
    out += process_columns(line, sysctls);
  }
  out += "  " + enforced_text(line, !head.enforced.unknown);
  out.resize(trim_end(out, " ").size());
  out += '\n';
  return out;
}

std::string render_sockets_legend(const SocketSummary& summary) {
  if (summary.no_keepalive == 0) {
    return "";
  }
  return fmt::format("\n{} established connection{} without keepalive: an application must set "
                     "SO_KEEPALIVE for these sysctls to reach them, or kaltune enforce sets it "
                     "for the programs of a cgroup.\n",
                     summary.no_keepalive, summary.no_keepalive == 1 ? "" : "s");
}

nlohmann::ordered_json to_json(const SocketSummary& summary, const Settings& sysctls,
                               bool processes, bool enforcements_known) {
  nlohmann::ordered_json out;
  out["listed"] = summary.listed;
  out["established"] = summary.established;
  out["keepalive"] = summary.keepalive;
  out["no_keepalive"] = summary.no_keepalive;
  out["unacked"] = summary.unacked;
  out["stale_keepalive"] = summary.stale;
  out["overriding"] = processes ? nlohmann::ordered_json(summary.overriding) : nullptr;
  out["enforced"] = enforcements_known ? nlohmann::ordered_json(summary.enforced) : nullptr;
  out["settings"] = settings_json(sourced("running", sysctls, "running"));
  out["detect_seconds"] = detect_seconds(sysctls);
  return out;
}

// The object and references to its values: valid as long as no member is added or removed.
struct SocketJson::Members {
  nlohmann::ordered_json object;
  nlohmann::ordered_json* family;
  nlohmann::ordered_json* state;
  nlohmann::ordered_json* local_address;
  nlohmann::ordered_json* local_port;
  nlohmann::ordered_json* peer_address;
  nlohmann::ordered_json* peer_port;
  nlohmann::ordered_json* timer;
  nlohmann::ordered_json* timer_left_ms;
  nlohmann::ordered_json* probes;
  nlohmann::ordered_json* retransmits;
  nlohmann::ordered_json* recv_q;
  nlohmann::ordered_json* send_q;
  nlohmann::ordered_json* uid;
  nlohmann::ordered_json* inode;
  nlohmann::ordered_json* coverage;
  nlohmann::ordered_json* busy_left_ms;
  nlohmann::ordered_json* busy_left_exact;
  nlohmann::ordered_json* enforced_by;
  nlohmann::ordered_json* keepalive_from;
  nlohmann::ordered_json* process = nullptr;
  nlohmann::ordered_json* options = nullptr;
};

SocketJson::SocketJson(const Settings& sysctls, bool processes)
    : sysctls_(sysctls), processes_(processes), members_(std::make_unique<Members>()) {
  // Every member in the documented order, with a value of its type.
  nlohmann::ordered_json& o = members_->object;
  o = {{"family", ""},
       {"state", ""},
       {"local", {{"address", ""}, {"port", 0}}},
       {"peer", {{"address", ""}, {"port", 0}}},
       {"timer", ""},
       {"timer_left_ms", 0},
       {"probes", 0},
       {"retransmits", 0},
       {"recv_q", 0},
       {"send_q", 0},
       {"uid", 0},
       {"inode", 0},
       {"coverage", ""},
       {"busy_left_ms", nullptr},
       {"busy_left_exact", nullptr},
       {"enforced_by", nullptr},
       {"keepalive_from", ""}};
  if (processes_) {
    o["process"] = nullptr;
    o["options"] = nullptr;
    members_->process = &o["process"];
    members_->options = &o["options"];
  }
  Members& m = *members_;
  m.family = &o["family"];
  m.state = &o["state"];
  m.local_address = &o["local"]["address"];
  m.local_port = &o["local"]["port"];
  m.peer_address = &o["peer"]["address"];
  m.peer_port = &o["peer"]["port"];
  m.timer = &o["timer"];
  m.timer_left_ms = &o["timer_left_ms"];
  m.probes = &o["probes"];
  m.retransmits = &o["retransmits"];
  m.recv_q = &o["recv_q"];
  m.send_q = &o["send_q"];
  m.uid = &o["uid"];
  m.inode = &o["inode"];
  m.coverage = &o["coverage"];
  m.busy_left_ms = &o["busy_left_ms"];
  m.busy_left_exact = &o["busy_left_exact"];
  m.enforced_by = &o["enforced_by"];
  m.keepalive_from = &o["keepalive_from"];
}

SocketJson::~SocketJson() = default;

std::string SocketJson::render(const SocketLine& line) {
  const DiagSocket& s = line.socket;
  Members& m = *members_;
  // Strings are assigned into the string the member already holds: no new value is made.
  const auto text = [](nlohmann::ordered_json* member, std::string_view value) {
    member->get_ref<std::string&>().assign(value);
  };
  text(m.family, family_name(s.family));
  text(m.state, tcp_state_name(s.state));
  text(m.local_address, address_text(s.family, s.local));
  *m.local_port = s.local_port;
  text(m.peer_address, address_text(s.family, s.peer));
  *m.peer_port = s.peer_port;
  text(m.timer, timer_name(s.timer));
  *m.timer_left_ms = s.timer == DiagTimer::none ? 0 : s.expires_ms;
  *m.probes = probes(s);
  *m.retransmits = s.timer == DiagTimer::retransmit ? s.retrans : 0;
  *m.recv_q = s.recv_q;
  *m.send_q = s.send_q;
  *m.uid = s.uid;
  *m.inode = s.inode;
  text(m.coverage, coverage_name(line.coverage));
  *m.busy_left_ms = line.busy_left ? nlohmann::ordered_json(line.busy_left->left_ms) : nullptr;
  *m.busy_left_exact = line.busy_left ? nlohmann::ordered_json(line.busy_left->exact) : nullptr;
  *m.enforced_by =
      line.enforced != nullptr ? nlohmann::ordered_json(line.enforced->cgroup) : nullptr;
  text(m.keepalive_from, keepalive_from_name(line.from));
  if (processes_) {
    *m.process = nullptr;
    if (line.owner != nullptr) {
      *m.process = {
          {"pid", line.owner->pid}, {"command", line.owner->command}, {"fd", line.owner->fd}};
    }
    *m.options = nullptr;
    if (line.options != nullptr) {
      const SocketOptions& o = *line.options;
      const auto detect = own_detect_seconds(o);
      *m.options = {{"so_keepalive", o.keepalive},
                    {"tcp_keepidle", o.idle},
                    {"tcp_keepintvl", o.intvl},
                    {"tcp_keepcnt", o.count},
                    {"tcp_user_timeout_ms", o.user_timeout_ms},
                    {"overrides_sysctls", overrides(o, sysctls_)},
                    {"detect_seconds", detect ? nlohmann::ordered_json(*detect) : nullptr}};
    }
  }
  return dump_json_compact(m.object);
}

std::string socket_json(const SocketLine& line, const Settings& sysctls, bool processes) {
  return SocketJson(sysctls, processes).render(line);
}

void end_sockets_json(JsonStream& json, const SocketsHead& head) {
  json.member("summary", to_json(head.summary, head.sysctls, head.processes,
                                 !head.enforced.unknown.has_value()));
  json.member("missing", head.missing);
  json.member("enforcements_unknown", head.enforced.unknown
                                          ? nlohmann::ordered_json(*head.enforced.unknown)
                                          : nlohmann::ordered_json(nullptr));
}

} // namespace kaltune
