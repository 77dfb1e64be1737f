// The completion scripts against the binary's own CLI11 model, so they cannot drift: each knows
// every command, option and option value. tests/completion/*.sh drive bash and fish for real;
// zsh, which cannot be driven without a terminal, is checked here function by function.
#include "cli/app.hpp"
#include "cli_model.hpp"
#include "read_text.hpp"

#include <gtest/gtest.h>

#include <regex>
#include <set>

namespace kaltune::testing {
namespace {

using Names = std::set<std::string>;

bool has_word(const std::string& text, const std::string& word) {
  // A word bounded by anything but letters, digits, '-' and '_'.
  const std::regex pattern("(^|[^A-Za-z0-9_-])" + std::regex_replace(word, std::regex("-"), "\\-") +
                           "($|[^A-Za-z0-9_-])");
  return std::regex_search(text, pattern);
}

Names long_options_in(const std::string& text) {
  static const std::regex option(R"((^|[^A-Za-z0-9_-])(--[A-Za-z][A-Za-z0-9-]*))");
  Names out;
  for (auto it = std::sregex_iterator(text.begin(), text.end(), option);
       it != std::sregex_iterator(); ++it) {
    out.insert((*it)[2]);
  }
  return out;
}

struct Script {
  const char* shell;
  const char* path;
};

void PrintTo(const Script& script, std::ostream* out) {
  *out << script.path;
}

const Script scripts[] = {
    {"bash", KALTUNE_SOURCE_DIR "/completions/kaltune.bash"},
    {"zsh", KALTUNE_SOURCE_DIR "/completions/_kaltune"},
    {"fish", KALTUNE_SOURCE_DIR "/completions/kaltune.fish"},
};

class Completions : public ::testing::TestWithParam<Script> {
protected:
  Cli cli;
};

TEST_P(Completions, KnowEveryCommandOptionAndValue) {
  const std::string text = read_text(GetParam().path);
  const bool fish = std::string(GetParam().shell) == "fish";
  for (const auto& command : cli_model(cli.app())) {
    if (!command.name.empty()) {
      EXPECT_TRUE(has_word(text, command.name)) << "command " << command.name;
    }
    for (const auto& option : command.options) {
      for (const auto& name : option.names) {
        // fish spells --quiet as "-l quiet" and -q as "-s q".
        const std::string spelled =
            !fish ? name
                  : (name.starts_with("--") ? "-l " + name.substr(2) : "-s " + name.substr(1));
        EXPECT_TRUE(has_word(text, spelled)) << command.name << " " << name;
      }
      for (const auto& choice : option.choices) {
        EXPECT_TRUE(has_word(text, choice))
            << command.name << " " << option.names.back() << " " << choice;
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Shells, Completions, ::testing::ValuesIn(scripts),
                         [](const auto& info) { return std::string(info.param.shell); });

// The body of the zsh function NAME: from "NAME() {" to the next line that is "}".
std::string zsh_function(const std::string& text, const std::string& name) {
  const auto start = text.find("\n" + name + "() {\n");
  if (start == std::string::npos) {
    return "";
  }
  const auto end = text.find("\n}\n", start);
  return text.substr(start, end - start);
}

TEST(ZshCompletion, EachFunctionOffersExactlyItsCommandsOptions) {
  const std::string text = read_text(KALTUNE_SOURCE_DIR "/completions/_kaltune");
  Cli cli;
  const auto model = cli_model(cli.app());
  // _kaltune_global_specs holds the global options that are also accepted after a command;
  // _kaltune adds --help and --version, which belong before the command only.
  const std::string specs = zsh_function(text, "_kaltune_global_specs");
  ASSERT_FALSE(specs.empty()) << "no function _kaltune_global_specs";
  const Names before_only{"--help", "--version"};
  Names globals;
  for (const auto& name : long_names(model.front(), true)) {
    if (before_only.count(name) == 0) {
      globals.insert(name);
    }
  }
  EXPECT_EQ(long_options_in(specs), globals) << "_kaltune_global_specs";
  Names commands;
  for (const auto& command : model) {
    const std::string function = command.name.empty() ? "_kaltune" : "_kaltune_" + command.name;
    const std::string body = zsh_function(text, function);
    ASSERT_FALSE(body.empty()) << "no function " << function;
    const bool with_globals = command.name.empty() || command.fallthrough;
    EXPECT_EQ(body.find("_kaltune_global_specs") != std::string::npos, with_globals) << function;
    Names expected;
    if (command.name.empty()) {
      expected = before_only;
    } else {
      const auto names = long_names(command, true);
      expected.insert(names.begin(), names.end());
      commands.insert(command.name);
    }
    EXPECT_EQ(long_options_in(body), expected) << function;
  }
  // The command list of _kaltune: 'show:description' entries.
  Names listed;
  const std::string body = zsh_function(text, "_kaltune");
  static const std::regex entry(R"(\n\s*'([a-z-]+):)");
  for (auto it = std::sregex_iterator(body.begin(), body.end(), entry);
       it != std::sregex_iterator(); ++it) {
    listed.insert((*it)[1]);
  }
  EXPECT_EQ(listed, commands);
}

} // namespace
} // namespace kaltune::testing
