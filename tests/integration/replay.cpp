#include "replay.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <sys/mount.h>

namespace kaltune::itest {

namespace fs = std::filesystem;

namespace {
const char* const systemd_sysctl = "/lib/systemd/systemd-sysctl";

std::string procps_sysctl() {
  for (const char* path : {"/usr/sbin/sysctl", "/sbin/sysctl"}) {
    if (fs::exists(path)) {
      return path;
    }
  }
  return "";
}

// The harness left the host's mount namespace and made "/" private; check both again right
// before mounting over /etc and /usr, so nothing can reach the host.
std::string mount_isolation_problem() {
  // PID 1's namespace may be unreadable in a container; then the harness's word has to do.
  std::error_code self_error;
  std::error_code init_error;
  const fs::path self = fs::read_symlink("/proc/self/ns/mnt", self_error);
  const fs::path init = fs::read_symlink("/proc/1/ns/mnt", init_error);
  if (!self_error && !init_error && self == init) {
    return "still in PID 1's mount namespace";
  }
  std::ifstream mountinfo("/proc/self/mountinfo");
  std::string line;
  while (std::getline(mountinfo, line)) {
    std::istringstream fields(line);
    std::string id, parent, device, root, mount_point, options, optional;
    fields >> id >> parent >> device >> root >> mount_point >> options;
    while (fields >> optional && optional != "-") {
      if (mount_point == "/" && optional.rfind("shared:", 0) == 0) {
        return "/ still propagates mounts (" + optional + ")";
      }
    }
  }
  return "";
}

void copy_into(const fs::path& from, const std::string& to) {
  if (!fs::exists(from)) {
    return;
  }
  const auto result = run({"cp", "-a", from.string() + "/.", to + "/"});
  if (result.status != 0) {
    throw std::runtime_error("cp " + from.string() + ": " + result.err);
  }
}
} // namespace

Mounts::~Mounts() {
  for (auto it = targets_.rbegin(); it != targets_.rend(); ++it) {
    ::umount2(it->c_str(), MNT_DETACH);
  }
}

void Mounts::tmpfs(const std::string& target) {
  if (::mount("tmpfs", target.c_str(), "tmpfs", 0, "mode=0755") != 0) {
    throw std::runtime_error("mount tmpfs on " + target + ": " + std::strerror(errno));
  }
  targets_.push_back(target);
}

void Mounts::bind(const std::string& source, const std::string& target) {
  if (::mount(source.c_str(), target.c_str(), nullptr, MS_BIND, nullptr) != 0) {
    throw std::runtime_error("bind " + source + " on " + target + ": " + std::strerror(errno));
  }
  targets_.push_back(target);
}

std::string replay_unavailable(const std::string& model) {
  if (!isolation().private_netns || !isolation().real_root) {
    return "needs root in a private network namespace: " + isolation().reason;
  }
  if (!isolation().private_mountns) {
    return "no private mount namespace: " + isolation().reason;
  }
  if (const std::string problem = mount_isolation_problem(); !problem.empty()) {
    return "refusing to mount over the boot configuration: " + problem;
  }
  if (model == "systemd" && !fs::exists(systemd_sysctl)) {
    return std::string(systemd_sysctl) + " is not installed";
  }
  if (model == "procps" && procps_sysctl().empty()) {
    return "procps sysctl is not installed";
  }
  for (const char* needed :
       {"/usr/local/lib", "/etc/sysctl.conf", "/etc/sysctl.d", "/usr/lib/sysctl.d"}) {
    if (!fs::exists(needed)) {
      return std::string(needed) + " is missing: nothing to mount over (the host stays untouched)";
    }
  }
  return "";
}

void install_layout(Mounts& mounts, const fs::path& layout) {
  mounts.tmpfs("/run");
  mounts.tmpfs("/etc/sysctl.d");
  mounts.tmpfs("/usr/local/lib");
  mounts.tmpfs("/usr/lib/sysctl.d");
  // Debian 12 merged /usr: /lib is a link to usr/lib, so /lib/sysctl.d is covered already.
  if (!fs::is_symlink("/lib") && fs::is_directory("/lib/sysctl.d")) {
    mounts.tmpfs("/lib/sysctl.d");
  }
  copy_into(layout / "run", "/run");
  fs::create_directories("/run/sysctl.d");
  fs::create_directories("/run/lock");
  fs::permissions("/run/lock", fs::perms::all | fs::perms::sticky_bit); // 1777, as on Debian
  copy_into(layout / "etc/sysctl.d", "/etc/sysctl.d");
  copy_into(layout / "usr/local/lib", "/usr/local/lib");
  fs::create_directories("/usr/local/lib/sysctl.d");
  copy_into(layout / "usr/lib/sysctl.d", "/usr/lib/sysctl.d");
  const fs::path conf = layout / "etc/sysctl.conf";
  if (fs::is_symlink(conf) && fs::read_symlink(conf) == "/dev/null") {
    mounts.bind("/dev/null", "/etc/sysctl.conf");
  } else if (fs::is_regular_file(conf)) {
    mounts.bind(conf.string(), "/etc/sysctl.conf");
  } else {
    std::ofstream("/run/kaltune-test-empty-sysctl.conf").close();
    mounts.bind("/run/kaltune-test-empty-sysctl.conf", "/etc/sysctl.conf");
  }
}

Replay run_applier(const std::string& model) {
  write_sysctl("net.ipv4.tcp_keepalive_time", 7200);
  write_sysctl("net.ipv4.tcp_keepalive_intvl", 75);
  write_sysctl("net.ipv4.tcp_keepalive_probes", 9);
  Replay replay;
  replay.applied = model == "systemd"
                       ? run({systemd_sysctl, "--prefix=/net/ipv4/tcp_keepalive_time",
                              "--prefix=/net/ipv4/tcp_keepalive_intvl",
                              "--prefix=/net/ipv4/tcp_keepalive_probes"},
                             RunOptions{{{"SYSTEMD_LOG_LEVEL", "debug"}}, {}, {}, {}, {}})
                       : run({procps_sysctl(), "--system"});
  replay.values = read_keepalive();
  return replay;
}

Replay replay_layout(const fs::path& layout, const std::string& model) {
  Mounts mounts;
  install_layout(mounts, layout);
  return run_applier(model);
}

} // namespace kaltune::itest
