#pragma once

// The seam between the boot-view resolver and the files under a root directory: it lists the
// sysctl.d directories and reads what their entries lead to, resolving every symlink inside the
// root (an absolute target /x means ROOT/x; ".." stops at ROOT). The resolver itself is pure and
// takes the ConfTree as data.

#include <filesystem>
#include <string>
#include <vector>

namespace kaltune {

// What a configuration path turned out to be once symlinks were followed.
enum class NodeKind {
  regular,     // a file: `content` holds its bytes
  directory,   // a directory named like a file
  null_device, // /dev/null (a mask): also a link to /dev/null in a root that has no /dev
  other,       // another device, a FIFO or a socket: never opened
  broken,      // a dangling symlink or a symlink loop
};

struct ConfNode {
  std::string path;   // as the system sees it (no root prefix), e.g. /etc/sysctl.d/99-sysctl.conf
  std::string target; // `path` with its symlinks resolved, e.g. /etc/sysctl.conf
  NodeKind kind = NodeKind::regular;
  std::string content;
  std::string name() const; // the last component of `path`
};

struct ConfDir {
  std::string path;              // e.g. /etc/sysctl.d
  std::vector<ConfNode> entries; // names ending in ".conf", in no particular order
};

struct ConfTree {
  std::vector<ConfDir> dirs; // in the order asked for; a missing directory has no entries
  ConfNode sysctl_conf;      // /etc/sysctl.conf; kind `broken` when it does not exist
};

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

// Reads one path under `root`. Throws SystemError when it exists but cannot be read.
ConfNode read_conf_node(const std::filesystem::path& root, const std::string& system_path);

// Reads `dirs` (system paths) and /etc/sysctl.conf under `root`.
ConfTree read_conf_tree(const std::filesystem::path& root, const std::vector<std::string>& dirs);

} // namespace kaltune
