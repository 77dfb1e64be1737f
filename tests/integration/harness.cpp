#include "harness.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <grp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace kaltune::itest {

namespace {
Isolation state;

ino_t netns_inode() {
  struct stat st {};
  return ::stat("/proc/self/ns/net", &st) == 0 ? st.st_ino : 0;
}

bool write_text(const std::string& path, const std::string& text) {
  std::ofstream out(path);
  out << text;
  out.close();
  return static_cast<bool>(out);
}
} // namespace

std::string errno_text(const char* what) {
  return std::string(what) + ": " + std::strerror(errno);
}

void isolate() {
  const ino_t host_netns = netns_inode();
  const uid_t uid = ::getuid();
  const gid_t gid = ::getgid();
  if (uid == 0) {
    if (::unshare(CLONE_NEWNET | CLONE_NEWNS) != 0) {
      state.reason = errno_text("unshare(CLONE_NEWNET|CLONE_NEWNS) as root");
      return;
    }
    state.real_root = true;
  } else {
    if (::unshare(CLONE_NEWUSER | CLONE_NEWNET | CLONE_NEWNS) != 0) {
      state.reason = errno_text("unshare(CLONE_NEWUSER|CLONE_NEWNET|CLONE_NEWNS) as a user");
      return;
    }
    if (!write_text("/proc/self/setgroups", "deny") ||
        !write_text("/proc/self/uid_map", "0 " + std::to_string(uid) + " 1\n") ||
        !write_text("/proc/self/gid_map", "0 " + std::to_string(gid) + " 1\n")) {
      state.reason = "cannot map the user to root in a new user namespace";
      return;
    }
  }
  // Mounts made by tests (tmpfs over /etc/sysctl.d, …) must never reach the host.
  if (::mount("none", "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) {
    state.reason = errno_text("making / private");
    return;
  }
  state.private_mountns = true;
  if (netns_inode() == host_netns || netns_inode() == 0) {
    state.reason = "still in the host's network namespace after unshare";
    return;
  }
  state.private_netns = true;
}

const Isolation& isolation() {
  return state;
}

std::string kaltune_binary() {
  return KALTUNE_BINARY;
}

Process::Process(const std::vector<std::string>& argv, const RunOptions& options) {
  int out_pipe[2];
  int err_pipe[2];
  int in_pipe[2];
  if (::pipe2(out_pipe, O_CLOEXEC) != 0 || ::pipe2(err_pipe, O_CLOEXEC) != 0 ||
      ::pipe2(in_pipe, O_CLOEXEC) != 0) {
    throw std::runtime_error(errno_text("pipe2"));
  }
  pid_ = ::fork();
  if (pid_ < 0) {
    throw std::runtime_error(errno_text("fork"));
  }
  if (pid_ == 0) {
    ::dup2(in_pipe[0], STDIN_FILENO);
    ::dup2(out_pipe[1], STDOUT_FILENO);
    ::dup2(err_pipe[1], STDERR_FILENO);
    for (const auto& name : options.unset_env) {
      ::unsetenv(name.c_str());
    }
    for (const auto& [name, value] : options.env) {
      ::setenv(name.c_str(), value.c_str(), 1);
    }
    if (options.gid && (::setgroups(0, nullptr) != 0 || ::setgid(*options.gid) != 0)) {
      ::_exit(126);
    }
    if (options.uid && ::setuid(*options.uid) != 0) {
      ::_exit(126);
    }
    std::vector<char*> args;
    for (const auto& arg : argv) {
      args.push_back(const_cast<char*>(arg.c_str()));
    }
    args.push_back(nullptr);
    ::execvp(args[0], args.data());
    ::_exit(127);
  }
  ::close(in_pipe[0]);
  ::close(out_pipe[1]);
  ::close(err_pipe[1]);
  // Small inputs only: a pipe buffer holds them, so writing before reading cannot deadlock.
  if (!options.stdin_text.empty()) {
    [[maybe_unused]] auto n =
        ::write(in_pipe[1], options.stdin_text.data(), options.stdin_text.size());
  }
  ::close(in_pipe[1]);
  fds_[0] = out_pipe[0];
  fds_[1] = err_pipe[0];
}

Process::~Process() {
  for (int& fd : fds_) {
    if (fd >= 0) {
      ::close(fd);
    }
  }
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    while (::waitpid(pid_, nullptr, 0) < 0 && errno == EINTR) {
    }
  }
}

bool Process::collect(int timeout_ms) {
  pollfd fds[2] = {{fds_[0], POLLIN, 0}, {fds_[1], POLLIN, 0}};
  std::string* sinks[2] = {&result_.out, &result_.err};
  if (fds_[0] < 0 && fds_[1] < 0) {
    return false;
  }
  const int ready = ::poll(fds, 2, timeout_ms);
  if (ready < 0 && errno != EINTR) {
    throw std::runtime_error(errno_text("poll"));
  }
  for (int i = 0; ready > 0 && i < 2; ++i) {
    if (fds[i].fd < 0 || fds[i].revents == 0) {
      continue;
    }
    char buffer[4096];
    const ssize_t n = ::read(fds[i].fd, buffer, sizeof buffer);
    if (n > 0) {
      sinks[i]->append(buffer, static_cast<std::size_t>(n));
    } else if (n == 0 || errno != EINTR) {
      ::close(fds_[i]);
      fds_[i] = -1;
    }
  }
  return fds_[0] >= 0 || fds_[1] >= 0;
}

bool Process::wait_for_err(const std::string& text, std::chrono::milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (result_.err.find(text) == std::string::npos) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0 || !collect(static_cast<int>(left.count()))) {
      return result_.err.find(text) != std::string::npos;
    }
  }
  return true;
}

RunResult Process::finish() {
  while (collect(-1)) {
  }
  int status = 0;
  while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  pid_ = -1;
  result_.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return result_;
}

RunResult run(const std::vector<std::string>& argv, const RunOptions& options) {
  return Process(argv, options).finish();
}

RunResult run_kaltune(const std::vector<std::string>& args, const RunOptions& options) {
  std::vector<std::string> argv{kaltune_binary()};
  argv.insert(argv.end(), args.begin(), args.end());
  return run(argv, options);
}

namespace {
std::string proc_path(const std::string& name) {
  std::string path = "/proc/sys/" + name;
  for (std::size_t i = 10; i < path.size(); ++i) {
    if (path[i] == '.') {
      path[i] = '/';
    }
  }
  return path;
}
} // namespace

long read_sysctl(const std::string& name) {
  std::ifstream in(proc_path(name));
  long value = 0;
  if (!(in >> value)) {
    throw std::runtime_error("cannot read " + proc_path(name));
  }
  return value;
}

void write_sysctl(const std::string& name, long value) {
  if (!isolation().private_netns) {
    throw std::logic_error("refusing to write " + name + " outside a private network namespace");
  }
  if (!write_text(proc_path(name), std::to_string(value))) {
    throw std::runtime_error("cannot write " + proc_path(name));
  }
}

unsigned random_layouts(unsigned full) {
  if (const char* wanted = std::getenv("KALTUNE_RANDOM_LAYOUTS")) {
    return static_cast<unsigned>(std::strtoul(wanted, nullptr, 10));
  }
#if defined(__SANITIZE_ADDRESS__)
  return std::min(full, 50U);
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
  return std::min(full, 50U);
#endif
#endif
  return full;
}

std::vector<long> read_keepalive() {
  return {read_sysctl("net.ipv4.tcp_keepalive_time"), read_sysctl("net.ipv4.tcp_keepalive_intvl"),
          read_sysctl("net.ipv4.tcp_keepalive_probes")};
}

NamespaceHolder::NamespaceHolder() {
  int ready[2];
  if (::pipe2(ready, O_CLOEXEC) != 0) {
    throw std::runtime_error(errno_text("pipe2"));
  }
  pid_ = ::fork();
  if (pid_ < 0) {
    throw std::runtime_error(errno_text("fork"));
  }
  if (pid_ == 0) {
    ::close(ready[0]);
    const char ok = ::unshare(CLONE_NEWNET) == 0 ? '1' : '0';
    [[maybe_unused]] auto n = ::write(ready[1], &ok, 1);
    ::close(ready[1]);
    while (true) {
      ::pause();
    }
  }
  ::close(ready[1]);
  char ok = '0';
  [[maybe_unused]] auto n = ::read(ready[0], &ok, 1);
  ::close(ready[0]);
  if (ok != '1') {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    throw std::runtime_error("the namespace holder could not unshare its network namespace");
  }
}

NamespaceHolder::~NamespaceHolder() {
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
}

std::string NamespaceHolder::netns_path() const {
  return "/proc/" + std::to_string(pid_) + "/ns/net";
}

long NamespaceHolder::read_sysctl(const std::string& name) const {
  const auto result = run({"nsenter", "--net=" + netns_path(), "cat", proc_path(name)});
  if (result.status != 0) {
    throw std::runtime_error("nsenter failed: " + result.err);
  }
  return std::stol(result.out);
}

} // namespace kaltune::itest
