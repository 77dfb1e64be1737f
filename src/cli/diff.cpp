#include "cli/diff.hpp"

#include "cli/non_empty.hpp"
#include "core/sources.hpp"
#include "render/diff.hpp"

#include <CLI/CLI.hpp>
#include <ostream>

namespace kaltune {

void setup_diff(CLI::App& command, DiffOptions& options) {
  command
      .add_option("A", options.a,
                  "running (default), boot, default, a sysctl config file, or a `kaltune --json "
                  "show` snapshot")
      ->check(non_empty());
  command.add_option("B", options.b, "The same choices; boot by default")->check(non_empty());
}

int run_diff(Context& context, const DiffOptions& options) {
  const std::filesystem::path root = context.global.root.path();
  const SourceReaders readers{
      context.proc,
      [&] { return resolve_boot(root, context.boot_model()); },
      [&](const ConfNode& file) { return resolve_file(file, context.boot_model()); },
      root,
  };
  SourcedSettings a = load_source(options.a, readers);
  SourcedSettings b = load_source(options.b, readers);
  const SourceDiff diff = diff_sources(std::move(a), std::move(b));
  if (context.format == Format::json) {
    context.out << render_json(diff);
  } else if (context.format == Format::table) {
    context.out << render_diff_table(diff, context.out_style);
  } else {
    context.out << render_unified(diff, context.out_style);
  }
  return diff.identical() ? 0 : static_cast<int>(ExitStatus::different);
}

} // namespace kaltune
