#pragma once

// What the boot-time applier will set for the three keys (the "boot" source), for `show`,
// `diff`, and the boot-view checks of `set --persist` and `reset`.

#include "base/keepalive.hpp"
#include "base/source.hpp"
#include "config/boot_source.hpp"
#include "sys/conftree.hpp"

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kaltune {

// systemd-sysctl as in systemd 252, or procps `sysctl --system` as in procps 4.0.2.
enum class BootModel { systemd, procps };
std::string_view to_string(BootModel model);
// auto: systemd when systemd-sysctl exists under `root`, else procps.
BootModel detect_boot_model(const std::filesystem::path& root);

// The source of an assignment (its row in boot_source.hpp): "kernel_cmdline", "file", …
std::string_view to_string(BootStage stage);

// One assignment of one of the three keys in a configuration file, in the order the applier
// reads them. A glob line gives one assignment per key it matches; a "-key" exclusion line (no
// '=') is listed too, with `exclusion` set and no value, because it can change the outcome.
struct BootAssignment {
  Key key = Key::time;
  std::string file; // as the system sees it (no --root prefix), e.g. /etc/sysctl.d/99-kaltune.conf
  std::string target; // `file` with its symlinks resolved (inside --root), e.g. /etc/sysctl.conf
  std::size_t line = 0;
  std::string text;                  // the value as written
  std::optional<std::int64_t> value; // what the kernel stores; nullopt when it rejects the text
  bool written = false;   // the applier writes it to the kernel (it may still be rejected)
  bool exclusion = false; // a "-key" line
  bool glob = false;      // the line's key is a pattern such as net.ipv4.tcp_keepalive_*
  bool winner = false;    // the assignment boot leaves in place
  // What the kernel makes of `text` when that is not what it looks like ("the kernel reads 0300 as
  // octal: 192"), or why it rejects it; "" when it stores what the text says. Also in `notes`.
  std::string kernel_note;
  std::vector<std::string> notes; // for people: kernel_note, "set through the pattern …", …
  BootStage stage = BootStage::applier;
  std::string profile; // tuned_profile: the profile's name
  char condition = 0;  // tuned_profile "<N"/">N": '<' or '>', written only when N is below/above
  // "file:line"; "credential sysctl.extra:3"; "kernel command line (/etc/default/grub)";
  // "tuned profile NAME: path:line"; "file:line (re-applied by tuned)": its source's row says.
  std::string origin() const;
};

// One step of boot that can set the keys, as found on this system, for `show --source boot`.
struct BootStep {
  BootStage stage = BootStage::applier;
  bool active = false;
  std::string what; // "kernel command line of the next boot, from /etc/default/grub", …
};

// A file the applier considered, and what it did with it.
struct BootFile {
  std::string path;   // as listed, e.g. /etc/sysctl.d/99-sysctl.conf
  std::string target; // behind symlinks, e.g. /etc/sysctl.conf or /dev/null
  bool applied = false;
  std::string note; // "masked", "shadowed by /etc/sysctl.d/x.conf", "hidden: skipped", …
};

struct BootView {
  BootModel model = BootModel::systemd;
  std::vector<BootFile> files; // in the order the applier reads them, then the ones it skips
  SourcedSettings settings;    // source "boot"; origins "file:line" or "kernel default"
  std::vector<BootAssignment> assignments;
  std::vector<std::string> warnings; // "file:line: what", for lines ignored or rejected
  std::vector<BootStep> steps;       // every stage, in the order they act
};

// The keys no line assigns (a rejected assignment counts as one); their value is the default
// (`show --source FILE` says they are not set in FILE).
std::vector<Key> unassigned_keys(const BootView& view);

// Resolves the boot view of the configuration under `root` ("/" for the live system). Symlinks
// are resolved inside `root` and never escape it. Throws Error on I/O failures.
BootView resolve_boot(const std::filesystem::path& root, BootModel model);

// The directories `model` reads, in priority order.
std::vector<std::string> boot_dirs(BootModel model);

// What resolve_boot reads: both models' directories and /etc/sysctl.conf under `root`, and the
// other inputs of boot (ConfTree::extra); /proc/cmdline only when `root` is "/".
ConfTree read_boot_tree(const std::filesystem::path& root);

// `tree` as it would be after writing `content` to the system path `path` (through symlinks:
// every node whose path or target is `path` gets the content). A file in one of the tree's
// directories that does not exist yet is added. For "what would boot apply if I wrote this".
ConfTree with_file(ConfTree tree, const std::string& path, const std::string& content);

// The pure part of resolve_boot: the files already read (tests build trees as data).
BootView resolve_boot_tree(const ConfTree& tree, BootModel model);

// `show --source FILE`: what applying FILE alone with `model`'s rules sets. Keys it does not
// assign keep "kernel default" as their origin (the caller says they are not set in FILE).
BootView resolve_file(const ConfNode& file, BootModel model);
// The same for a path read under `root` (relative paths are taken from the current directory
// when root is "/"). Throws Error when the file cannot be read.
BootView resolve_file(const std::filesystem::path& root, const std::string& path, BootModel model);

} // namespace kaltune
