#include "core/enforce.hpp"

#include "base/text.hpp"
#include "core/duration.hpp"
#include "core/netns_owner.hpp"
#include "sys/held_sockets.hpp"
#include "sys/netns_scan.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <limits>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <utility>

namespace kaltune {

namespace {
// TCP_USER_TIMEOUT is an int of milliseconds.
constexpr std::int64_t max_user_timeout_ms = std::numeric_limits<std::int32_t>::max();

bool plain_byte(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == ':';
}

std::uint64_t fnv1a(std::string_view text) {
  std::uint64_t hash = 14695981039346656037ull;
  for (char c : text) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 1099511628211ull;
  }
  return hash;
}
} // namespace

Result<UserTimeout> parse_user_timeout(std::string_view text) {
  if (text == "auto") {
    return UserTimeout{UserTimeout::Kind::automatic, 0};
  }
  const auto seconds = parse_positive_duration(text);
  if (!seconds) {
    return Result<UserTimeout>::failure(
        fmt::format("invalid --user-timeout value '{}': {}; or auto (time + intvl × probes)",
                    printable(text), seconds.error()));
  }
  if (*seconds * 1000 > max_user_timeout_ms) {
    return Result<UserTimeout>::failure(
        fmt::format("invalid --user-timeout value '{}': TCP_USER_TIMEOUT accepts 1-{} s",
                    printable(text), max_user_timeout_ms / 1000));
  }
  return UserTimeout{UserTimeout::Kind::explicit_ms, static_cast<std::uint32_t>(*seconds * 1000)};
}

Result<std::uint32_t> user_timeout_ms(const UserTimeout& timeout, bool set_timings,
                                      const Settings& values) {
  switch (timeout.kind) {
  case UserTimeout::Kind::none:
    return std::uint32_t{0};
  case UserTimeout::Kind::explicit_ms:
    return timeout.ms;
  case UserTimeout::Kind::automatic:
    break;
  }
  if (!set_timings) {
    return Result<std::uint32_t>::failure(
        "--user-timeout auto needs the three values: with --sysctl-values each network "
        "namespace's sysctls decide, so give a duration instead");
  }
  const std::int64_t ms = detect_seconds(values) * 1000;
  if (ms > max_user_timeout_ms) {
    return Result<std::uint32_t>::failure(fmt::format(
        "--user-timeout auto: time + intvl × probes = {} s exceeds TCP_USER_TIMEOUT's limit of "
        "{} s; give a duration instead",
        detect_seconds(values), max_user_timeout_ms / 1000));
  }
  return static_cast<std::uint32_t>(ms);
}

Result<EnforcedValues> enforced_values(std::optional<Settings> values, const UserTimeout& timeout,
                                       bool override_choice) {
  EnforcedValues enforced;
  enforced.set_timings = values.has_value();
  enforced.override_choice = override_choice;
  if (values) {
    enforced.time = static_cast<std::uint32_t>((*values)[Key::time]);
    enforced.intvl = static_cast<std::uint32_t>((*values)[Key::intvl]);
    enforced.probes = static_cast<std::uint32_t>((*values)[Key::probes]);
  }
  const auto ms = user_timeout_ms(timeout, enforced.set_timings, values.value_or(Settings{}));
  if (!ms) {
    return Result<EnforcedValues>::failure(ms.error());
  }
  enforced.user_timeout_ms = *ms;
  return enforced;
}

Result<std::string> cgroup_relative_path(std::string_view given, std::string_view mount_point) {
  if (given.empty()) {
    return Result<std::string>::failure("--cgroup: the path is empty (/ is the whole machine)");
  }
  std::string_view rest = given;
  const std::string_view mount = trim_end(mount_point, "/");
  if (!mount.empty() && rest.substr(0, mount.size()) == mount &&
      (rest.size() == mount.size() || rest[mount.size()] == '/')) {
    rest.remove_prefix(mount.size());
  }
  std::vector<std::string_view> parts;
  for (std::string_view part : split_path(rest)) {
    if (part.empty() || part == ".") {
      continue;
    }
    if (part == "..") {
      return Result<std::string>::failure(
          fmt::format("--cgroup {}: '..' is not allowed in a cgroup path", printable(given)));
    }
    parts.push_back(part);
  }
  if (parts.empty()) {
    return std::string("/");
  }
  std::string path;
  for (std::string_view part : parts) {
    if (!path.empty()) {
      path += '/';
    }
    path += part;
  }
  return path;
}

std::string pin_name(std::string_view cgroup) {
  if (cgroup == "/" || cgroup.empty()) {
    return "-";
  }
  std::string name;
  for (char c : cgroup) {
    if (c == '/') {
      name += '-';
    } else if (plain_byte(c)) {
      name += c;
    } else {
      name += fmt::format("\\x{:02x}", static_cast<unsigned char>(c));
    }
  }
  constexpr std::size_t max_name = 200;
  if (name.size() > max_name) {
    name = fmt::format("{}~{:016x}", name.substr(0, max_name - 17), fnv1a(cgroup));
  }
  return name;
}

bool in_force(const PinnedAttachment& attachment) {
  return attachment.program.has_value() && attachment.cgroup_id != 0;
}

EnforcePlan plan_enforce(const std::string& cgroup, std::uint64_t cgroup_id,
                         const std::optional<EnforcedValues>& values,
                         const std::vector<PinnedAttachment>& pinned, std::int64_t now) {
  EnforcePlan plan;
  plan.pin = pin_name(cgroup);
  const PinnedAttachment* current = nullptr;
  for (const PinnedAttachment& attachment : pinned) {
    if (attachment.program ? attachment.program->cgroup == cgroup : attachment.pin == plan.pin) {
      current = &attachment;
      break;
    }
  }
  if (current != nullptr) {
    plan.pin = current->pin;
    plan.previous = current->program;
  }
  const bool live = current != nullptr && in_force(*current) && current->cgroup_id == cgroup_id;
  plan.program.cgroup = cgroup;
  if (!values) {
    plan.action = current == nullptr ? EnforceAction::absent : EnforceAction::detach;
    return plan;
  }
  plan.program.values = *values;
  plan.program.since = now;
  plan.program.counting_since = now;
  if (current == nullptr) {
    plan.action = EnforceAction::attach;
  } else if (!live) {
    plan.action = EnforceAction::reattach;
  } else if (current->program->values == *values) {
    plan.action = EnforceAction::unchanged;
    plan.program = *current->program;
  } else {
    plan.action = EnforceAction::replace;
    plan.program.counting_since = current->program->counting_since;
  }
  return plan;
}

} // namespace kaltune

namespace kaltune {

void execute_enforce(CgroupEnforcer& enforcer, const EnforcePlan& plan,
                     const std::filesystem::path& cgroup_dir) {
  switch (plan.action) {
  case EnforceAction::attach:
    enforcer.attach(cgroup_dir, plan.pin, plan.program);
    break;
  case EnforceAction::replace:
    enforcer.replace(plan.pin, plan.program);
    break;
  case EnforceAction::reattach:
    // The old link is on a removed cgroup: it acts nowhere, so removing it first loses nothing.
    enforcer.detach(plan.pin);
    enforcer.attach(cgroup_dir, plan.pin, plan.program);
    break;
  case EnforceAction::detach:
    enforcer.detach(plan.pin);
    break;
  case EnforceAction::unchanged:
  case EnforceAction::absent:
    break;
  }
}

} // namespace kaltune

namespace kaltune {

std::vector<EnforceListEntry>
list_enforcements(const std::vector<PinnedAttachment>& pinned,
                  const std::vector<PersistedEnforcement>& persisted,
                  const std::map<std::string, std::uint64_t>& current_ids) {
  using State = EnforceListEntry::State;
  std::vector<EnforceListEntry> rows;
  std::vector<bool> matched(persisted.size(), false);
  for (const PinnedAttachment& attachment : pinned) {
    EnforceListEntry row;
    row.attached = attachment;
    if (!attachment.program) {
      row.cgroup = attachment.pin;
      row.state = State::unreadable;
      rows.push_back(std::move(row));
      continue;
    }
    row.cgroup = attachment.program->cgroup;
    for (std::size_t i = 0; i < persisted.size(); ++i) {
      if (!matched[i] && persisted[i].cgroup == row.cgroup) {
        matched[i] = true;
        row.persisted = persisted[i];
        break;
      }
    }
    const auto current = current_ids.find(row.cgroup);
    if (!in_force(attachment) ||
        (current != current_ids.end() && current->second != attachment.cgroup_id)) {
      row.state = State::gone;
    } else if (row.persisted && row.persisted->values != attachment.program->values) {
      row.state = State::differs;
    } else {
      row.state = State::in_force;
    }
    rows.push_back(std::move(row));
  }
  for (std::size_t i = 0; i < persisted.size(); ++i) {
    if (!matched[i]) {
      EnforceListEntry row;
      row.cgroup = persisted[i].cgroup;
      row.state = State::not_attached;
      row.persisted = persisted[i];
      rows.push_back(std::move(row));
    }
  }
  std::stable_sort(rows.begin(), rows.end(),
                   [](const auto& a, const auto& b) { return a.cgroup < b.cgroup; });
  return rows;
}

} // namespace kaltune

namespace kaltune {

std::optional<std::string> kernel_refusal(std::string_view release, bool btf,
                                          bool override_choice) {
  int major = 0;
  int minor = 0;
  std::string_view rest = release;
  const auto number = [&rest](int& out) {
    const auto [ptr, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), out);
    if (ec != std::errc()) {
      return false;
    }
    rest.remove_prefix(static_cast<std::size_t>(ptr - rest.data()));
    return true;
  };
  const bool parsed = number(major) && !rest.empty() && rest.front() == '.' &&
                      (rest.remove_prefix(1), number(minor));
  const std::pair<int, int> needed = override_choice ? std::pair{5, 9} : std::pair{5, 10};
  if (parsed && std::pair{major, minor} < needed) {
    return fmt::format("Linux {} is too old: enforce needs {}.{} ({})", printable(release),
                       needed.first, needed.second,
                       override_choice
                           ? "bpf_setsockopt of SO_KEEPALIVE and TCP_KEEP* from sock_ops"
                           : "bpf_skc_to_tcp_sock in sock_ops, to see a program's own choice; "
                             "--override needs 5.9");
  }
  if (!btf && !override_choice) {
    return std::string(
        "this kernel has no BTF (/sys/kernel/btf/vmlinux, CONFIG_DEBUG_INFO_BTF), so kaltune "
        "cannot tell a connection whose program chose its own keepalive from one that did not "
        "(getsockopt returns the sysctl for both); --override gives every connection the values");
  }
  return std::nullopt;
}

} // namespace kaltune

namespace kaltune {

bool gives_existing(const EnforcedValues& values, bool keepalive_on) {
  return values.override_choice || !keepalive_on;
}

ExistingResult give_existing(const std::vector<pid_t>& pids, const EnforcedValues& values) {
  ExistingResult result;
  const HeldSocketScan scan = for_each_established(pids, [&](int fd) {
    if (!gives_existing(values, keepalive_on(fd))) {
      ++result.left_alone;
      return;
    }
    // The order of the program: timings first, so that SO_KEEPALIVE arms the timer with them.
    int error = 0;
    const auto set = [&](int level, int name, std::uint32_t value) {
      const int rc = set_socket_option(fd, level, name, static_cast<int>(value));
      error = error != 0 ? error : rc;
    };
    if (values.set_timings) {
      set(IPPROTO_TCP, TCP_KEEPIDLE, values.time);
      set(IPPROTO_TCP, TCP_KEEPINTVL, values.intvl);
      set(IPPROTO_TCP, TCP_KEEPCNT, values.probes);
    }
    set(SOL_SOCKET, SO_KEEPALIVE, 1);
    if (values.user_timeout_ms != 0) {
      set(IPPROTO_TCP, TCP_USER_TIMEOUT, values.user_timeout_ms);
    }
    ++(error == 0 ? result.changed : result.failed);
  });
  result.processes = scan.processes;
  result.unreachable = scan.unreachable;
  return result;
}

} // namespace kaltune

namespace kaltune {

namespace {
std::string escape_config_path(std::string_view path) {
  std::string out;
  for (char c : path) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte <= 0x20 || byte == 0x7f || c == '\\' || c == '#') {
      out += fmt::format("\\x{:02x}", byte);
    } else {
      out += c;
    }
  }
  return out;
}

std::optional<std::string> unescape_config_path(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '\\') {
      out += text[i];
      continue;
    }
    unsigned value = 0;
    if (i + 3 >= text.size() || text[i + 1] != 'x') {
      return std::nullopt;
    }
    const std::string_view hex = text.substr(i + 2, 2);
    const auto [ptr, ec] = std::from_chars(hex.data(), hex.data() + hex.size(), value, 16);
    if (hex.size() != 2 || ec != std::errc() || ptr != hex.data() + hex.size()) {
      return std::nullopt;
    }
    out += static_cast<char>(value);
    i += 3;
  }
  return out;
}

std::optional<std::uint32_t> config_number(std::string_view text) {
  const auto value = parse_count(text);
  if (!value || *value > std::numeric_limits<std::uint32_t>::max()) {
    return std::nullopt;
  }
  return static_cast<std::uint32_t>(*value);
}
} // namespace

Result<std::vector<PersistedEnforcement>> parse_enforce_config(std::string_view text,
                                                               std::string_view path) {
  using Parsed = Result<std::vector<PersistedEnforcement>>;
  std::vector<PersistedEnforcement> entries;
  std::size_t number = 0;
  while (!text.empty()) {
    const std::size_t end = std::min(text.find('\n'), text.size());
    const std::string_view line = trim(text.substr(0, end), " \t\r");
    text.remove_prefix(std::min(end + 1, text.size()));
    ++number;
    if (line.empty() || line.front() == '#') {
      continue;
    }
    const auto bad = [&](std::string_view what) {
      return Parsed::failure(
          fmt::format("{}:{}: {}: '{}'", printable(path), number, what, printable(line)));
    };
    PersistedEnforcement entry;
    entry.values.set_timings = false;
    std::optional<std::string> cgroup;
    std::array<std::optional<std::uint32_t>, key_count> timings;
    bool sysctl_values = false;
    std::string_view rest = line;
    while (!rest.empty()) {
      const std::size_t space = std::min(rest.find_first_of(" \t"), rest.size());
      const std::string_view word = rest.substr(0, space);
      rest = trim(rest.substr(space), " \t");
      const std::size_t equals = word.find('=');
      const std::string_view name = word.substr(0, equals);
      const std::string_view value =
          equals == std::string_view::npos ? std::string_view() : word.substr(equals + 1);
      if (name == "cgroup" && equals != std::string_view::npos) {
        cgroup = unescape_config_path(value);
        if (!cgroup || cgroup->empty()) {
          return bad("cgroup= is not a path");
        }
      } else if (name == "sysctl-values" && equals == std::string_view::npos) {
        sysctl_values = true;
      } else if (name == "override" && equals == std::string_view::npos) {
        entry.values.override_choice = true;
      } else if (name == "user-timeout") {
        const auto seconds = config_number(value);
        if (!seconds || *seconds == 0 || *seconds > max_user_timeout_ms / 1000) {
          return bad("user-timeout= must be 1-2147483 seconds");
        }
        entry.values.user_timeout_ms = *seconds * 1000;
      } else {
        bool known = false;
        for (Key key : keepalive_keys) {
          if (name == short_name(key) && equals != std::string_view::npos) {
            const auto number_value = config_number(value);
            if (!number_value || !api_range(key).contains(*number_value)) {
              return bad(fmt::format("{}= must be within {}-{}", short_name(key),
                                     api_range(key).min, api_range(key).max));
            }
            timings[index_of(key)] = *number_value;
            known = true;
          }
        }
        if (!known) {
          return bad(fmt::format("unknown word '{}'", printable(word)));
        }
      }
    }
    const auto given = [&](Key key) { return timings[index_of(key)].has_value(); };
    const bool any_timing = std::any_of(keepalive_keys.begin(), keepalive_keys.end(), given);
    const bool all_timings = std::all_of(keepalive_keys.begin(), keepalive_keys.end(), given);
    if (!cgroup) {
      return bad("no cgroup=");
    }
    if (sysctl_values ? any_timing : !all_timings) {
      return bad("give time=, intvl= and probes=, or sysctl-values");
    }
    entry.cgroup = *cgroup;
    if (!sysctl_values) {
      entry.values.set_timings = true;
      entry.values.time = *timings[index_of(Key::time)];
      entry.values.intvl = *timings[index_of(Key::intvl)];
      entry.values.probes = *timings[index_of(Key::probes)];
    }
    entries.push_back(std::move(entry));
  }
  return entries;
}

std::string render_enforce_config(const std::vector<PersistedEnforcement>& entries) {
  std::string out =
      "# Written by kaltune enforce --persist: the cgroups whose TCP connections get keepalive.\n"
      "# kaltune-enforce.service attaches them at boot (systemctl enable "
      "kaltune-enforce.service);\n"
      "# kaltune enforce --cgroup PATH --off --persist removes a line.\n";
  for (const PersistedEnforcement& entry : entries) {
    out += "cgroup=" + escape_config_path(entry.cgroup);
    const EnforcedValues& values = entry.values;
    if (values.set_timings) {
      out += fmt::format(" time={} intvl={} probes={}", values.time, values.intvl, values.probes);
    } else {
      out += " sysctl-values";
    }
    if (values.user_timeout_ms != 0) {
      out += fmt::format(" user-timeout={}", values.user_timeout_ms / 1000);
    }
    if (values.override_choice) {
      out += " override";
    }
    out += '\n';
  }
  return out;
}

std::vector<PersistedEnforcement> with_persisted(std::vector<PersistedEnforcement> entries,
                                                 const std::string& cgroup,
                                                 const std::optional<EnforcedValues>& values) {
  const auto found = std::find_if(entries.begin(), entries.end(),
                                  [&](const auto& entry) { return entry.cgroup == cgroup; });
  if (!values) {
    if (found != entries.end()) {
      entries.erase(found);
    }
  } else if (found != entries.end()) {
    found->values = *values;
  } else {
    entries.push_back({cgroup, *values});
  }
  return entries;
}

} // namespace kaltune

namespace kaltune {

Result<std::string> unit_dropin(std::string_view unit, std::string_view binary) {
  constexpr std::string_view suffix = ".service";
  if (unit.size() <= suffix.size() || unit.substr(unit.size() - suffix.size()) != suffix ||
      unit.find_first_of("/ \t\n\\'\"") != std::string_view::npos) {
    return Result<std::string>::failure(fmt::format(
        "--unit {} --persist: only a service re-attaches at each start (ExecStartPre=); for a "
        "slice or scope, whose cgroup lives while anything runs in it, give --cgroup PATH",
        printable(unit)));
  }
  return fmt::format(
      "# Written by kaltune enforce --unit {0} --persist; removed by --off --persist.\n"
      "# The unit's cgroup is made anew at each start: attach kaltune's keepalive program to it\n"
      "# before the main process runs (values: /etc/kaltune/enforce.conf).\n"
      "[Service]\n"
      "ExecStartPre=+-{1} -q enforce --apply-persisted --unit {0}\n",
      unit, binary);
}

std::string unit_dropin_path(std::string_view unit) {
  return fmt::format("/etc/systemd/system/{}.d/kaltune-enforce.conf", unit);
}

} // namespace kaltune

namespace kaltune {

namespace {
// The v2 path of a /proc/PID/cgroup text ("0::/kubepods.slice/…"), if it has one.
std::optional<std::string_view> v2_path(std::string_view text) {
  while (!text.empty()) {
    const std::size_t end = std::min(text.find('\n'), text.size());
    const std::string_view line = text.substr(0, end);
    if (line.substr(0, 3) == "0::") {
      return line.substr(3);
    }
    text.remove_prefix(std::min(end + 1, text.size()));
  }
  return std::nullopt;
}

// The path up to the part naming the pod (cgroupfs "pod<UID>", systemd "…-pod<UID_>.slice").
std::optional<std::string> pod_part(std::string_view path, const std::string& uid) {
  std::string underscored = uid;
  std::replace(underscored.begin(), underscored.end(), '-', '_');
  std::string prefix;
  for (std::string_view part : split_path(path)) {
    if (part.empty()) {
      continue;
    }
    prefix += prefix.empty() ? "" : "/";
    prefix += part;
    if (part.find("pod" + uid) != std::string_view::npos ||
        part.find("pod" + underscored) != std::string_view::npos) {
      return prefix;
    }
  }
  return std::nullopt;
}
} // namespace

Result<PodName> parse_pod(std::string_view text) {
  const std::size_t slash = text.find('/');
  if (slash == std::string_view::npos || slash == 0 || slash + 1 == text.size() ||
      text.find('/', slash + 1) != std::string_view::npos) {
    return Result<PodName>::failure(
        fmt::format("invalid --pod value '{}': expected NAMESPACE/NAME", printable(text)));
  }
  return PodName{std::string(text.substr(slash + 1)), std::string(text.substr(0, slash))};
}

std::optional<std::string> pod_cgroup(const PodName& pod, const std::vector<FoundNetns>& namespaces,
                                      NodeFacts& facts) {
  for (const FoundNetns& netns : namespaces) {
    if (netns.init || netns.cgroups.empty()) {
      continue;
    }
    const Owner owner = attribute_owner(netns.cgroups, facts);
    if (!owner.pod_uid || owner.pod_name != pod.name || owner.pod_namespace != pod.ns) {
      continue;
    }
    for (const auto& [pid, text] : netns.cgroups) {
      (void)pid;
      if (const auto path = v2_path(text)) {
        if (auto part = pod_part(*path, *owner.pod_uid)) {
          return part;
        }
      }
    }
  }
  return std::nullopt;
}

} // namespace kaltune
