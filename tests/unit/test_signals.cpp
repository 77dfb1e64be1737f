#include "sys/signals.hpp"

#include <gtest/gtest.h>

#include <csignal>

namespace kaltune {
namespace {

volatile std::sig_atomic_t delivered = 0;

TEST(DeferSignals, DeliversOnlyWhenTheScopeEnds) {
  struct sigaction action {};
  struct sigaction previous {};
  action.sa_handler = [](int) { delivered = 1; };
  ASSERT_EQ(::sigaction(SIGTERM, &action, &previous), 0);
  delivered = 0;
  {
    const DeferSignals defer;
    ASSERT_EQ(::raise(SIGTERM), 0);
    EXPECT_EQ(delivered, 0); // held back while the change is made
  }
  EXPECT_EQ(delivered, 1); // then delivered as usual
  ::sigaction(SIGTERM, &previous, nullptr);
}

} // namespace
} // namespace kaltune
