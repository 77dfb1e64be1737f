#include "base/source.hpp"

namespace kaltune {

Settings SourcedSettings::settings() const {
  Settings out;
  for (Key key : all_keys) {
    out[key] = (*this)[key].value;
  }
  return out;
}

SourcedSettings sourced(std::string source, const Settings& settings, const std::string& origin) {
  SourcedSettings out;
  out.source = std::move(source);
  for (Key key : all_keys) {
    out[key] = {settings[key], origin};
  }
  return out;
}

} // namespace kaltune
