#pragma once

// A process in network namespaces of its own, for the --all-netns tests.

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <functional>
#include <map>
#include <sched.h>
#include <signal.h>
#include <stdexcept>
#include <string>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

namespace kaltune::itest {

inline std::uint64_t inode_of(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    throw std::runtime_error("stat " + path + ": " + std::strerror(errno));
  }
  return st.st_ino;
}

inline std::string proc_sys(const std::string& key) {
  std::string path = "/proc/sys/" + key;
  std::replace(path.begin() + 10, path.end(), '.', '/');
  return path;
}

// A process in network namespaces of its own (and a UTS namespace with `hostname`), with
// values written inside and `setup` run there (connections, for sockets) before it reports
// ready; killed at the end of its scope.
class Holder {
public:
  explicit Holder(std::map<std::string, long> values = {}, std::string hostname = "",
                  std::string join = "", const std::function<bool()>& setup = {}) {
    int ready[2];
    if (::pipe2(ready, O_CLOEXEC) != 0) {
      throw std::runtime_error("pipe2");
    }
    pid_ = ::fork();
    if (pid_ == 0) {
      ::close(ready[0]);
      bool ok = true;
      if (!join.empty()) {
        const int fd = ::open(join.c_str(), O_RDONLY);
        ok = fd >= 0 && ::setns(fd, CLONE_NEWNET) == 0;
      } else {
        ok = ::unshare(CLONE_NEWNET | (hostname.empty() ? 0 : CLONE_NEWUTS)) == 0;
        ok = ok && (hostname.empty() || ::sethostname(hostname.data(), hostname.size()) == 0);
      }
      for (const auto& [key, value] : values) {
        std::ofstream out(proc_sys(key));
        out << value;
        out.close();
        ok = ok && static_cast<bool>(out);
      }
      ok = ok && (!setup || setup());
      const char byte = ok ? '1' : '0';
      [[maybe_unused]] auto n = ::write(ready[1], &byte, 1);
      while (true) {
        ::pause();
      }
    }
    ::close(ready[1]);
    char byte = '0';
    [[maybe_unused]] auto n = ::read(ready[0], &byte, 1);
    ::close(ready[0]);
    if (byte != '1') {
      stop();
      throw std::runtime_error("holder could not set up its namespace");
    }
  }
  ~Holder() { stop(); }
  Holder(const Holder&) = delete;
  Holder& operator=(const Holder&) = delete;

  void stop() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
      pid_ = -1;
    }
  }
  pid_t pid() const { return pid_; }
  std::string netns() const { return "/proc/" + std::to_string(pid_) + "/ns/net"; }
  std::uint64_t inode() const { return inode_of(netns()); }

private:
  pid_t pid_ = -1;
};

} // namespace kaltune::itest
