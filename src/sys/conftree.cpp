#include "sys/conftree.hpp"

#include "base/error.hpp"
#include "base/text.hpp"
#include "sys/fd.hpp"
#include "sys/io.hpp"
#include "sys/read_fd.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <deque>
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
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

std::filesystem::path host_path(const std::filesystem::path& root,
                                const std::vector<std::string>& components) {
  std::filesystem::path out = root;
  for (const auto& component : components) {
    out /= component;
  }
  return out;
}

std::string read_all(const std::filesystem::path& path, const std::string& system) {
  const UniqueFd fd(open_retrying(path, O_RDONLY | O_NOCTTY));
  if (fd.get() < 0) {
    throw SystemError(errno, fmt::format("cannot open {}", system));
  }
  return read_fd(fd.get(), system);
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

OpenedFile read_if_regular(const std::filesystem::path& host, std::string_view what,
                           std::size_t max) {
  const UniqueFd fd(open_retrying(host, O_RDONLY | O_NOCTTY | O_NONBLOCK));
  if (fd.get() < 0) {
    throw SystemError(errno, fmt::format("cannot open {}", what));
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) {
    throw SystemError(errno, fmt::format("cannot examine {}", what));
  }
  OpenedFile out;
  if (S_ISCHR(st.st_mode) && st.st_rdev == makedev(1, 3)) {
    out.kind = FileKind::null_device;
  } else if (S_ISDIR(st.st_mode)) {
    out.kind = FileKind::directory;
  } else if (S_ISFIFO(st.st_mode)) {
    out.kind = FileKind::fifo;
  } else if (S_ISSOCK(st.st_mode)) {
    out.kind = FileKind::socket;
  } else if (!S_ISREG(st.st_mode)) {
    out.kind = FileKind::device;
  } else {
    out.content = read_fd(fd.get(), what, max);
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
    const std::filesystem::path host = host_path(root, done);
    struct stat st {};
    if (::lstat(host.c_str(), &st) != 0 || !S_ISLNK(st.st_mode)) {
      continue; // missing components stay as they are; the caller finds out when it opens
    }
    if (++links > max_symlinks) {
      return RootPath{host, join_system(done), true};
    }
    std::string target(static_cast<std::size_t>(st.st_size) + 256, '\0');
    const ssize_t n = ::readlink(host.c_str(), target.data(), target.size());
    if (n < 0) {
      throw SystemError(errno, fmt::format("cannot read the symlink {}", join_system(done)));
    }
    target.resize(static_cast<std::size_t>(n));
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
    return node;
  }
  // A link to /dev/null masks, whether or not the root has a /dev (image builds have none).
  if (resolved.system == "/dev/null") {
    node.kind = NodeKind::null_device;
    return node;
  }
  struct stat st {};
  if (::stat(resolved.host.c_str(), &st) != 0) {
    if (errno == ENOENT || errno == ENOTDIR || errno == ELOOP) {
      node.kind = NodeKind::broken;
      return node;
    }
    throw SystemError(errno, fmt::format("cannot examine {}", system_path));
  }
  if (S_ISDIR(st.st_mode)) {
    node.kind = NodeKind::directory;
  } else if (S_ISCHR(st.st_mode) && st.st_rdev == makedev(1, 3)) {
    node.kind = NodeKind::null_device;
  } else if (!S_ISREG(st.st_mode)) {
    node.kind = NodeKind::other;
  } else {
    node.kind = NodeKind::regular;
    node.content = read_all(resolved.host, system_path);
  }
  return node;
}

ConfTree read_conf_tree(const std::filesystem::path& root, const std::vector<std::string>& dirs) {
  ConfTree tree;
  for (const std::string& dir : dirs) {
    ConfDir listing;
    listing.path = dir;
    const RootPath resolved = resolve_in_root(root, dir);
    DIR* handle = resolved.loop ? nullptr : ::opendir(resolved.host.c_str());
    if (handle == nullptr) {
      if (!resolved.loop && errno != ENOENT && errno != ENOTDIR) {
        throw SystemError(errno, fmt::format("cannot list {}", dir));
      }
      tree.dirs.push_back(std::move(listing));
      continue;
    }
    std::vector<std::string> names;
    errno = 0;
    while (const dirent* entry = ::readdir(handle)) {
      const std::string_view name = entry->d_name;
      if (name.size() >= 5 && name.substr(name.size() - 5) == ".conf") {
        names.emplace_back(name);
      }
    }
    const int list_errno = errno;
    ::closedir(handle);
    if (list_errno != 0) {
      throw SystemError(list_errno, fmt::format("cannot list {}", dir));
    }
    for (const auto& name : names) {
      listing.entries.push_back(read_conf_node(root, dir + "/" + name));
    }
    tree.dirs.push_back(std::move(listing));
  }
  tree.sysctl_conf = read_conf_node(root, "/etc/sysctl.conf");
  return tree;
}

} // namespace kaltune
