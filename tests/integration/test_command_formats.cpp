// Every command of the table in every format its row lists, alone and (where its row takes it)
// with --all-netns: the output must be what the format promises — JSON that parses, an
// exposition promtool accepts, one Nagios line, sysctl lines, text that is none of those. The
// cases come from the command table itself (cli/commands.cpp), so a new row or a new format is
// covered without writing a test. Runs where --all-netns is safe: PID 1 of a private PID
// namespace whose namespaces are the test's own (netns_main.cpp).

#include "cli/command.hpp"
#include "harness.hpp"
#include "netns_env.hpp"

#include <nlohmann/json.hpp>

#include <gtest/gtest.h>

#include <regex>
#include <sstream>

namespace kaltune::itest {
namespace {

struct FormatCase {
  const Command* command;
  Format format;
  bool all_netns;
};

std::string case_name(const FormatCase& c) {
  std::string name = std::string(c.command->name) + "_" + std::string(format_name(c.format)) +
                     (c.all_netns ? "_all_netns" : "");
  for (char& ch : name) {
    ch = ch == '-' ? '_' : ch;
  }
  return name;
}

void PrintTo(const FormatCase& c, std::ostream* out) {
  *out << case_name(c);
}

std::vector<FormatCase> format_cases() {
  std::vector<FormatCase> cases;
  for (const Command& command : commands()) {
    for (Format format : command.formats) {
      cases.push_back({&command, format, false});
    }
    for (Format format : command.all_netns_formats) {
      cases.push_back({&command, format, true});
    }
  }
  return cases;
}

std::vector<std::string> words(std::string_view text) {
  std::vector<std::string> out;
  std::istringstream in{std::string(text)};
  std::string word;
  while (in >> word) {
    out.push_back(word);
  }
  return out;
}

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    out.push_back(line);
  }
  return out;
}

bool looks_like_json(const std::string& text) {
  const auto first = text.find_first_not_of(" \n");
  return first != std::string::npos && text[first] == '{';
}

// What the format promises of the text.
void expect_format(Format format, const RunResult& result, bool all_netns) {
  const std::string& out = result.out;
  if (format == Format::unified && result.status == 0) {
    EXPECT_EQ(out, "") << "identical sources have no unified diff";
    return;
  }
  ASSERT_FALSE(out.empty()) << result.err;
  switch (format) {
  case Format::json: {
    const auto json = nlohmann::json::parse(out, nullptr, false);
    ASSERT_FALSE(json.is_discarded()) << out;
    EXPECT_TRUE(json.is_object()) << out;
    if (all_netns) {
      EXPECT_TRUE(json["namespaces"].is_array()) << out;
      EXPECT_TRUE(json["summary"].is_object()) << out;
    }
    break;
  }
  case Format::prometheus: {
    EXPECT_NE(out.find("# TYPE kaltune_"), std::string::npos) << out;
    if (all_netns) {
      EXPECT_NE(out.find("netns_inode=\""), std::string::npos) << out;
    }
    const RunResult promtool = run({"promtool", "check", "metrics"}, {{}, {}, {}, {}, out});
    EXPECT_EQ(promtool.status, 0) << promtool.out << promtool.err << out;
    break;
  }
  case Format::nagios:
    EXPECT_EQ(lines(out).size(), 1u) << out;
    EXPECT_TRUE(out.starts_with("KALTUNE ")) << out;
    break;
  case Format::sysctl: {
    const std::regex assignment(R"(net\.ipv4\.[a-z_0-9]+ = -?[0-9]+)");
    for (const std::string& line : lines(out)) {
      EXPECT_TRUE(line.empty() || line.starts_with("#") || std::regex_match(line, assignment))
          << line;
    }
    break;
  }
  case Format::kubernetes:
    EXPECT_NE(out.find("sysctls:"), std::string::npos) << out;
    break;
  case Format::docker:
    EXPECT_NE(out.find("--sysctl "), std::string::npos) << out;
    break;
  case Format::table:
  case Format::text:
  case Format::unified:
    EXPECT_FALSE(looks_like_json(out)) << out;
    EXPECT_EQ(out.find("# TYPE "), std::string::npos) << out;
    break;
  }
}

class CommandFormats : public ::testing::TestWithParam<FormatCase> {
protected:
  void SetUp() override {
    KALTUNE_REQUIRE_MACHINE();
    KALTUNE_REQUIRE_ROOT();
  }
};

TEST_P(CommandFormats, OutputIsWhatTheFormatPromises) {
  const FormatCase& c = GetParam();
  if (c.format == Format::prometheus && run({"sh", "-c", "command -v promtool"}).status != 0) {
    GTEST_SKIP() << "promtool (Debian's prometheus package) is not installed";
  }
  std::vector<std::string> args;
  if (c.all_netns) {
    args.emplace_back("--all-netns");
  }
  args.emplace_back(c.command->name);
  for (const std::string& word : words(c.command->example)) {
    args.push_back(word);
  }
  if (c.format == Format::nagios) {
    args.emplace_back("--nagios");
  } else {
    args.emplace_back("--format");
    args.emplace_back(format_name(c.format));
  }
  const RunResult result = run_kaltune(args);
  // 1 is a finding (diff, check), not a failure; a usage error or a failure is. A plugin's
  // statuses are 0 OK to 2 CRITICAL, 3 UNKNOWN when it failed.
  const int worst = c.format == Format::nagios ? 2 : 1;
  ASSERT_TRUE(result.status >= 0 && result.status <= worst) << result.status << " " << result.err;
  expect_format(c.format, result, c.all_netns);
  if (c.format == Format::json) {
    // --json is the same format, with the same bytes but for what changes between runs.
    args.erase(args.end() - 2, args.end());
    args.insert(args.begin(), "--json");
    const RunResult json = run_kaltune(args);
    EXPECT_EQ(json.status, result.status) << json.err;
    expect_format(Format::json, json, c.all_netns);
  }
}

INSTANTIATE_TEST_SUITE_P(Table, CommandFormats, ::testing::ValuesIn(format_cases()),
                         [](const auto& info) { return case_name(info.param); });

// Every format a row does not list for --all-netns (every format, for a row without it).
std::vector<FormatCase> refused_cases() {
  std::vector<FormatCase> cases;
  for (const Command& command : commands()) {
    for (Format format : command.formats) {
      const auto& listed = command.all_netns_formats;
      if (std::find(listed.begin(), listed.end(), format) == listed.end()) {
        cases.push_back({&command, format, true});
      }
    }
  }
  return cases;
}

class AllNetnsRefusals : public CommandFormats {};

TEST_P(AllNetnsRefusals, AUsageErrorBeforeAnythingRuns) {
  const FormatCase& c = GetParam();
  std::vector<std::string> args{"--all-netns", std::string(c.command->name)};
  for (const std::string& word : words(c.command->example)) {
    args.push_back(word);
  }
  args.emplace_back("--format");
  args.emplace_back(format_name(c.format));
  const RunResult result = run_kaltune(args);
  EXPECT_EQ(result.status, 2) << result.out << result.err;
  EXPECT_NE(result.err.find("--all-netns"), std::string::npos) << result.err;
  EXPECT_EQ(result.out, "");
}

INSTANTIATE_TEST_SUITE_P(Table, AllNetnsRefusals, ::testing::ValuesIn(refused_cases()),
                         [](const auto& info) { return case_name(info.param); });

} // namespace
} // namespace kaltune::itest
