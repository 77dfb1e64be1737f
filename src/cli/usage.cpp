#include "cli/usage.hpp"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <string_view>
#include <vector>

namespace kaltune {

namespace {
// Levenshtein distance, for "did you mean".
std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) {
    row[j] = j;
  }
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

std::vector<const CLI::App*> all_commands(const CLI::App& app) {
  return app.get_subcommands([](const CLI::App*) { return true; });
}

std::string unknown_command(const CLI::App& app, const std::string& word) {
  std::string best;
  std::size_t best_distance = 3; // suggest only close matches
  for (const CLI::App* sub : all_commands(app)) {
    const std::size_t distance = edit_distance(word, sub->get_name());
    if (distance < best_distance) {
      best = sub->get_name();
      best_distance = distance;
    }
  }
  return best.empty() ? fmt::format("unknown command '{}'", word)
                      : fmt::format("unknown command '{}'; did you mean '{}'?", word, best);
}
} // namespace

std::optional<std::string> command_problem(const CLI::App& app) {
  const auto extras = app.remaining();
  if (!extras.empty()) {
    const std::string& word = extras.front();
    if (!word.empty() && word.front() == '-') {
      return fmt::format("unknown option {}", word);
    }
    if (!app.get_subcommands().empty()) {
      return fmt::format("unexpected argument '{}' for {}", word,
                         app.get_subcommands().front()->get_name());
    }
    return unknown_command(app, word);
  }
  if (app.get_subcommands().empty()) {
    std::vector<std::string> names;
    for (const CLI::App* sub : all_commands(app)) {
      names.push_back(sub->get_name());
    }
    return fmt::format("a command is required: {}", fmt::join(names, ", "));
  }
  return std::nullopt;
}

} // namespace kaltune
