#pragma once

#include "core/verify.hpp"
#include "render/style.hpp"

#include <nlohmann/json_fwd.hpp>

#include <string>

namespace kaltune {

std::string render_verify(const VerifyReport& report, const Style& style);
nlohmann::ordered_json to_json(const VerifyReport& report);
// The same as indented text with a final newline: what `--json` prints.
std::string render_json(const VerifyReport& report);

} // namespace kaltune
