#include "render/format.hpp"

#include <array>
#include <utility>

namespace kaltune {

namespace {
constexpr std::array<std::pair<Format, std::string_view>, 9> names{{
    {Format::table, "table"},
    {Format::text, "text"},
    {Format::json, "json"},
    {Format::sysctl, "sysctl"},
    {Format::prometheus, "prometheus"},
    {Format::unified, "unified"},
    {Format::kubernetes, "kubernetes"},
    {Format::docker, "docker"},
    {Format::nagios, "nagios"},
}};
} // namespace

std::string_view format_name(Format format) {
  for (const auto& [each, name] : names) {
    if (each == format) {
      return name;
    }
  }
  return "?";
}

std::optional<Format> format_named(std::string_view name) {
  for (const auto& [each, text] : names) {
    if (text == name) {
      return each;
    }
  }
  return std::nullopt;
}

} // namespace kaltune
