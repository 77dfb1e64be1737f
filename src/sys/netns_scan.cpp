#include "sys/netns_scan.hpp"

#include "base/error.hpp"
#include "sys/io.hpp"
#include "sys/mountinfo.hpp"
#include "sys/netns.hpp"
#include "sys/read_fd.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <map>
#include <sched.h>
#include <sys/stat.h>
#include <unistd.h>

namespace kaltune {

namespace {

std::optional<std::uint64_t> parse_u64(std::string_view text) {
  std::uint64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc{} || end != text.data() + text.size()) {
    return std::nullopt;
  }
  return value;
}

NetnsId id_of(const struct stat& st) {
  return NetnsId{static_cast<std::uint64_t>(st.st_dev), static_cast<std::uint64_t>(st.st_ino)};
}

bool is_gone(int error) {
  return error == ENOENT || error == ESRCH;
}

std::string reason_of(int error) {
  if (error == EACCES || error == EPERM) {
    return fmt::format("{} ({})", std::strerror(error), denied_hint());
  }
  return std::strerror(error);
}

// A /proc text file read to its end, or nullopt when the process went away or hides it. Never
// capped: the kernel makes these files from the machine's own state (a mount table of a thousand
// `ip netns add` names is 150 KiB), and a cut would drop what comes after it without a word.
std::optional<std::string> read_proc_text(const std::string& path) {
  UniqueFd fd(open_retrying(path, O_RDONLY));
  if (fd.get() < 0) {
    return std::nullopt;
  }
  try {
    return read_fd(fd.get(), path);
  } catch (const SystemError&) {
    return std::nullopt; // ESRCH: the process exited between open and read
  }
}

std::optional<pid_t> pid_name(std::string_view name) {
  const auto value = parse_u64(name);
  if (!value || *value == 0 || *value > 0x7fffffff) {
    return std::nullopt;
  }
  return static_cast<pid_t>(*value);
}

class Scanner {
public:
  Scanner(const std::string& proc, const ScanLimits& limits) : proc_(proc), limits_(limits) {}

  NetnsScan run() {
    struct stat st {};
    if (::stat((proc_ + "/self/ns/net").c_str(), &st) == 0) {
      self_ = id_of(st);
      found_[*self_].id = *self_;
    }
    scan_processes();
    scan_mounts();
    return finish();
  }

private:
  void scan_processes() {
    const int listed = for_each_entry(proc_, [&](const DirEntry& entry) {
      if (const auto pid = pid_name(entry.name)) {
        add_process(*pid);
      }
    });
    if (listed != 0) {
      throw SystemError(listed, fmt::format("cannot list {}", proc_));
    }
  }

  void add_process(pid_t pid) {
    const std::string base = fmt::format("{}/{}", proc_, pid);
    struct stat st {};
    if (::stat((base + "/ns/net").c_str(), &st) != 0) {
      const int error = errno;
      if (is_gone(error)) {
        ++scan_.vanished; // exited, or a zombie (its namespaces are gone already)
        return;
      }
      auto& missing = unreadable_[reason_of(error)];
      missing.error_number = error;
      ++missing.process_count;
      if (missing.pids.size() < limits_.processes) {
        missing.pids.push_back(pid);
      }
      return;
    }
    const NetnsId id = id_of(st);
    if (pid == 1) {
      scan_.host = id;
    }
    FoundNetns& netns = found_[id];
    netns.id = id;
    if (netns.processes.size() < limits_.processes) {
      auto comm = read_proc_text(base + "/comm");
      if (!comm) {
        ++scan_.vanished;
        return;
      }
      if (!comm->empty() && comm->back() == '\n') {
        comm->pop_back();
      }
      netns.processes.push_back({pid, std::move(*comm)});
    }
    ++netns.process_count;
    if (netns.cgroups.size() < limits_.cgroups) {
      if (auto cgroup = read_proc_text(base + "/cgroup")) {
        const bool seen = std::any_of(netns.cgroups.begin(), netns.cgroups.end(),
                                      [&](const auto& known) { return known.second == *cgroup; });
        if (!seen) {
          netns.cgroups.emplace_back(pid, std::move(*cgroup));
        }
      }
    }
  }

  void scan_mounts() {
    // Read to its end: namespaces that only a mount keeps are in it, however long it is.
    const std::string path = proc_ + "/self/mountinfo";
    std::string mountinfo;
    try {
      UniqueFd fd(open_retrying(path, O_RDONLY));
      if (fd.get() < 0) {
        throw SystemError(errno, fmt::format("cannot open {}", path));
      }
      mountinfo = read_fd(fd.get(), path);
    } catch (const SystemError& error) {
      scan_.missing.push_back({std::nullopt, {}, 0, {}, error.what(), error.error_number()});
      return;
    }
    for (const NsfsMount& mount : parse_nsfs_mounts(mountinfo)) {
      struct stat st {};
      if (::stat(mount.mount_point.c_str(), &st) != 0) {
        const int error = errno;
        if (is_gone(error)) {
          ++scan_.vanished;
        } else {
          scan_.missing.push_back(
              {std::nullopt, {mount.mount_point}, 0, {}, reason_of(error), error});
        }
        continue;
      }
      // Mounted over since (or not reachable from here): the path names something else.
      if (static_cast<std::uint64_t>(st.st_ino) != mount.ino ||
          (self_ && static_cast<std::uint64_t>(st.st_dev) != self_->dev)) {
        continue;
      }
      FoundNetns& netns = found_[id_of(st)];
      netns.id = id_of(st);
      if (std::find(netns.mounts.begin(), netns.mounts.end(), mount.mount_point) ==
          netns.mounts.end()) {
        netns.mounts.push_back(mount.mount_point);
      }
    }
  }

  NetnsScan finish() {
    for (auto& [reason, missing] : unreadable_) {
      missing.reason = reason;
      scan_.missing.push_back(std::move(missing));
    }
    auto rank = [this](const FoundNetns& netns) {
      return netns.id == scan_.host ? 0 : netns.id == self_ ? 1 : 2;
    };
    for (auto& [id, netns] : found_) {
      netns.self = id == self_;
      netns.init = id == scan_.host;
      std::sort(netns.mounts.begin(), netns.mounts.end());
      scan_.namespaces.push_back(std::move(netns));
    }
    std::stable_sort(scan_.namespaces.begin(), scan_.namespaces.end(),
                     [&](const FoundNetns& a, const FoundNetns& b) { return rank(a) < rank(b); });
    return std::move(scan_);
  }

  std::string proc_;
  ScanLimits limits_;
  std::optional<NetnsId> self_;
  std::map<NetnsId, FoundNetns> found_;
  std::map<std::string, MissingNetns> unreadable_;
  NetnsScan scan_;
};

} // namespace

std::vector<NsfsMount> parse_nsfs_mounts(std::string_view mountinfo) {
  std::vector<NsfsMount> mounts;
  for (MountinfoLine& line : parse_mountinfo(mountinfo)) {
    constexpr std::string_view prefix = "net:[";
    const std::string_view root = line.root;
    if (line.fstype != "nsfs" || root.substr(0, prefix.size()) != prefix || root.back() != ']') {
      continue;
    }
    const auto ino = parse_u64(root.substr(prefix.size(), root.size() - prefix.size() - 1));
    if (!ino) {
      continue;
    }
    mounts.push_back({std::move(line.mount_point), *ino});
  }
  return mounts;
}

NetnsScan scan_netns(const std::string& proc, const ScanLimits& limits) {
  return Scanner(proc, limits).run();
}

UniqueFd open_found_netns(const FoundNetns& netns, const std::string& proc) {
  std::vector<std::string> candidates = netns.mounts;
  for (const NetnsProcess& process : netns.processes) {
    candidates.push_back(fmt::format("{}/{}/ns/net", proc, process.pid));
  }
  int denied = 0;
  std::string denied_path;
  for (const std::string& path : candidates) {
    UniqueFd fd(open_retrying(path, O_RDONLY));
    if (fd.get() < 0) {
      if (errno == EACCES || errno == EPERM) {
        denied = errno;
        denied_path = path;
      }
      continue;
    }
    struct stat st {};
    // The process may have exited and its pid been reused since the scan.
    if (::fstat(fd.get(), &st) == 0 && id_of(st) == netns.id) {
      return fd;
    }
  }
  if (denied != 0) {
    throw SystemError(denied, fmt::format("cannot open network namespace {}", denied_path));
  }
  return UniqueFd();
}

NetnsVisit::NetnsVisit() : home_(open_retrying("/proc/thread-self/ns/net", O_RDONLY)) {
  struct stat st {};
  if (home_.get() < 0 || ::fstat(home_.get(), &st) != 0) {
    throw SystemError(errno, "cannot open this process's network namespace");
  }
  home_id_ = id_of(st);
}

NetnsVisit::~NetnsVisit() {
  if (away_ && ::setns(home_.get(), CLONE_NEWNET) != 0) {
    // Nothing later may run in a foreign namespace believing it is at home.
    std::perror("kaltune: cannot return to its own network namespace");
    std::abort();
  }
}

void NetnsVisit::enter(int netns_fd, std::string_view what) {
  if (::setns(netns_fd, CLONE_NEWNET) != 0) {
    const int error = errno;
    if (error == EPERM) {
      throw SystemError(error, fmt::format("cannot enter network namespace {} (needs "
                                           "CAP_SYS_ADMIN over it; {})",
                                           what, denied_hint()));
    }
    throw SystemError(error, fmt::format("cannot enter network namespace {}", what));
  }
  away_ = true;
}

void NetnsVisit::leave() {
  if (!away_) {
    return;
  }
  if (::setns(home_.get(), CLONE_NEWNET) != 0) {
    throw Error(
        ExitStatus::system,
        fmt::format("cannot return to kaltune's own network namespace: {}", std::strerror(errno)));
  }
  away_ = false;
}

} // namespace kaltune
