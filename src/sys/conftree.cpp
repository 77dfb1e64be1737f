#include "sys/conftree.hpp"

#include "base/error.hpp"
#include "base/text.hpp"
#include "sys/fd.hpp"
#include "sys/io.hpp"
#include "sys/read_fd.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <deque>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace kaltune {

namespace {
constexpr int max_symlinks = 40;

std::deque<std::string> split_components(std::string_view path) {
  std::deque<std::string> out;
  for (std::string_view part : split_path(path)) {
    if (!part.empty()) {
      out.emplace_back(part);
    }
  }
  return out;
}

std::string join_system(const std::vector<std::string>& components) {
  std::string out;
  for (const auto& component : components) {
    out += "/" + component;
  }
  return out.empty() ? "/" : out;
}

// ROOT/COMPONENT/...: plain string joins (std::filesystem::path's /= parses the whole path
// again at every step, which cost more than the boot view's reading of its files).
std::string host_path(const std::filesystem::path& root,
                      const std::vector<std::string>& components) {
  if (components.empty()) {
    return root.native();
  }
  std::string out = root.native();
  while (!out.empty() && out.back() == '/') {
    out.pop_back();
  }
  for (const auto& component : components) {
    out += '/';
    out += component;
  }
  return out;
}
} // namespace

std::string system_path_of(const std::filesystem::path& root, std::string_view given) {
  if (!given.empty() && given.front() == '/') {
    return std::string(given);
  }
  if (root != "/") {
    return "/" + std::string(given);
  }
  return std::filesystem::absolute(std::filesystem::path(given)).string();
}

int stat_errno(const std::filesystem::path& host) {
  struct stat st {};
  return ::stat(host.c_str(), &st) == 0 ? 0 : errno;
}

namespace {
bool leads_nowhere(int error) {
  return error == ENOENT || error == ENOTDIR || error == ELOOP;
}
} // namespace

namespace {
OpenedFile read_if_present(const std::filesystem::path& host, std::string_view what,
                           std::size_t max) {
  // stat first: a device is never opened (opening one can act, as a watchdog's does) and a
  // socket cannot be; the open does not block and fstat checks again what was opened.
  OpenedFile out;
  struct stat st {};
  if (::stat(host.c_str(), &st) != 0) {
    if (leads_nowhere(errno)) {
      out.absent = errno;
      return out;
    }
    throw SystemError(errno, fmt::format("cannot open {}", what));
  }
  out.kind = file_kind(st);
  if (out.kind != FileKind::regular) {
    return out;
  }
  const UniqueFd fd(open_retrying(host, O_RDONLY | O_NOCTTY | O_NONBLOCK));
  if (fd.get() < 0) {
    if (leads_nowhere(errno)) { // gone since the stat
      out.absent = errno;
      return out;
    }
    throw SystemError(errno, fmt::format("cannot open {}", what));
  }
  if (::fstat(fd.get(), &st) != 0) {
    throw SystemError(errno, fmt::format("cannot examine {}", what));
  }
  out.kind = file_kind(st);
  if (out.kind == FileKind::regular) {
    out.content = read_fd(fd.get(), what, max);
  }
  return out;
}
} // namespace

OpenedFile read_if_regular(const std::filesystem::path& host, std::string_view what,
                           std::size_t max) {
  OpenedFile out = read_if_present(host, what, max);
  if (out.absent != 0) {
    throw SystemError(out.absent, fmt::format("cannot open {}", what));
  }
  return out;
}

std::string ConfNode::name() const {
  const auto slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

RootPath resolve_in_root(const std::filesystem::path& root, const std::string& system_path) {
  std::deque<std::string> todo = split_components(system_path);
  std::vector<std::string> done;
  int links = 0;
  while (!todo.empty()) {
    std::string component = std::move(todo.front());
    todo.pop_front();
    if (component == ".") {
      continue;
    }
    if (component == "..") {
      if (!done.empty()) {
        done.pop_back();
      }
      continue;
    }
    done.push_back(component);
    const std::string host = host_path(root, done);
    struct stat st {};
    if (::lstat(host.c_str(), &st) != 0 || !S_ISLNK(st.st_mode)) {
      continue; // missing components stay as they are; the caller finds out when it opens
    }
    if (++links > max_symlinks) {
      return RootPath{host, join_system(done), true};
    }
    const std::optional<std::string> read = read_link(host);
    if (!read) {
      throw SystemError(errno, fmt::format("cannot read the symlink {}", join_system(done)));
    }
    const std::string& target = *read;
    done.pop_back();
    if (!target.empty() && target.front() == '/') {
      done.clear(); // an absolute target starts again at the root, never above it
    }
    auto parts = split_components(target);
    todo.insert(todo.begin(), parts.begin(), parts.end());
  }
  return RootPath{host_path(root, done), join_system(done), false};
}

bool is_regular_in_root(const std::filesystem::path& root, const std::string& system_path) {
  const RootPath resolved = resolve_in_root(root, system_path);
  struct stat st {};
  return !resolved.loop && ::stat(resolved.host.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

ConfNode read_conf_node(const std::filesystem::path& root, const std::string& system_path) {
  ConfNode node;
  node.path = system_path;
  const RootPath resolved = resolve_in_root(root, system_path);
  node.target = resolved.system;
  if (resolved.loop) {
    node.kind = NodeKind::broken;
    node.loop = true;
    return node;
  }
  // A link to /dev/null masks, whether or not the root has a /dev (image builds have none).
  if (resolved.system == "/dev/null") {
    node.kind = NodeKind::null_device;
    return node;
  }
  // Opened without blocking and examined before anything is read: a FIFO never hangs the run.
  OpenedFile file = read_if_present(resolved.host, system_path, max_config_bytes + 1);
  if (file.absent != 0) {
    node.kind = NodeKind::broken;
    node.loop = file.absent == ELOOP;
    return node;
  }
  node.file_kind = file.kind;
  switch (file.kind) {
  case FileKind::regular:
    if (file.content.size() > max_config_bytes) {
      node.kind = NodeKind::too_long; // bounded memory whatever the tree holds
    } else {
      node.kind = NodeKind::regular;
      node.content = std::move(file.content);
    }
    break;
  case FileKind::null_device:
    node.kind = NodeKind::null_device;
    break;
  case FileKind::directory:
    node.kind = NodeKind::directory;
    break;
  case FileKind::fifo:
  case FileKind::socket:
  case FileKind::device:
    node.kind = NodeKind::other;
    break;
  }
  return node;
}

const ConfNode* ConfTree::find(std::string_view path) const {
  for (const ConfNode& node : extra) {
    if (node.path == path) {
      return node.kind == NodeKind::broken ? nullptr : &node;
    }
  }
  return nullptr;
}

const ConfListing* ConfTree::listing(std::string_view path) const {
  for (const ConfListing& dir : listings) {
    if (dir.path == path) {
      return &dir;
    }
  }
  return nullptr;
}

std::vector<std::string> list_names(const std::filesystem::path& root, const std::string& dir,
                                    std::string_view suffix) {
  std::vector<std::string> names;
  const RootPath resolved = resolve_in_root(root, dir);
  if (resolved.loop) {
    return names;
  }
  const int listed = for_each_entry(resolved.host, [&](const DirEntry& entry) {
    if (entry.name.size() >= suffix.size() &&
        entry.name.substr(entry.name.size() - suffix.size()) == suffix) {
      names.emplace_back(entry.name);
    }
  });
  if (listed != 0 && listed != ENOENT && listed != ENOTDIR) {
    throw SystemError(listed, fmt::format("cannot list {}", dir));
  }
  return names;
}

ConfTree read_conf_tree(const std::filesystem::path& root, const std::vector<std::string>& dirs) {
  ConfTree tree;
  tree.sysctl_conf = read_conf_node(root, "/etc/sysctl.conf");
  std::size_t files = 1;
  std::size_t bytes = tree.sysctl_conf.content.size();
  bool spent = false;
  for (const std::string& dir : dirs) {
    ConfDir listing;
    listing.path = dir;
    std::vector<std::string> names = list_names(root, dir, ".conf");
    std::sort(names.begin(), names.end());
    for (const auto& name : names) {
      const std::string path = dir + "/" + name;
      if (spent || files >= max_tree_files || bytes >= max_tree_bytes) {
        if (!spent) {
          tree.warnings.push_back(fmt::format(
              "{}: not read, nor any file after it: the sysctl.d directories hold more than {} "
              "in all (kaltune's cap), so what boot applies from the files not read is not known",
              path, max_tree_text));
          spent = true;
        }
        listing.entries.push_back(ConfNode{path, path, NodeKind::unread, {}});
        continue;
      }
      listing.entries.push_back(read_conf_node(root, path));
      ++files;
      bytes += listing.entries.back().content.size();
    }
    tree.dirs.push_back(std::move(listing));
  }
  return tree;
}

} // namespace kaltune
