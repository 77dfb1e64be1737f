#include "cli/app.hpp"

#include <iostream>

int main(int argc, char** argv) {
  kaltune::Cli cli;
  return cli.run(argc, argv, std::cout, std::cerr);
}
