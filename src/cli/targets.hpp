#pragma once

// The cross-cutting target mode of the commands whose row takes --all-netns: every namespace the
// scan finds (narrowed by --where) is visited in turn and the command's view (render/over_netns)
// says what it shows of each; the driver writes it in the run's format.

#include "cli/context.hpp"
#include "render/over_netns.hpp"

namespace kaltune {

// Visits every namespace selected by --where and writes `view`'s output in context.format;
// returns the view's exit status.
int run_over_netns(Context& context, NetnsView& view);

} // namespace kaltune
