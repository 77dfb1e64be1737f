#pragma once

// The `--all-netns` side of show, check and set: each command parses and validates its own
// options as usual, then hands over here when the target is every namespace.

#include "cli/context.hpp"
#include "core/policy.hpp"
#include "core/runtime.hpp"
#include "core/sockets.hpp"

#include <string>

namespace kaltune {

// show --all-netns: a table row, a JSON element or a Prometheus series per namespace.
int show_all_netns(Context& context, const std::string& format);
// check --all-netns: exit 1 when any namespace violates the policy (or could not be checked).
int check_all_netns(Context& context, const Policy& policy, bool nagios);
// sockets --all-netns: the coverage counts of each namespace's connections, and the totals.
int sockets_all_netns(Context& context, const SocketFilter& filter, bool processes, bool json);
// set --all-netns: every namespace or none; exit 4 with everything put back when one refuses.
int set_all_netns(Context& context, const Request& request, bool dry_run);

} // namespace kaltune
