#pragma once

// The sources `diff` compares: running, boot, default, a sysctl config file, or a
// `kaltune --json show` snapshot (so two hosts can be compared).

#include "config/boot.hpp"
#include "core/error.hpp"
#include "core/source.hpp"
#include "sys/procsys.hpp"

#include <functional>
#include <string_view>

namespace kaltune {

// Where sources come from; boot is resolved only when asked for.
struct SourceReaders {
  ProcSys& proc;
  std::function<BootView()> boot;
};

// Loads a source by name or path. Throws Error: exit 2 for a name that is neither a source nor a
// file, or a snapshot that is not one; exit 3/4 for a file that cannot be read.
SourcedSettings load_source(std::string_view spec, const SourceReaders& readers);

// A sysctl config file on its own, as one applier pass over it would leave the keys: the last
// assignment of each key wins (globs and lines the kernel rejects set nothing); keys it does not
// set keep the kernel default. Origins are "label:line".
SourcedSettings settings_from_conf(std::string_view label, std::string_view content);

// The settings of a `kaltune --json show` output; origins as recorded in it.
Result<SourcedSettings> settings_from_snapshot(std::string_view label, std::string_view content);

// The value the kernel stores for a sysctl.conf value text (strtoul base 0: 0300 is octal, 0x258
// hex; anything after a blank ignored), or nullopt when it rejects the text.
std::optional<std::int64_t> kernel_reading(Key key, std::string_view text);

} // namespace kaltune
