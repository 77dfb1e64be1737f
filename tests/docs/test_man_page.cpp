// The man page against the binary's own CLI11 model, both ways: every command and option the
// binary has is documented where it belongs, and everything the page documents exists.
#include "cli/app.hpp"
#include "cli_model.hpp"
#include "read_text.hpp"
#include "roff.hpp"
#include "version.hpp"

#include <gtest/gtest.h>

#include <regex>
#include <set>
#include <sstream>

namespace kaltune::testing {
namespace {

using Names = std::set<std::string>;

// Options written in a text: "-q" and "--quiet", at the start or after a space or bracket.
Names options_in(const std::string& text, bool long_only = false) {
  static const std::regex option(R"((^|[\s\[(|,"'])(--?[A-Za-z][A-Za-z0-9-]*))");
  Names out;
  for (auto it = std::sregex_iterator(text.begin(), text.end(), option);
       it != std::sregex_iterator(); ++it) {
    const std::string name = (*it)[2];
    if (!long_only || name.starts_with("--")) {
      out.insert(name);
    }
  }
  return out;
}

std::string first_word(const std::string& text) {
  return text.substr(0, text.find(' '));
}

class ManPage : public ::testing::Test {
protected:
  void SetUp() override {
    page = parse_roff(read_text(KALTUNE_SOURCE_DIR "/man/kaltune.8"));
    model = cli_model(cli.app());
  }

  const ModelCommand& global() const { return model.front(); }

  const ModelCommand* command(const std::string& name) const {
    for (const auto& c : model) {
      if (!c.name.empty() && c.name == name) {
        return &c;
      }
    }
    return nullptr;
  }

  static Names all_names(const ModelCommand& command, bool with_help) {
    Names out;
    for (const auto& option : command.options) {
      if (!option.is_help || with_help) {
        out.insert(option.names.begin(), option.names.end());
      }
    }
    return out;
  }

  static const ModelOption* find_option(const ModelCommand& command, const std::string& name) {
    for (const auto& option : command.options) {
      for (const auto& n : option.names) {
        if (n == name) {
          return &option;
        }
      }
    }
    return nullptr;
  }

  // Options documented as .TP tags in a section (and subsection).
  Names tagged(const std::string& section, const std::string& subsection) const {
    Names out;
    for (const auto& item : page.items) {
      if (item.section == section && item.subsection == subsection) {
        const Names names = options_in(item.tag);
        out.insert(names.begin(), names.end());
      }
    }
    return out;
  }

  Cli cli;
  RoffPage page;
  std::vector<ModelCommand> model;
};

TEST_F(ManPage, HasEverySectionInOrder) {
  const std::vector<std::string> expected{"NAME",    "SYNOPSIS",    "DESCRIPTION", "COMMANDS",
                                          "OPTIONS", "JSON OUTPUT", "EXIT STATUS", "ENVIRONMENT",
                                          "FILES",   "EXAMPLES",    "SEE ALSO"};
  EXPECT_EQ(page.sections, expected);
}

TEST_F(ManPage, TitleCarriesTheVersion) {
  const std::string source = read_text(KALTUNE_SOURCE_DIR "/man/kaltune.8");
  EXPECT_NE(source.find(std::string("\n.TH KALTUNE 8 ")), std::string::npos);
  EXPECT_NE(source.find(std::string("\"kaltune ") + version + "\""), std::string::npos)
      << "the .TH line must name kaltune " << version;
}

TEST_F(ManPage, CommandsAreExactlyTheModelsCommands) {
  std::vector<std::string> documented;
  for (const auto& subsection : page.subsections) {
    documented.push_back(first_word(subsection));
  }
  std::vector<std::string> expected;
  for (const auto& c : model) {
    if (!c.name.empty()) {
      expected.push_back(c.name);
    }
  }
  EXPECT_EQ(documented, expected) << "one .SS per command under COMMANDS, in --help order";
}

TEST_F(ManPage, GlobalOptionsAreExactlyTheModels) {
  EXPECT_EQ(tagged("OPTIONS", ""), all_names(global(), true));
}

TEST_F(ManPage, EachCommandDocumentsExactlyItsOptions) {
  for (const auto& subsection : page.subsections) {
    const ModelCommand* c = command(first_word(subsection));
    ASSERT_NE(c, nullptr) << "documented command does not exist: " << subsection;
    EXPECT_EQ(tagged("COMMANDS", subsection), all_names(*c, false)) << "command " << c->name;
  }
}

TEST_F(ManPage, EachCommandDocumentsItsArguments) {
  for (const auto& c : model) {
    for (const auto& positional : c.positionals) {
      bool found = false;
      for (const auto& item : page.items) {
        if (first_word(item.subsection) == c.name) {
          std::istringstream words(item.tag);
          std::string word;
          while (words >> word) {
            found = found || word == positional;
          }
        }
      }
      EXPECT_TRUE(found) << c.name << ": no .TP tagged " << positional;
    }
  }
}

TEST_F(ManPage, EveryChoiceIsDocumentedWithItsOption) {
  for (const auto& c : model) {
    for (const auto& option : c.options) {
      if (option.choices.empty()) {
        continue;
      }
      const RoffItem* documented = nullptr;
      for (const auto& item : page.items) {
        if (options_in(item.tag).count(option.names.back()) != 0 &&
            (c.name.empty() ? item.section == "OPTIONS" : first_word(item.subsection) == c.name)) {
          documented = &item;
        }
      }
      ASSERT_NE(documented, nullptr) << option.names.back();
      for (const auto& choice : option.choices) {
        EXPECT_TRUE(std::regex_search(documented->body, std::regex("\\b" + choice + "\\b")))
            << c.name << " " << option.names.back() << ": value " << choice << " undocumented";
      }
    }
  }
}

TEST_F(ManPage, SynopsisHasEveryCommandWithExactlyItsOptions) {
  ASSERT_FALSE(page.synopses.empty());
  // The first synopsis shows the global options before the command.
  const Names first = options_in(page.synopses.front());
  const Names globals = all_names(global(), true);
  for (const auto& name : first) {
    EXPECT_EQ(globals.count(name), 1U) << "not a global option: " << name;
  }
  for (const auto& c : model) {
    if (c.name.empty()) {
      continue;
    }
    bool found = false;
    for (const auto& synopsis : page.synopses) {
      if (synopsis.starts_with("kaltune " + c.name + " ") || synopsis == "kaltune " + c.name) {
        found = true;
        Names expected;
        for (const auto& name : long_names(c, false)) {
          expected.insert(name);
        }
        EXPECT_EQ(options_in(synopsis, true), expected) << synopsis;
      }
    }
    EXPECT_TRUE(found) << "no synopsis for " << c.name;
  }
}

// Splits a shell line into words, keeping quoted parts together.
std::vector<std::string> shell_words(const std::string& line) {
  std::vector<std::string> out;
  std::string word;
  char quote = 0;
  bool in_word = false;
  for (char c : line) {
    if (quote != 0) {
      word += c;
      quote = c == quote ? 0 : quote;
    } else if (c == ' ' || c == '\t') {
      if (in_word) {
        out.push_back(word);
      }
      word.clear();
      in_word = false;
    } else {
      quote = (c == '"' || c == '\'') ? c : 0;
      word += c;
      in_word = true;
    }
  }
  if (in_word) {
    out.push_back(word);
  }
  return out;
}

TEST_F(ManPage, ExamplesUseOnlyRealCommandsAndOptions) {
  int invocations = 0;
  for (const auto& line : page.examples) {
    const auto words = shell_words(line);
    for (std::size_t i = 0; i < words.size(); ++i) {
      // "kaltune", also as the start of a command substitution: "$(kaltune" or "(kaltune".
      if (words[i] != "kaltune" && !words[i].ends_with("(kaltune")) {
        continue;
      }
      ++invocations;
      std::size_t j = i + 1;
      for (; j < words.size() && words[j].starts_with("-"); ++j) {
        const std::string name = words[j].substr(0, words[j].find('='));
        const ModelOption* option = find_option(global(), name);
        ASSERT_NE(option, nullptr) << "not a global option: " << name << " in: " << line;
        if (option->takes_value && words[j].find('=') == std::string::npos) {
          ++j;
        }
      }
      ASSERT_LT(j, words.size()) << "no command in: " << line;
      // "$(kaltune diff)": the command may end the substitution.
      const bool ends = words[j].ends_with(")");
      const ModelCommand* c = command(ends ? words[j].substr(0, words[j].size() - 1) : words[j]);
      ASSERT_NE(c, nullptr) << "no such command " << words[j] << " in: " << line;
      for (++j; !ends && j < words.size(); ++j) {
        static const Names shell{"|", "||", "&&", ";", ">", ">>", "<", ")"};
        if (shell.count(words[j]) != 0 || words[j].starts_with(">")) {
          break;
        }
        const bool last = words[j].ends_with(")"); // the end of a command substitution
        std::string word = last ? words[j].substr(0, words[j].size() - 1) : words[j];
        if (word.starts_with("-")) {
          const std::string name = word.substr(0, word.find('='));
          EXPECT_NE(find_option(*c, name), nullptr)
              << c->name << " has no option " << name << "; in: " << line;
        }
        if (last) {
          break;
        }
      }
    }
  }
  EXPECT_GE(invocations, 8);
}

TEST_F(ManPage, EveryLongOptionMentionedExists) {
  // Options of other programs that the page names on purpose (procps sysctl, docker run,
  // systemctl enable, the kubelet).
  const Names foreign{"--system", "--sysctl", "--now", "--allowed-unsafe-sysctls"};
  Names known = foreign;
  for (const auto& c : model) {
    const Names names = all_names(c, true);
    known.insert(names.begin(), names.end());
  }
  for (const auto& name : options_in(page.text, true)) {
    EXPECT_EQ(known.count(name), 1U)
        << "the man page mentions " << name << ", which no kaltune command has";
  }
}

TEST_F(ManPage, ExitStatusIsTheHelpTable) {
  // exit_status_help(): "Exit status:\n  0  text\n     continued\n" -> {"0 text continued", …}
  std::vector<std::string> expected;
  std::istringstream in(exit_status_help());
  std::string line;
  std::getline(in, line);
  EXPECT_EQ(line, "Exit status:");
  while (std::getline(in, line)) {
    const std::string text = squeeze(line);
    if (!text.empty() && std::isdigit(static_cast<unsigned char>(text[0])) != 0 &&
        (text.size() == 1 || text[1] == ' ')) {
      expected.push_back(text);
    } else {
      ASSERT_FALSE(expected.empty());
      expected.back() += " " + text;
    }
  }
  std::vector<std::string> documented;
  for (const auto& item : page.items) {
    if (item.section == "EXIT STATUS") {
      documented.push_back(squeeze(item.tag + " " + item.body));
    }
  }
  EXPECT_EQ(documented, expected);
}

TEST_F(ManPage, SeeAlsoNamesTheRelatedPages) {
  for (const char* ref : {"sysctl(8)", "sysctl.d(5)", "systemd-sysctl(8)", "tcp(7)", "ss(8)"}) {
    EXPECT_NE(page.text.find(ref), std::string::npos) << ref;
  }
}

} // namespace
} // namespace kaltune::testing
