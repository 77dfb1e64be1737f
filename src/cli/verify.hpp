#pragma once

#include "cli/context.hpp"
#include "cli/goals.hpp"
#include "cli/option_values.hpp"

#include <array>
#include <optional>
#include <string>

namespace CLI {
class App;
}

namespace kaltune {

struct VerifyOptions {
  // --time, --intvl, --probes as given (missing ones come from the running values); --retries2
  // with --busy: the tcp_retries2 of the private namespace.
  ValueTexts values;
  bool running = false;
  std::string timeout = "15m";
  GoalOptions goals; // measure the values derived from these goals
  bool busy = false; // the busy half: data in flight, tcp_retries2 decides
};

// tcp_retries2 that verify --busy writes in its private namespace unless told: small, so that a
// measurement takes seconds (about 13 s on loopback), not the default's quarter of an hour.
inline constexpr std::int64_t verify_busy_retries2 = 5;

void setup_verify(CLI::App& command, VerifyOptions& options);
int run_verify(Context& context, const VerifyOptions& options);

} // namespace kaltune
