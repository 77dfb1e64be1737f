#include "sys/cgroup.hpp"

#include "base/error.hpp"
#include "base/text.hpp"
#include "sys/fd.hpp"
#include "sys/io.hpp"
#include "sys/mountinfo.hpp"
#include "sys/read_fd.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <dirent.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <memory>
#include <sys/stat.h>
#include <sys/statfs.h>

namespace kaltune {

namespace {
std::string read_whole_file(const std::filesystem::path& path) {
  const UniqueFd fd(open_retrying(path, O_RDONLY));
  if (fd.get() < 0) {
    throw SystemError(errno, fmt::format("cannot open {}", path.string()));
  }
  return read_fd(fd.get(), path.string());
}

// Subdirectories of a cgroup directory (its child cgroups), without following links. A directory
// removed meanwhile, or not readable, has nothing below it to reach.
std::vector<std::string> child_cgroups(const std::filesystem::path& dir) {
  std::vector<std::string> children;
  for_each_entry(dir, [&](const DirEntry& entry) {
    if (entry.type == DT_DIR) {
      children.emplace_back(entry.name);
    }
  });
  std::sort(children.begin(), children.end());
  return children;
}
} // namespace

std::vector<CgroupMount> parse_cgroup_mounts(std::string_view mountinfo) {
  std::vector<CgroupMount> mounts;
  for (MountinfoLine& line : parse_mountinfo(mountinfo)) {
    if (line.fstype == "cgroup2" || line.fstype == "cgroup") {
      CgroupMount mount;
      mount.mount_point = std::move(line.mount_point);
      mount.root = std::move(line.root);
      mount.v2 = line.fstype == "cgroup2";
      if (!mount.v2) {
        mount.controllers = std::move(line.super_options);
      }
      mounts.push_back(std::move(mount));
    }
  }
  return mounts;
}

std::filesystem::path cgroup2_mount(const std::string& mountinfo_path) {
  const auto mounts = parse_cgroup_mounts(read_whole_file(mountinfo_path));
  for (const CgroupMount& mount : mounts) {
    if (mount.v2) {
      return mount.mount_point;
    }
  }
  throw Error(ExitStatus::system,
              mounts.empty()
                  ? "no cgroup filesystem is mounted: enforce attaches to a cgroup v2 directory"
                  : fmt::format("only cgroup v1 is mounted ({} hierarchies, e.g. {}): enforce "
                                "needs the cgroup v2 filesystem (a unified or hybrid host)",
                                mounts.size(), mounts.front().mount_point));
}

CgroupDir open_cgroup_dir(const std::filesystem::path& path) {
  const UniqueFd fd(open_retrying(path, O_RDONLY | O_DIRECTORY));
  if (fd.get() < 0) {
    if (errno == ENOENT) {
      throw Error(ExitStatus::system,
                  fmt::format("no cgroup {} (no such directory)", printable(path.string())));
    }
    throw SystemError(errno, fmt::format("cannot open the cgroup {}", printable(path.string())));
  }
  struct statfs fs {};
  struct stat st {};
  if (::fstatfs(fd.get(), &fs) != 0 || ::fstat(fd.get(), &st) != 0) {
    throw SystemError(errno, fmt::format("cannot stat the cgroup {}", printable(path.string())));
  }
  if (static_cast<unsigned long>(fs.f_type) != CGROUP2_SUPER_MAGIC) {
    throw Error(ExitStatus::system,
                fmt::format("{} is not a cgroup v2 directory{}", printable(path.string()),
                            static_cast<unsigned long>(fs.f_type) == CGROUP_SUPER_MAGIC
                                ? " (a cgroup v1 one)"
                                : ""));
  }
  return {path, static_cast<std::uint64_t>(st.st_ino)};
}

std::uint64_t cgroup_id(const std::filesystem::path& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 ? static_cast<std::uint64_t>(st.st_ino) : 0;
}

std::optional<std::string> foreign_directory(const std::filesystem::path& path,
                                             const std::filesystem::path& mount) {
  struct statfs fs {};
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0 || !S_ISDIR(st.st_mode) || ::statfs(path.c_str(), &fs) != 0) {
    return std::nullopt;
  }
  const auto type = static_cast<unsigned long>(fs.f_type);
  if (type == CGROUP2_SUPER_MAGIC) {
    return std::nullopt;
  }
  if (type == CGROUP_SUPER_MAGIC) {
    return fmt::format("{} is a cgroup v1 directory: enforce attaches to cgroup v2 directories, "
                       "under {}",
                       printable(path.string()), printable(mount.string()));
  }
  return fmt::format("{} is not a cgroup directory (cgroup v2 is mounted at {})",
                     printable(path.string()), printable(mount.string()));
}

std::vector<pid_t> subtree_processes(const std::filesystem::path& dir) {
  std::vector<pid_t> pids;
  std::vector<std::filesystem::path> pending{dir};
  while (!pending.empty()) {
    const std::filesystem::path current = std::move(pending.back());
    pending.pop_back();
    const UniqueFd fd(open_retrying(current / "cgroup.procs", O_RDONLY));
    if (fd.get() >= 0) {
      const std::string text = read_fd(fd.get(), (current / "cgroup.procs").string());
      std::string_view rest = text;
      while (!rest.empty()) {
        const std::size_t end = std::min(rest.find('\n'), rest.size());
        pid_t pid = 0;
        const std::string_view line = rest.substr(0, end);
        const auto [ptr, ec] = std::from_chars(line.data(), line.data() + line.size(), pid);
        if (ec == std::errc() && ptr == line.data() + line.size() && pid > 0) {
          pids.push_back(pid);
        }
        rest.remove_prefix(std::min(end + 1, rest.size()));
      }
    }
    for (const std::string& child : child_cgroups(current)) {
      pending.push_back(current / child);
    }
  }
  std::sort(pids.begin(), pids.end());
  pids.erase(std::unique(pids.begin(), pids.end()), pids.end());
  return pids;
}

std::vector<std::uint64_t> subtree_ids(const std::filesystem::path& dir) {
  std::vector<std::uint64_t> ids;
  std::vector<std::filesystem::path> pending{dir};
  while (!pending.empty()) {
    const std::filesystem::path current = std::move(pending.back());
    pending.pop_back();
    if (const std::uint64_t id = cgroup_id(current); id != 0) {
      ids.push_back(id);
    }
    for (const std::string& child : child_cgroups(current)) {
      pending.push_back(current / child);
    }
  }
  return ids;
}

std::vector<std::string> find_unit_cgroups(const std::filesystem::path& mount,
                                           std::string_view unit) {
  std::vector<std::string> found;
  std::vector<std::string> pending{""};
  while (!pending.empty()) {
    const std::string current = std::move(pending.back());
    pending.pop_back();
    for (const std::string& child : child_cgroups(mount / current)) {
      const std::string path = current.empty() ? child : current + "/" + child;
      if (child == unit) {
        found.push_back(path);
      }
      pending.push_back(path);
    }
  }
  std::sort(found.begin(), found.end());
  return found;
}

} // namespace kaltune
