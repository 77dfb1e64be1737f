#pragma once

// The sources boot applies besides the sysctl.d files, parsed as their programs parse them. Pure.
// - The kernel command line: lib/cmdline.c next_arg and kernel/params.c parse_args (double quotes,
//   "--" ends the kernel's part) and fs/proc/proc_sysctl.c process_sysctl_arg (Linux 5.8+:
//   "sysctl" then '.' or '/', every '.' of the rest becomes '/').
// - Where the next boot's command line is written: GRUB's /etc/default/grub and grub.d/*.cfg
//   (shell assignments, as grub-mkconfig sources them), Boot Loader Specification entries.
// - tuned 2.20 (profiles/loader.py, merger.py, plugins/plugin_sysctl.py): INI profiles with
//   include= inheritance, their [sysctl] units, and the files it re-applies.

#include "base/keepalive.hpp"
#include "sys/conftree.hpp"

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kaltune {

// One parameter of a kernel command line: `name` or `name=value`, quotes removed as the kernel
// removes them.
struct KernelParam {
  std::string name;
  std::optional<std::string> value;
};
// The parameters the kernel hands to its handlers, up to a lone "--".
std::vector<KernelParam> split_kernel_cmdline(std::string_view cmdline);

// The key a path below /proc/sys with '/' separators reaches ("net/ipv4/tcp_keepalive_time",
// empty components ignored), if it is one of ours; a trailing '/' reaches nothing (ENOTDIR).
std::optional<Key> proc_path_key(const std::string& path);

// The key a "sysctl.…" parameter writes, if it is one of ours
// ("sysctl.net.ipv4.tcp_keepalive_time", "sysctl/net/ipv4/tcp_keepalive_time",
// "sysctl.net/ipv4.tcp_keepalive_time" alike).
std::optional<Key> kernel_param_key(std::string_view name);

// Our keys' assignments on a command line, in order. A parameter without a value or with an empty
// one is rejected by the kernel (-EINVAL) and listed with `value` nullopt.
struct CmdlineAssignment {
  Key key = Key::time;
  std::string param;                // as written, e.g. sysctl.net.ipv4.tcp_keepalive_time
  std::optional<std::string> value; // nullopt: no value, the kernel writes nothing
};
std::vector<CmdlineAssignment> cmdline_assignments(std::string_view cmdline);

// The command line GRUB's generated default entry gets: "${GRUB_CMDLINE_LINUX}
// ${GRUB_CMDLINE_LINUX_DEFAULT}" after sourcing `files` in order (/etc/default/grub, then
// /etc/default/grub.d/*.cfg sorted). Shell words: '…', "…" with $NAME/${NAME} of earlier
// assignments, backslashes; `warnings` get what cannot be evaluated ($(…), backquotes).
// The shell variables hold at most max_grub_shell_bytes in all: an assignment that would take them
// past it (a variable doubled 28 times is a GiB) is a warning naming its file:line and the cap,
// and nothing from there on is read.
inline constexpr std::size_t max_grub_shell_bytes = 64 * 1024;
std::string grub_cmdline(const std::vector<const ConfNode*>& files,
                         std::vector<std::string>& warnings);

// The default Boot Loader Specification entry among `entries` (…/loader/entries/*.conf): the first
// one, in systemd-boot's order (file names by version, newest first), whose name matches the
// `default` glob of `loader_conf` (the first one when none matches or there is no pattern).
const ConfNode* bls_default_entry(const std::vector<const ConfNode*>& entries,
                                  const ConfNode* loader_conf);
// An entry's "options" lines, joined by spaces.
std::string bls_options(const ConfNode& entry);

// One option of a tuned profile's sysctl unit.
struct TunedOption {
  std::string name;  // as written, e.g. net.ipv4.tcp_keepalive_time
  std::string value; // as written (quotes and modifiers not yet removed)
  std::string file;  // the profile's tuned.conf
  std::size_t line = 0;
  std::string profile;
};

// A profile as tuned's loader reads it (Python configparser: '=' only, '#'/';' comment lines,
// " #" inline comments, indented continuation lines).
struct TunedIni {
  struct Option {
    std::string name;
    std::string value;
    std::size_t line = 0;
  };
  struct Section {
    std::string name;
    std::vector<Option> options;
  };
  std::vector<Section> sections;
  std::optional<std::string> error; // "file:line: …": tuned refuses the whole profile
  const Option* find(std::string_view section, std::string_view name) const;
};
TunedIni parse_tuned_ini(const std::string& file, std::string_view content);

// tuned's boolean (configparser getboolean): 1/yes/true/on, 0/no/false/off.
std::optional<bool> tuned_bool(std::string_view text);

// The profiles tuned loads for `names` (active_profile, then post_loaded_profile), each looked up
// in /etc/tuned/NAME/tuned.conf then /usr/lib/tuned/NAME/tuned.conf through `find`; includes come
// before the profile that includes them. The merged sysctl options in tuned's order (a later
// profile replaces an option's value in place, `replace=1` drops the earlier ones).
struct TunedLoad {
  std::vector<TunedOption> options;
  std::vector<std::string> profiles; // "NAME (path)", in load order
  std::vector<std::string> warnings;
  bool failed = false; // tuned refuses the profile set: nothing applied
};
TunedLoad load_tuned_profiles(const std::vector<std::string>& names,
                              const std::function<const ConfNode*(const std::string&)>& find);

// tuned follows include= at most this deep (tuned itself, in Python, fails near its recursion
// limit of 1000); a deeper chain is a warning naming it, and no profile is loaded.
inline constexpr std::size_t max_tuned_include_depth = 64;
// The names of an include= value ("a, b;c"), as tuned's loader splits them.
std::vector<std::string> tuned_include_names(std::string_view value);
// The directory name tuned looks a profile name up by (what follows its last '/').
std::string tuned_profile_base(std::string_view name);

// The key a tuned sysctl option writes (every '.' becomes '/'), if it is one of ours.
std::optional<Key> tuned_option_key(std::string_view name);

// A profile value as tuned writes it: one pair of enclosing double quotes removed.
std::string tuned_unquote(std::string_view value);

// The lines of a sysctl file that tuned's reapply writes to one of our keys
// (_apply_sysctl_config_line: stripped, '#'/';' comments, "key = value" split at the first '=',
// no '-' prefix, no globs).
struct TunedLine {
  Key key = Key::time;
  std::size_t line = 0;
  std::string value;
};
std::vector<TunedLine> tuned_sysctl_lines(std::string_view content);

} // namespace kaltune
