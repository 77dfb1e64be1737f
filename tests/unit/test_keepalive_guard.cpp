// The guard of the real-applier replays (tests/common/keepalive_guard.hpp): every line either
// applier could act on must reach only the three keepalive keys.

#include "../common/keepalive_guard.hpp"

#include <gtest/gtest.h>

#include <string>

namespace kaltune {
namespace {

using namespace std::string_literals;

struct GuardCase {
  std::string content;
  bool allowed;
};

class Guard : public ::testing::TestWithParam<GuardCase> {};

TEST_P(Guard, AllowsOnlyKeepaliveKeys) {
  const auto problem = guard::foreign_line(GetParam().content);
  EXPECT_EQ(!problem.has_value(), GetParam().allowed)
      << ::testing::PrintToString(GetParam().content) << ": " << problem.value_or("allowed");
}

INSTANTIATE_TEST_SUITE_P(
    Lines, Guard,
    ::testing::Values(
        // Keepalive keys in every spelling the appliers accept.
        GuardCase{"net.ipv4.tcp_keepalive_time = 600\n", true},
        GuardCase{"  net.ipv4.tcp_keepalive_intvl\t=\t30\t\r\n", true},
        GuardCase{"-net.ipv4.tcp_keepalive_probes = 4\n", true},
        GuardCase{"--net.ipv4.tcp_keepalive_probes = 4\n", true},
        GuardCase{"- net.ipv4.tcp_keepalive_probes = 4\n", true},
        GuardCase{"net/ipv4/tcp_keepalive_time = 1\n", true},
        GuardCase{"/net/ipv4/tcp_keepalive_time = 1\n", true},
        GuardCase{"/net.ipv4.tcp_keepalive_time = 1\n", true},
        GuardCase{"net/ipv4/tcp_keepalive_time/ = 1\n", true},
        GuardCase{"-net.ipv4.tcp_keepalive_time\n", true},
        GuardCase{"net.ipv4.tcp_keepalive_time 625\n", true}, // no '=': assigns nothing
        GuardCase{"net.ipv4.tcp_keepalive_intvl: 56\n", true}, GuardCase{"kernel.panic 1\n", false},
        GuardCase{"\xEF\xBB\xBFnet.ipv4.tcp_keepalive_time = 1\n", true},
        GuardCase{"\vnet.ipv4.tcp_keepalive_time = 1\n", true},
        GuardCase{"net.ipv4.tcp_keepalive_time = 1\r", true},
        GuardCase{"net.ipv4.tcp_keepalive_time = 1\0net.ipv4.tcp_keepalive_intvl = 2\n"s, true},
        // tcp_retries2, kaltune's fourth key, exactly.
        GuardCase{"net.ipv4.tcp_retries2 = 8\n", true},
        GuardCase{"-net/ipv4/tcp_retries2 = 8\n", true}, GuardCase{"net.ipv4.tcp_retries2\n", true},
        GuardCase{"net.ipv4.tcp_retries? = 8\n", false}, // tcp_retries1 too
        GuardCase{"net.ipv4.tcp_retries1 = 8\n", false},
        GuardCase{"net.ipv4.tcp_retries = 8\n", false},
        // Globs that stay under net.ipv4.tcp_keepalive_.
        GuardCase{"net.ipv4.tcp_keepalive_* = 5\n", true},
        GuardCase{"net/ipv4/tcp_keepalive_[ip]* = 5\n", true},
        GuardCase{"net.ipv4.tcp_keepalive_p?obes = 5\n", true},
        // Comments and blank lines.
        GuardCase{"# kernel.panic = 1\n; vm.swappiness = 1\n\n \t\n", true}, GuardCase{"", true},
        // Anything else, however it hides.
        GuardCase{"kernel.panic = 1\n", false}, GuardCase{"\vkernel.panic = 1\n", false},
        GuardCase{"\fkernel.panic = 1\n", false}, GuardCase{"kernel.panic\v= 1\n", false},
        GuardCase{"\xEF\xBB\xBFkernel.panic = 1\n", false}, GuardCase{"-kernel.panic = 1\n", false},
        GuardCase{"/kernel/panic = 1\n", false}, GuardCase{"kernel/panic = 1\n", false},
        GuardCase{"kernel.panic\n", false},
        GuardCase{"# comment\rkernel.panic = 1\n", false},  // systemd ends a line at CR
        GuardCase{"# comment\0kernel.panic = 1\n"s, false}, // and at NUL
        GuardCase{"\0kernel.panic = 1\n"s, false},
        GuardCase{"kernel.panic = 1\0net.ipv4.tcp_keepalive_time = 1\n"s, false},
        GuardCase{"net.ipv4.tcp_keepalive_time\x01 = 1\n", false}, // other control characters
        GuardCase{"# note \x1b[0m\n", false},
        GuardCase{"net.ipv4.tcp_keepalive_time\x7f = 1\n", false},
        GuardCase{"net.ipv4.* = 1\n", false}, GuardCase{"net.*.tcp_keepalive_time = 1\n", false},
        GuardCase{"*.ipv4.tcp_keepalive_time = 1\n", false},
        GuardCase{"net.ipv4.tcp_* = 1\n", false}, GuardCase{"net.ipv4.tcp_keepalive_ = 1\n", false},
        GuardCase{"net.ipv4.tcp_keepalive_time.x = 1\n", false},
        GuardCase{"net/ipv4/tcp_keepalive_time/../../../kernel/panic = 1\n", false},
        GuardCase{"net/ipv4/../ipv4/tcp_keepalive_time = 1\n", false},
        GuardCase{"net.ipv6.tcp_keepalive_time = 1\n", false},
        GuardCase{"net.ipv4.tcp_keepalive_\\* = 1\n", false}));

} // namespace
} // namespace kaltune
