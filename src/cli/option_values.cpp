#include "cli/option_values.hpp"

#include "core/duration.hpp"
#include "core/validate.hpp"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

namespace kaltune {

void add_value_options(CLI::App& command, ValueTexts& texts, std::span<const Key> keys,
                       std::string (*help)(Key key)) {
  for (Key key : keys) {
    command.add_option(fmt::format("--{}", short_name(key)), texts[index_of(key)], help(key))
        ->type_name(is_duration(key) ? "DURATION" : "N");
  }
}

Request parse_values(const ValueTexts& texts, bool force) {
  Request request;
  for (Key key : all_keys) {
    if (const auto& text = texts[index_of(key)]) {
      auto value = parse_value(key, *text, force);
      if (!value) {
        throw Error(ExitStatus::usage, value.error());
      }
      request[index_of(key)] = *value;
    }
  }
  return request;
}

std::int64_t parse_positive_duration(std::string_view option, const std::string& text) {
  auto value = parse_positive_duration(std::string_view(text));
  if (!value) {
    throw Error(ExitStatus::usage,
                fmt::format("invalid {} value '{}': {}", option, text, value.error()));
  }
  return *value;
}

} // namespace kaltune
