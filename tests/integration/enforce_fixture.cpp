#include "enforce_fixture.hpp"

#include "loopback.hpp"

#include <arpa/inet.h>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <ostream>
#include <set>
#include <sstream>
#include <stdexcept>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

namespace kaltune::itest {

namespace {
void check_enforce_step(bool ok, const char* what) {
  if (!ok) {
    throw std::runtime_error(std::string(what) + ": " + std::strerror(errno));
  }
}

int get(int fd, int level, int name) {
  int value = 0;
  socklen_t size = sizeof value;
  check_enforce_step(::getsockopt(fd, level, name, &value, &size) == 0, "getsockopt");
  return value;
}

void write_pid(const std::string& procs) {
  std::ofstream out(procs);
  out << ::getpid() << "\n";
  out.close();
  if (!out) {
    throw std::runtime_error("cannot write " + procs);
  }
}

int counter = 0;
} // namespace

std::string cgroup2_mount_point() {
  std::ifstream in("/proc/self/mountinfo");
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::vector<std::string> parts;
    for (std::string field; fields >> field;) {
      parts.push_back(field);
    }
    for (std::size_t i = 6; i + 1 < parts.size(); ++i) {
      if (parts[i] == "-" && parts[i + 1] == "cgroup2") {
        return parts[4];
      }
    }
  }
  return "";
}

Options options_of(int fd) {
  return {get(fd, SOL_SOCKET, SO_KEEPALIVE), get(fd, IPPROTO_TCP, TCP_KEEPIDLE),
          get(fd, IPPROTO_TCP, TCP_KEEPINTVL), get(fd, IPPROTO_TCP, TCP_KEEPCNT),
          get(fd, IPPROTO_TCP, TCP_USER_TIMEOUT)};
}

std::ostream& operator<<(std::ostream& out, const Options& options) {
  return out << "{keepalive " << options.keepalive << ", idle " << options.idle << ", intvl "
             << options.intvl << ", count " << options.count << ", user_timeout "
             << options.user_timeout_ms << " ms}";
}

Connection::Connection(bool ipv6, const std::function<void(int)>& before_connect,
                       const std::function<void(int)>& before_listen) {
  const int family = ipv6 ? AF_INET6 : AF_INET;
  sockaddr_storage address{};
  socklen_t size = 0;
  if (ipv6) {
    auto* six = reinterpret_cast<sockaddr_in6*>(&address);
    six->sin6_family = AF_INET6;
    six->sin6_addr = in6addr_loopback;
    size = sizeof(sockaddr_in6);
  } else {
    auto* four = reinterpret_cast<sockaddr_in*>(&address);
    four->sin_family = AF_INET;
    four->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    size = sizeof(sockaddr_in);
  }
  listener_ = ::socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  check_enforce_step(listener_ >= 0, "socket");
  if (before_listen) {
    before_listen(listener_);
  }
  check_enforce_step(::bind(listener_, reinterpret_cast<sockaddr*>(&address), size) == 0, "bind");
  check_enforce_step(::listen(listener_, 16) == 0, "listen");
  check_enforce_step(::getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &size) == 0,
                     "getsockname");
  client_ = ::socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  check_enforce_step(client_ >= 0, "socket");
  if (before_connect) {
    before_connect(client_);
  }
  check_enforce_step(::connect(client_, reinterpret_cast<sockaddr*>(&address), size) == 0,
                     "connect");
  server_ = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
  check_enforce_step(server_ >= 0, "accept");
}

Connection::~Connection() {
  for (int fd : {client_, server_, listener_}) {
    if (fd >= 0) {
      ::close(fd);
    }
  }
}

void EnforceTest::SetUp() {
  KALTUNE_REQUIRE_ROOT();
  if (!isolation().private_mountns) {
    GTEST_SKIP() << "no private mount namespace: " << isolation().reason;
  }
  mount_ = cgroup2_mount_point();
  if (mount_.empty()) {
    GTEST_SKIP() << "no cgroup2 filesystem mounted: enforce attaches to cgroup v2 directories";
  }
  if (::access("/sys/kernel/btf/vmlinux", R_OK) != 0) {
    GTEST_SKIP() << "this kernel has no BTF: enforce needs --override there";
  }
  // Pins in a bpffs of the test's own: unmounting it releases them, and with them the links.
  if (::mount("bpf", "/sys/fs/bpf", "bpf", 0, "mode=0700") != 0) {
    GTEST_SKIP() << errno_text("cannot mount a bpffs of the test's own on /sys/fs/bpf");
  }
  bpffs_ = true;
  ASSERT_EQ(::mount("tmpfs", "/run", "tmpfs", 0, "mode=0755"), 0) << errno_text("tmpfs /run");
  run_tmpfs_ = true;
  cgroup_ = "kaltune-test-enforce-" + std::to_string(::getpid()) + "-" + std::to_string(++counter);
  directory_ = mount_ + "/" + cgroup_;
  if (::mkdir(directory_.c_str(), 0755) != 0) {
    GTEST_SKIP() << errno_text(("cannot create the cgroup " + directory_).c_str());
  }
  std::ifstream self("/proc/self/cgroup");
  for (std::string line; std::getline(self, line);) {
    if (line.rfind("0::", 0) == 0) {
      home_ = line.substr(3);
    }
  }
  loopback_at_defaults();
}

void EnforceTest::private_etc() {
  const std::string real = "/run/etc.real";
  ASSERT_EQ(::mkdir(real.c_str(), 0755), 0) << errno_text("mkdir /run/etc.real");
  ASSERT_EQ(::mount("/etc", real.c_str(), nullptr, MS_BIND | MS_REC, nullptr), 0)
      << errno_text("bind /etc");
  ASSERT_EQ(::mount("tmpfs", "/etc", "tmpfs", 0, "mode=0755"), 0) << errno_text("tmpfs /etc");
  etc_tmpfs_ = true;
  const auto link_entries = [](const std::string& from, const std::string& to,
                               const std::set<std::string>& except) {
    for (const auto& entry : std::filesystem::directory_iterator(from)) {
      const std::string name = entry.path().filename().string();
      if (except.count(name) == 0) {
        std::filesystem::create_symlink(entry.path(), to + "/" + name);
      }
    }
  };
  link_entries(real, "/etc", {"kaltune", "systemd"});
  ASSERT_EQ(::mkdir("/etc/systemd", 0755), 0);
  if (std::filesystem::is_directory(real + "/systemd")) {
    link_entries(real + "/systemd", "/etc/systemd", {"system"});
  }
  ASSERT_EQ(::mkdir("/etc/systemd/system", 0755), 0);
}

void EnforceTest::TearDown() {
  leave();
  if (etc_tmpfs_) {
    ::umount2("/etc", MNT_DETACH);
    ::umount2("/run/etc.real", MNT_DETACH);
  }
  if (bpffs_) {
    run_kaltune({"enforce", "--cgroup", cgroup_, "--off"});
    ::umount2("/sys/fs/bpf", MNT_DETACH);
  }
  if (!directory_.empty()) {
    ::rmdir(directory_.c_str());
  }
  if (run_tmpfs_) {
    ::umount2("/run", MNT_DETACH);
  }
}

RunResult EnforceTest::enforce(const std::vector<std::string>& args, const RunOptions& options) {
  std::vector<std::string> all{"enforce", "--cgroup", cgroup_};
  all.insert(all.end(), args.begin(), args.end());
  return run_kaltune(all, options);
}

std::string EnforceTest::list_json() {
  const RunResult result = run_kaltune({"--json", "enforce", "--list"});
  EXPECT_EQ(result.status, 0) << result.err;
  return result.out;
}

void EnforceTest::enter() {
  write_pid(directory_ + "/cgroup.procs");
  inside_ = true;
}

void EnforceTest::leave() {
  if (inside_) {
    write_pid(mount_ + (home_ == "/" ? "" : home_) + "/cgroup.procs");
    inside_ = false;
  }
}

} // namespace kaltune::itest
