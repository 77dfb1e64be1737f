#include "cli_model.hpp"

#include "core/presets.hpp"

#include <algorithm>

namespace kaltune::testing {

namespace {
std::vector<std::string> split(const std::string& text, char separator) {
  std::vector<std::string> out;
  std::string item;
  for (char c : text) {
    if (c == separator) {
      out.push_back(item);
      item.clear();
    } else {
      item += c;
    }
  }
  out.push_back(item);
  return out;
}

bool is_lower_word(const std::string& word) {
  return !word.empty() && std::all_of(word.begin(), word.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
  });
}

// CLI11 describes an IsMember check as "{a,b,c}" in the type name ("TEXT:{a,b,c}"); a type name
// of our own may list fixed values and placeholders: "running|boot|default|FILE".
void read_type_name(const CLI::Option& option, ModelOption& model) {
  const std::string type = option.get_type_name();
  const auto open = type.find('{');
  const auto close = type.find('}', open);
  if (open != std::string::npos && close != std::string::npos) {
    model.choices = split(type.substr(open + 1, close - open - 1), ',');
    return;
  }
  for (const std::string& word : split(type.substr(0, type.find(':')), '|')) {
    if (is_lower_word(word)) {
      model.choices.push_back(word);
    } else if (word == "PRESET") {
      for (const Preset& preset : presets()) {
        model.choices.emplace_back(preset.name);
      }
    } else if (word == "FILE" || word == "PATH" || word == "DIR") {
      model.file_kind = word;
    }
  }
}

ModelCommand command_of(const CLI::App& app, std::string name) {
  ModelCommand command;
  command.name = std::move(name);
  command.description = app.get_description();
  command.fallthrough = app.get_parent() != nullptr && app.get_fallthrough();
  for (const CLI::Option* option : app.get_options()) {
    if (option->get_lnames().empty() && option->get_snames().empty()) {
      command.positionals.push_back(option->get_name(true));
      continue;
    }
    ModelOption model;
    for (const auto& s : option->get_snames()) {
      model.names.push_back("-" + s);
    }
    for (const auto& l : option->get_lnames()) {
      model.names.push_back("--" + l);
    }
    read_type_name(*option, model);
    model.takes_value = option->get_items_expected_max() > 0;
    model.is_help = option == app.get_help_ptr();
    command.options.push_back(std::move(model));
  }
  return command;
}
} // namespace

std::vector<ModelCommand> cli_model(const CLI::App& app) {
  std::vector<ModelCommand> out{command_of(app, "")};
  for (const CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; })) {
    out.push_back(command_of(*sub, sub->get_name()));
  }
  return out;
}

std::vector<std::string> long_names(const ModelCommand& command, bool with_help) {
  std::vector<std::string> out;
  for (const ModelOption& option : command.options) {
    if (option.is_help && !with_help) {
      continue;
    }
    for (const std::string& name : option.names) {
      if (name.starts_with("--")) {
        out.push_back(name);
      }
    }
  }
  return out;
}

} // namespace kaltune::testing
