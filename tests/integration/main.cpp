#include "harness.hpp"

#include <gtest/gtest.h>

#include <iostream>

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  // Before any test: leave the host's network and mount namespaces for good.
  kaltune::itest::isolate();
  if (!kaltune::itest::isolation().private_netns) {
    std::cerr << "kaltune integration tests: no private namespace ("
              << kaltune::itest::isolation().reason << "); real-kernel tests will skip\n";
  }
  return RUN_ALL_TESTS();
}
