#include "replay.hpp"

#include "../common/keepalive_guard.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

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

std::string foreign_config() {
  std::vector<fs::path> files{"/etc/sysctl.conf"};
  if (fs::exists("/run/credentials/@system/sysctl.extra")) {
    files.emplace_back("/run/credentials/@system/sysctl.extra");
  }
  for (const char* dir : {"/etc/sysctl.d", "/run/sysctl.d", "/usr/local/lib/sysctl.d",
                          "/usr/lib/sysctl.d", "/lib/sysctl.d"}) {
    std::error_code error;
    if (!fs::is_directory(dir, error)) {
      continue;
    }
    for (fs::directory_iterator it(dir, error), end; !error && it != end; it.increment(error)) {
      const std::string name = it->path().filename().string();
      if (name.size() >= 5 && name.compare(name.size() - 5, 5, ".conf") == 0) {
        files.push_back(it->path());
      }
    }
    if (error) {
      return std::string(dir) + ": cannot list: " + error.message();
    }
  }
  for (const fs::path& file : files) {
    struct stat st {};
    if (::stat(file.c_str(), &st) != 0 || S_ISDIR(st.st_mode)) {
      continue; // a broken link or a directory: nothing an applier reads
    }
    if (S_ISCHR(st.st_mode) && st.st_rdev == makedev(1, 3)) {
      continue; // /dev/null
    }
    if (!S_ISREG(st.st_mode)) {
      return file.string() + ": neither a regular file nor /dev/null";
    }
    if (const auto problem = guard::foreign_line(read_file(file))) {
      return file.string() + ": " + *problem;
    }
  }
  return "";
}

std::vector<std::string> confined(const std::vector<std::string>& argv) {
  // setpriv first: as real root, --map-root-user would map root to itself and leave every
  // sysctl writable; as nobody, the namespace's root is nobody outside.
  static const char* const script = R"(for f in /proc/sys/kernel/panic /proc/sys/vm/swappiness; do
  if test -w "$f"; then echo "not confined: $f is writable" >&2; exit 99; fi
done
"$@"
status=$?
echo @@kaltune-values@@
cat /proc/sys/net/ipv4/tcp_keepalive_time /proc/sys/net/ipv4/tcp_keepalive_intvl \
    /proc/sys/net/ipv4/tcp_keepalive_probes /proc/sys/net/ipv4/tcp_retries2
exit $status)";
  std::vector<std::string> out{"setpriv",
                               "--reuid=65534",
                               "--regid=65534",
                               "--clear-groups",
                               "--",
                               "unshare",
                               "--user",
                               "--map-root-user",
                               "--net",
                               "--",
                               "sh",
                               "-c",
                               script,
                               "sh"};
  out.insert(out.end(), argv.begin(), argv.end());
  return out;
}

Replay run_applier(const std::string& model, const BootExtras& extras) {
  Replay replay;
  replay.refused = foreign_config();
  if (!replay.refused.empty()) {
    replay.refused = "refusing to run the " + model + " applier: " + replay.refused;
    ADD_FAILURE() << replay.refused;
    return replay;
  }
  std::vector<std::string> argv;
  if (!extras.cmdline_writes.empty()) {
    // The kernel's writes first (only keepalive keys: the paths are the test's own).
    std::string script;
    for (const auto& [path, value] : extras.cmdline_writes) {
      if (path.rfind("net/ipv4/tcp_keepalive_", 0) != 0 && path != "net/ipv4/tcp_retries2") {
        ADD_FAILURE() << "refusing a command-line write to " << path;
        return replay;
      }
      script += "printf %s '" + value + "' > /proc/sys/" + path + " || exit 98\n";
    }
    argv = {"sh", "-c", script + "exec \"$@\"", "sh"};
  }
  if (model == "systemd") {
    for (const char* arg :
         {systemd_sysctl, "--prefix=/net/ipv4/tcp_keepalive_time",
          "--prefix=/net/ipv4/tcp_keepalive_intvl", "--prefix=/net/ipv4/tcp_keepalive_probes",
          "--prefix=/net/ipv4/tcp_retries2"}) {
      argv.emplace_back(arg);
    }
  } else {
    argv.push_back(procps_sysctl());
    argv.emplace_back("--system");
  }
  RunOptions options{{{"SYSTEMD_LOG_LEVEL", "debug"}}, {}, {}, {}, {}};
  if (extras.credentials) {
    options.env["CREDENTIALS_DIRECTORY"] = "/run/credentials/@system";
  }
  replay.applied = run(confined(argv), options);
  const std::string marker = "@@kaltune-values@@\n";
  const std::size_t at = replay.applied.out.rfind(marker);
  if (at != std::string::npos) {
    std::istringstream values(replay.applied.out.substr(at + marker.size()));
    for (long value = 0; values >> value;) {
      replay.values.push_back(value);
    }
    if (replay.values.size() == 4) {
      replay.retries2 = replay.values.back();
      replay.values.pop_back();
    }
    replay.applied.out.erase(at);
  }
  return replay;
}

Replay replay_layout(const fs::path& layout, const std::string& model, const BootExtras& extras) {
  Mounts mounts;
  install_layout(mounts, layout);
  return run_applier(model, extras);
}

} // namespace kaltune::itest
