#pragma once

// What netns_main.cpp set up for the --all-netns tests (see there).

#include <string>
#include <sys/types.h>

namespace kaltune::itest {

struct NetnsEnv {
  bool ready = false;        // PID 1 of a private PID namespace with its own /proc and /run
  std::string reason;        // why not, for GTEST_SKIP
  ino_t real_host_inode = 0; // the namespace the test binary started in: must never show up
};

const NetnsEnv& netns_env();

#define KALTUNE_REQUIRE_MACHINE()                                                                  \
  do {                                                                                             \
    if (!::kaltune::itest::netns_env().ready) {                                                    \
      GTEST_SKIP() << "no private PID namespace: " << ::kaltune::itest::netns_env().reason;        \
    }                                                                                              \
  } while (0)

} // namespace kaltune::itest
