#include "render/json.hpp"

#include <nlohmann/json.hpp>

namespace kaltune {

std::string dump_json(const nlohmann::ordered_json& value) {
  return value.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

std::string dump_json_compact(const nlohmann::ordered_json& value) {
  return value.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

nlohmann::ordered_json settings_json(const SourcedSettings& settings) {
  nlohmann::ordered_json out = nlohmann::ordered_json::object();
  for (Key key : all_keys) {
    out[std::string(sysctl_name(key))] = {{"value", settings[key].value},
                                          {"unit", is_duration(key) ? "seconds" : "count"},
                                          {"origin", settings[key].origin}};
  }
  return out;
}

} // namespace kaltune
