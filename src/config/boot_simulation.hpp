#pragma once

// The simulation of boot over what its sources set: the writes before the applier, the applier's
// own bookkeeping over the lines of its files (and credentials), the writes after it. Pure.

#include "config/boot.hpp"
#include "config/boot_source_context.hpp"

#include <string>
#include <vector>

namespace kaltune {

// What the sources set, in the order boot applies them.
struct SimulationInput {
  std::vector<BootAssignment> before; // written before the applier (the kernel command line)
  std::vector<BootStage> text_stages; // the source of each text
  std::vector<AppliedText> texts;     // parsed with the applier's line rules, in order
  std::vector<BootAssignment> after;  // written after it (tuned), with tuned's "<N"/">N"
};

// The view boot leaves: every assignment, the winners, and `warnings` followed by the lines'
// diagnostics and what the kernel makes of the values written.
BootView simulate(BootModel model, SimulationInput input, std::vector<std::string> warnings);

} // namespace kaltune
