// Cli::run builds only the parts of the model a command line spells; the whole model (what
// Cli::app() builds, and what answers help, errors and anything unusual) must give every line
// the same answer: exit status, stdout and stderr, byte for byte. Only lines that read files or
// fail before doing anything: nothing here touches the kernel.
#include "cli/app.hpp"

#include "../common/temp_root.hpp"

#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

namespace kaltune {
namespace {
using test::TempRoot;

struct Answer {
  int status;
  std::string out;
  std::string err;
};

Answer answer(std::vector<std::string> args, bool whole) {
  args.insert(args.begin(), "kaltune");
  std::vector<const char*> argv;
  for (const std::string& arg : args) {
    argv.push_back(arg.c_str());
  }
  Cli cli;
  if (whole) {
    cli.app();
  }
  std::ostringstream out;
  std::ostringstream err;
  const int status = cli.run(static_cast<int>(argv.size()), argv.data(), out, err);
  return {status, out.str(), err.str()};
}

TEST(CliParts, EveryLineGetsTheWholeModelsAnswer) {
  TempRoot root;
  root.write("etc/sysctl.conf", "net.ipv4.tcp_keepalive_time = 600\n");
  root.write("etc/sysctl.d/50-a.conf", "net.ipv4.tcp_keepalive_intvl = 30\n");
  const std::string dir = root.path().string();
  const std::vector<std::vector<std::string>> lines = {
      // parsed by the parts
      {"plan", "--idle-timeout", "aws-nlb"},
      {"--json", "plan", "--idle-timeout", "350s"},
      {"plan", "--idle-timeout=350", "--json"},
      {"--root", dir, "show", "--source", "boot"},
      {"--root=" + dir, "--boot-model", "procps", "--json", "show", "--source", "boot"},
      {"--root", dir, "show", "--source", "/etc/sysctl.d/50-a.conf", "--format", "sysctl"},
      {"--root", dir, "--color", "never", "--quiet", "show", "--source", "boot", "--verbose"},
      {"--root", dir, "--all-netns", "diff"},
      // answered by the whole model
      {},
      {"shwo"},
      {"show", "shwo"},
      {"show", "--bogus"},
      {"--bogus", "show"},
      {"-q", "plan", "--idle-timeout", "aws-nlb"},
      {"-qv", "plan", "--idle-timeout", "aws-nlb"},
      // (not --help alone: CLI11 lists an option's "Excludes" in the order of their addresses)
      {"show", "--help"},
      {"plan", "-h"},
      {"--version"},
      {"--pid", "010", "show"},
      {"--pid", "1", "--netns", "x", "show"},
      {"--where", "runtime=docker", "show"},
      {"set", "--time", "abc"},
      {"set", "--time", "120\nkaltune: fake line"},
      {"show", "--source"},
      {"--root", "/nonexistent", "show"},
      {"--root", dir, "show", "check"},
      {"check", "--nagios", "--bogus"},
      {"plan", "--", "--preset"},
      {"--json=yes", "plan", "--idle-timeout", "aws-nlb"},
  };
  for (const auto& line : lines) {
    std::string shown;
    for (const auto& arg : line) {
      shown += " " + arg;
    }
    SCOPED_TRACE("kaltune" + shown);
    const Answer parts = answer(line, false);
    const Answer whole = answer(line, true);
    EXPECT_EQ(parts.status, whole.status);
    EXPECT_EQ(parts.out, whole.out);
    EXPECT_EQ(parts.err, whole.err);
  }
}

TEST(CliParts, AnErrorIsStillAnError) {
  // The comparison above would pass if both answered wrongly in the same way.
  const Answer unknown = answer({"shwo"}, false);
  EXPECT_EQ(unknown.status, 2);
  EXPECT_NE(unknown.err.find("did you mean 'show'?"), std::string::npos) << unknown.err;
  const Answer plan = answer({"plan", "--idle-timeout", "aws-nlb"}, false);
  EXPECT_EQ(plan.status, 0) << plan.err;
  EXPECT_NE(plan.out.find("net.ipv4.tcp_keepalive_time"), std::string::npos) << plan.out;
}

} // namespace
} // namespace kaltune
