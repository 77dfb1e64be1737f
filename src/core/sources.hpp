#pragma once

// The sources `diff` compares: running, boot, default, a sysctl config file, or a
// `kaltune --json show` snapshot (so two hosts can be compared).

#include "base/error.hpp"
#include "base/source.hpp"
#include "config/boot.hpp"
#include "sys/procsys.hpp"

#include <functional>
#include <string_view>

namespace kaltune {

// Where sources come from; each is read only when asked for.
struct SourceReaders {
  ProcSys& proc;
  std::function<BootView()> boot;                // resolve_boot under --root
  std::function<BootView(const ConfNode&)> file; // resolve_file: a config file on its own
  std::filesystem::path root = "/";              // --root: paths are read inside it
};

// Loads a source by name or path: a file holding a JSON object is a snapshot, any other file a
// sysctl config file, read as `show --source FILE` reads it (the boot model's rules applied to it
// alone; keys it does not set keep the kernel default). Paths are taken inside `readers.root`
// as `show --source FILE` takes them. Throws Error: exit 2 for a name that is neither a source nor
// a file, a path that is not a regular file (a directory, FIFO or device: never read) or is
// larger than 1 MiB, or a snapshot that is not one or holds a value the kernel cannot; exit 3/4
// for a file that cannot be opened or read.
SourcedSettings load_source(std::string_view spec, const SourceReaders& readers);

// The settings of a `kaltune --json show` output; origins as recorded in it.
Result<SourcedSettings> settings_from_snapshot(std::string_view label, std::string_view content);

} // namespace kaltune
