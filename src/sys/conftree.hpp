#pragma once

// The seam between the boot-view resolver and the files under a root directory: it lists the
// sysctl.d directories and reads what their entries lead to, resolving every symlink inside the
// root (an absolute target /x means ROOT/x; ".." stops at ROOT). The resolver itself is pure and
// takes the ConfTree as data.

#include "sys/file_kind.hpp"

#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kaltune {

// What a configuration path turned out to be once symlinks were followed.
enum class NodeKind {
  regular,     // a file: `content` holds its bytes
  directory,   // a directory named like a file
  null_device, // /dev/null (a mask): also a link to /dev/null in a root that has no /dev
  other,       // another device, a FIFO or a socket: never opened
  too_long,    // a regular file larger than max_config_bytes: not read (`content` empty)
  broken,      // a dangling symlink or a symlink loop
  unread,      // not read: the directories' budget (max_tree_files, max_tree_bytes) was spent
};

// What read_conf_tree reads at most, in all (each file also at most max_config_bytes): past it,
// entries are `unread` and the tree's warnings say so.
inline constexpr std::size_t max_tree_files = 10000;
inline constexpr std::size_t max_tree_bytes = 16 * 1024 * 1024;
inline constexpr std::string_view max_tree_text = "10000 files or 16 MiB";

struct ConfNode {
  std::string path;   // as the system sees it (no root prefix), e.g. /etc/sysctl.d/99-sysctl.conf
  std::string target; // `path` with its symlinks resolved, e.g. /etc/sysctl.conf
  NodeKind kind = NodeKind::regular;
  std::string content;
  bool loop = false;                      // `broken` because of a symlink loop
  FileKind file_kind = FileKind::regular; // what an `other` node is
  std::string name() const;               // the last component of `path`
};

struct ConfDir {
  std::string path;              // e.g. /etc/sysctl.d
  std::vector<ConfNode> entries; // names ending in ".conf", in no particular order
};

// The names found in a directory that was listed (not read) for boot's other inputs.
struct ConfListing {
  std::string path;
  std::vector<std::string> names;
};

struct ConfTree {
  std::vector<ConfDir> dirs; // in the order asked for; a missing directory has no entries
  ConfNode sysctl_conf;      // /etc/sysctl.conf; kind `broken` when it does not exist
  // The other inputs of boot, found by path: the next boot's kernel command line
  // (/etc/kernel/cmdline, GRUB's defaults, Boot Loader Specification entries), the sysctl.extra
  // credential and tuned's configuration. A path that was not read is absent.
  std::vector<ConfNode> extra;
  std::vector<ConfListing> listings;       // directories listed for them, by path
  std::optional<std::string> proc_cmdline; // this boot's /proc/cmdline (never under --root)
  std::vector<std::string> warnings;       // inputs that exist but could not be read
  const ConfNode* find(std::string_view path) const; // in `extra`; nullptr when absent or unread
  const ConfListing* listing(std::string_view path) const; // nullptr when not listed
};

// What a path given on the command line (`show --source FILE`, a `diff` source, `--file`) means:
// the path as the system under `root` sees it, always absolute. Under --root every path is inside
// the root and a relative one is taken from it ("x.conf" is "/x.conf"); without --root (`root`
// "/") a relative path is taken from the current directory. The one rule for every such path.
std::string system_path_of(const std::filesystem::path& root, std::string_view given);

// Where `system_path` leads under `root`, following symlinks inside it. `host` is the path to
// open; `system` the same without the root prefix. Missing components are kept as they are.
struct RootPath {
  std::filesystem::path host;
  std::string system;
  bool loop = false; // more than 40 symlinks
};
RootPath resolve_in_root(const std::filesystem::path& root, const std::string& system_path);

// Whether `system_path` leads to a regular file under `root` (nothing is read).
bool is_regular_in_root(const std::filesystem::path& root, const std::string& system_path);

// The errno of stat(2) on the host path `host` (following symlinks), 0 when it exists.
int stat_errno(const std::filesystem::path& host);

// What a file opened for reading turned out to be.
struct OpenedFile {
  FileKind kind = FileKind::regular;
  std::string content; // a regular file's bytes, at most the `max` asked for
  int absent = 0;      // read_if_present: ENOENT, ENOTDIR or ELOOP when the path leads nowhere
};
// Opens the host path `host` without blocking (a FIFO never waits for a writer), examines it and
// reads it only when it is a regular file, at most `max` bytes (ask for one more than a limit to
// see that a file exceeds it). Throws SystemError "cannot open WHAT" / "cannot examine WHAT" /
// "cannot read WHAT".
OpenedFile read_if_regular(const std::filesystem::path& host, std::string_view what,
                           std::size_t max);

// Reads one path under `root`. Throws SystemError when it exists but cannot be read.
ConfNode read_conf_node(const std::filesystem::path& root, const std::string& system_path);

// The names in the directory `dir` (a system path) under `root` that end in `suffix`, unsorted;
// none when it does not exist. Throws SystemError when it cannot be listed.
std::vector<std::string> list_names(const std::filesystem::path& root, const std::string& dir,
                                    std::string_view suffix);

// Reads /etc/sysctl.conf and `dirs` (system paths) under `root`, each directory's names in
// strcmp order, within max_tree_files and max_tree_bytes.
ConfTree read_conf_tree(const std::filesystem::path& root, const std::vector<std::string>& dirs);

} // namespace kaltune
