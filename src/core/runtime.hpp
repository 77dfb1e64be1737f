#pragma once

#include "base/error.hpp"
#include "base/keepalive.hpp"
#include "sys/procsys.hpp"

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace kaltune {

// Values asked for on the command line; keys not given keep their value.
using Request = std::array<std::optional<std::int64_t>, key_count>;

// Parses the text the kernel prints for an integer sysctl ("7200\n").
Result<std::int64_t> parse_kernel_integer(std::string_view text);

// Reads the three values in force, one read each.
Settings read_running(ProcSys& proc);
// Reads any integer sysctl (tcp_retries2, for the one-line caveat of show).
std::int64_t read_integer(ProcSys& proc, std::string_view name);

struct Change {
  Key key;
  std::int64_t from;
  std::int64_t to;
};

// The requested settings applied over the current ones, and the keys that change.
Settings merge(const Settings& current, const Request& request);
std::vector<Change> plan_changes(const Settings& current, const Settings& target);

// Writes every change (plain decimal, one write each), reads each back and verifies it. All or
// nothing: if a write fails or reads back differently, the keys already written are restored and
// an Error says what happened and what was rolled back.
void apply_changes(ProcSys& proc, const std::vector<Change>& changes);

} // namespace kaltune
