#pragma once

// `enforce`: what to attach to a cgroup and what `--list` reports, decided from data. Pure: the
// kernel's side (loading, attaching, reading attachments back) is sys/bpf_enforce, the cgroup
// tree sys/cgroup; this file only decides.

#include "base/error.hpp"
#include "base/keepalive.hpp"
#include "core/netns_owner.hpp"
#include "sys/bpf_enforce.hpp"

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <sys/types.h>
#include <vector>

namespace kaltune {

// TCP_USER_TIMEOUT as asked: none, `auto` (time + intvl × probes), or a duration.
struct UserTimeout {
  enum class Kind { none, automatic, explicit_ms };
  Kind kind = Kind::none;
  std::uint32_t ms = 0; // explicit_ms
};

// Parses --user-timeout: "auto" or a duration of at least 1 s within TCP_USER_TIMEOUT's range.
Result<UserTimeout> parse_user_timeout(std::string_view text);

// The milliseconds the program sets: 0 for none; auto is the keepalive detection time, which must
// fit TCP_USER_TIMEOUT (an int of milliseconds); --sysctl-values cannot have auto (the values are
// each namespace's).
Result<std::uint32_t> user_timeout_ms(const UserTimeout& timeout, bool set_timings,
                                      const Settings& values);

// The values a program gets from the command line's: the three (or none, `sysctl_values`), the
// user timeout, whether it also overrides a program's own choice.
Result<EnforcedValues> enforced_values(std::optional<Settings> values, const UserTimeout& timeout,
                                       bool override_choice);

// A cgroup path as given to --cgroup: absolute under the cgroup2 mount, or relative to it (with
// or without a leading '/', as /proc/PID/cgroup prints it). The result is relative, without "."
// or empty parts, "/" for the mount's root; ".." is refused. (Whether an absolute path outside
// the mount is a directory of another filesystem, a cgroup v1 one, is sys/cgroup's to say.)
Result<std::string> cgroup_relative_path(std::string_view given, std::string_view mount_point);

// The pin file of a cgroup's attachment: its path with '/' as '-' and every byte outside
// [A-Za-z0-9_:] ('-' itself, and '.', which bpffs refuses in names) as \xNN, "-" for the root; a
// long path is cut and ends in a hash of the whole (bpffs names stop at 255 bytes). The cgroup
// itself is recorded in the program; the name only has to be one per cgroup.
std::string pin_name(std::string_view cgroup);

enum class EnforceAction {
  attach,    // nothing attached yet: a new link
  replace,   // a live link: its program replaced in one step (bpf_link_update)
  unchanged, // a live link with the same values: nothing to do
  reattach,  // a link whose cgroup was removed and made again (a unit restarted): a new link
  detach,    // --off: the link detached and unpinned
  absent,    // --off with nothing attached: nothing to do
};

struct EnforcePlan {
  EnforceAction action = EnforceAction::attach;
  std::string pin;                        // the pin to create, replace or remove
  std::optional<EnforceProgram> previous; // what is attached now
  EnforceProgram program;                 // what will be (attach, replace, reattach, unchanged)
};

// What to do for `cgroup` (relative path) whose directory has id `cgroup_id` (its inode), given
// what is pinned. `values` nullopt means --off. `now` is the Unix time of the run; a replaced
// program keeps counting where the previous one was.
EnforcePlan plan_enforce(const std::string& cgroup, std::uint64_t cgroup_id,
                         const std::optional<EnforcedValues>& values,
                         const std::vector<PinnedAttachment>& pinned, std::int64_t now);

// Whether the attachment still acts: its link is on a cgroup that exists.
bool in_force(const PinnedAttachment& attachment);

} // namespace kaltune

namespace kaltune {

// Carries out a plan through the seam: attach, replace, detach and unpin, or (reattach) both.
// Nothing for unchanged and absent.
void execute_enforce(CgroupEnforcer& enforcer, const EnforcePlan& plan,
                     const std::filesystem::path& cgroup_dir);

// What `--existing` did over the connections already established in the subtree.
struct ExistingResult {
  std::size_t processes = 0;   // processes of the subtree looked at
  std::size_t changed = 0;     // connections given the values
  std::size_t left_alone = 0;  // their program had turned SO_KEEPALIVE on itself
  std::size_t failed = 0;      // setsockopt refused (the connection was closing)
  std::size_t unreachable = 0; // processes whose descriptors could not be copied (pidfd_getfd)
};

// What one run did, for the report.
struct EnforceReport {
  EnforcePlan plan;
  std::string cgroup_dir; // the absolute directory
  bool dry_run = false;
  std::optional<std::string> unit; // the cgroup is this systemd unit's
  bool persisted = false;          // --persist: the configuration was written (or removed)
  std::optional<ExistingResult> existing;
};

} // namespace kaltune

namespace kaltune {

// One enforcement kept across reboots (`--persist`), as the configuration file holds it.
struct PersistedEnforcement {
  std::string cgroup; // relative to the cgroup2 mount
  EnforcedValues values;
  bool operator==(const PersistedEnforcement&) const = default;
};

// One row of `enforce --list`: a cgroup with what is attached and what is persisted for it.
struct EnforceListEntry {
  enum class State {
    in_force,     // attached, its cgroup exists; persisted with the same values or not at all
    differs,      // attached, but the persisted values are others (boot will apply those)
    gone,         // pinned, but its cgroup was removed (a unit restarted): acts nowhere
    not_attached, // persisted only: boot applies it, nothing acts now
    unreadable,   // a pin that is not a program of this kaltune
  };
  std::string cgroup;
  State state = State::in_force;
  std::optional<PinnedAttachment> attached;
  std::optional<PersistedEnforcement> persisted;
};

// The rows of --list: every pin, joined by cgroup with the persisted entries, then the persisted
// entries with no pin; by cgroup. `current_ids`: the id (inode) of each cgroup's directory now,
// 0 when it does not exist; a link on another id is on a cgroup removed since (gone).
std::vector<EnforceListEntry>
list_enforcements(const std::vector<PinnedAttachment>& pinned,
                  const std::vector<PersistedEnforcement>& persisted,
                  const std::map<std::string, std::uint64_t>& current_ids = {});

} // namespace kaltune

namespace kaltune {

// Why this kernel cannot run the program asked for, or nullopt. `release` is uname's ("6.1.0-
// 18-amd64"); `btf`: the kernel's BTF is readable (/sys/kernel/btf/vmlinux). Respecting a
// program's own choice reads the socket through BTF with bpf_skc_to_tcp_sock (sock_ops: 5.10);
// --override needs only bpf_setsockopt of the keepalive options from sock_ops (5.9).
std::optional<std::string> kernel_refusal(std::string_view release, bool btf, bool override_choice);

} // namespace kaltune

namespace kaltune {

// Whether a connection established before the attachment gets the values: unless --override,
// not when its program turned SO_KEEPALIVE on (for these, getsockopt is all there is: TCP_KEEP*
// set without SO_KEEPALIVE cannot be told from the sysctls, and are replaced).
bool gives_existing(const EnforcedValues& values, bool keepalive_on);

// --existing: the values given to every established connection held by `pids` (pidfd_getfd).
ExistingResult give_existing(const std::vector<pid_t>& pids, const EnforcedValues& values);

} // namespace kaltune

namespace kaltune {

inline constexpr const char* enforce_config_file = "/etc/kaltune/enforce.conf";

// The persisted enforcements: /etc/kaltune/enforce.conf, one line per cgroup,
//   cgroup=PATH time=S intvl=S probes=N [user-timeout=S] [override]
//   cgroup=PATH sysctl-values [user-timeout=S] [override]
// with blanks, '\' and control bytes of PATH as \xNN. '#' lines are comments.
Result<std::vector<PersistedEnforcement>> parse_enforce_config(std::string_view text,
                                                               std::string_view path);
// The file's text: a header saying who wrote it and what applies it, then one line per entry.
std::string render_enforce_config(const std::vector<PersistedEnforcement>& entries);

// The entries with `entry` in place of the one for its cgroup (or added); without `entry`'s
// values (nullopt), the cgroup's entry removed.
std::vector<PersistedEnforcement> with_persisted(std::vector<PersistedEnforcement> entries,
                                                 const std::string& cgroup,
                                                 const std::optional<EnforcedValues>& values);

} // namespace kaltune

namespace kaltune {

// `--unit NAME --persist`: a unit's cgroup is removed when it stops and made anew when it starts,
// taking the attachment with it. The drop-in /etc/systemd/system/NAME.d/kaltune-enforce.conf
// runs `kaltune enforce --apply-persisted --unit NAME` as the unit's last ExecStartPre= ('+': with
// full privileges, '-': a failure does not stop the unit), so each start attaches again before
// the main process runs. Only services have ExecStartPre=: another unit type is refused (its
// cgroup, a slice's, lives as long as anything runs in it; use --cgroup).
Result<std::string> unit_dropin(std::string_view unit, std::string_view binary);
// Where that drop-in goes.
std::string unit_dropin_path(std::string_view unit);

} // namespace kaltune

namespace kaltune {

struct FoundNetns;

// --pod NAMESPACE/NAME as given; a usage error naming the value otherwise.
Result<PodName> parse_pod(std::string_view text);

// The pod's cgroup (relative to the cgroup2 mount: the path of its processes' v2 cgroup up to the
// part that names the pod UID, kubepods…pod<UID>[.slice]), from the network namespaces found and
// the owner attribution of --all-netns (the runtime's annotations name the pod; a hostname alone
// names no namespace and matches nothing); nullopt when no namespace belongs to it.
std::optional<std::string> pod_cgroup(const PodName& pod, const std::vector<FoundNetns>& namespaces,
                                      NodeFacts& facts);

} // namespace kaltune
