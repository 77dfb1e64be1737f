#include "cli/targets.hpp"

namespace kaltune {

int run_over_netns(Context& context, NetnsView& view) {
  NetnsSurvey survey(context.global.where);
  return write_over_netns(context.out, context.format, context.out_style, view, survey);
}

} // namespace kaltune
