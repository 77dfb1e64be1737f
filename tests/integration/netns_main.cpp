// The --all-netns tests see every network namespace "on the machine", so they run where the
// machine is theirs: after the harness's private network and mount namespaces, this process
// also enters a new PID namespace, and its first child — PID 1 there, "the host" for kaltune —
// mounts a /proc of that PID namespace and a tmpfs over /run, drops every inherited nsfs mount,
// and runs the tests. kaltune then finds only the namespaces the tests make, never the real
// host's, so `set --all-netns` can only write there.

#include "harness.hpp"
#include "netns_env.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sched.h>
#include <sstream>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

// LeakSanitizer cannot stop the world from inside this PID namespace (it fails with "does not work
// under ptrace" at the exit of PID 1), so in the sanitized build leak checking is off for this
// program and for the kaltune processes it starts there; every other test keeps it.
extern "C" const char* __asan_default_options() {
  return "detect_leaks=0";
}

namespace kaltune::itest {

namespace {
NetnsEnv env;

// Every nsfs mount this mount namespace inherited (a runtime's /run/netns, /run/docker/netns):
// unmounted here, in the private copy, so no namespace of the real host is reachable by name.
bool drop_inherited_nsfs_mounts() {
  std::ifstream in("/proc/self/mountinfo");
  std::string line;
  std::vector<std::string> points;
  while (std::getline(in, line)) {
    if (line.find(" - nsfs ") != std::string::npos) {
      std::istringstream fields(line);
      std::string field;
      for (int i = 0; i < 5 && fields >> field; ++i) {
      }
      points.push_back(field);
    }
  }
  for (const std::string& point : points) {
    if (::umount2(point.c_str(), MNT_DETACH) != 0) {
      return false;
    }
  }
  return true;
}

// PID 1 of the new PID namespace: its own /proc and /run.
void become_machine() {
  if (::mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr) != 0) {
    env.reason = errno_text("mounting /proc for the PID namespace");
    return;
  }
  if (::mount("tmpfs", "/run", "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755") != 0) {
    env.reason = errno_text("tmpfs over /run");
    return;
  }
  if (!drop_inherited_nsfs_mounts()) {
    env.reason = errno_text("unmounting an inherited nsfs mount");
    return;
  }
  env.ready = true;
}
} // namespace

const NetnsEnv& netns_env() {
  return env;
}

} // namespace kaltune::itest

int main(int argc, char** argv) {
  using namespace kaltune::itest;
  ::testing::InitGoogleTest(&argc, argv);
  struct stat st {};
  if (::stat("/proc/self/ns/net", &st) == 0) {
    env.real_host_inode = st.st_ino;
  }
  isolate();
  if (!isolation().private_netns) {
    env.reason = "no private network namespace: " + isolation().reason;
    return RUN_ALL_TESTS();
  }
  if (::unshare(CLONE_NEWPID) != 0) {
    env.reason = errno_text("unshare(CLONE_NEWPID)");
    return RUN_ALL_TESTS();
  }
  const pid_t machine = ::fork();
  if (machine < 0) {
    std::perror("fork");
    return 1;
  }
  if (machine == 0) {
    const char* asan = std::getenv("ASAN_OPTIONS");
    const std::string options = std::string(asan != nullptr ? asan : "") + ":detect_leaks=0";
    ::setenv("ASAN_OPTIONS", options.c_str(), 1);
    become_machine();
    if (!env.ready) {
      std::cerr << "kaltune --all-netns tests: " << env.reason << "; they will skip\n";
    }
    return RUN_ALL_TESTS();
  }
  int status = 0;
  while (::waitpid(machine, &status, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
