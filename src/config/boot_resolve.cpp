// The pure half of the boot view: each source of boot_source.hpp says, in the order boot applies
// them, what it sets; the simulation (boot_simulation) then says what the kernel is left with
// (see DESIGN.md "Boot view").

#include "config/boot.hpp"

#include "config/boot_simulation.hpp"
#include "config/boot_source_context.hpp"
#include "config/kernel_value.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace kaltune {

const BootSource& boot_source(BootStage stage) {
  return boot_sources[boot_source_index(stage)];
}

std::size_t boot_source_index(BootStage stage) {
  const auto row = std::find_if(boot_sources.begin(), boot_sources.end(),
                                [stage](const BootSource& s) { return s.stage == stage; });
  return static_cast<std::size_t>(row - boot_sources.begin());
}

void read_value(BootAssignment& a) {
  KernelValue kv = parse_kernel_value(a.key, a.text);
  a.value = kv.value;
  a.kernel_note = std::move(kv.note);
  if (!a.kernel_note.empty()) {
    a.notes.push_back(a.kernel_note);
  }
}

BootView resolve_boot_tree(const ConfTree& tree, BootModel model) {
  SourceContext context(tree, model);
  SimulationInput input;
  std::vector<BootStep> steps;
  // Diagnostics: the applier's files first, what could not be read, then the other sources.
  std::vector<std::string> file_warnings;
  std::vector<std::string> other_warnings;
  std::vector<BootFile> files;
  bool applier_seen = false;
  for (const BootSource& source : boot_sources) {
    if (source.systemd_only && model != BootModel::systemd) {
      continue;
    }
    source.collect(context);
    // The row that lists the applier's files.
    const bool lists_files = !context.files.empty();
    auto& warnings = lists_files ? file_warnings : other_warnings;
    warnings.insert(warnings.end(), std::make_move_iterator(context.warnings.begin()),
                    std::make_move_iterator(context.warnings.end()));
    steps.insert(steps.end(), context.steps.begin(), context.steps.end());
    if (lists_files) {
      files = std::move(context.files);
    }
    switch (source.simulated) {
    case Simulated::applier_lines:
      applier_seen = true;
      input.text_stages.insert(input.text_stages.end(), context.texts.size(), source.stage);
      input.texts.insert(input.texts.end(), std::make_move_iterator(context.texts.begin()),
                         std::make_move_iterator(context.texts.end()));
      break;
    case Simulated::written:
    case Simulated::tuned_writes: {
      auto& writes = applier_seen ? input.after : input.before;
      writes.insert(writes.end(), std::make_move_iterator(context.writes.begin()),
                    std::make_move_iterator(context.writes.end()));
      break;
    }
    }
    context.warnings.clear();
    context.steps.clear();
    context.writes.clear();
    context.texts.clear();
    context.files.clear();
  }
  file_warnings.insert(file_warnings.end(), tree.warnings.begin(), tree.warnings.end());
  file_warnings.insert(file_warnings.end(), std::make_move_iterator(other_warnings.begin()),
                       std::make_move_iterator(other_warnings.end()));
  BootView view = simulate(model, std::move(input), std::move(file_warnings));
  view.files = std::move(files);
  view.steps = std::move(steps);
  return view;
}

BootView resolve_file(const ConfNode& file, BootModel model) {
  std::vector<std::string> warnings;
  if (file.kind != NodeKind::regular) {
    warnings.push_back(fmt::format("{}: {}", file.path, describe_unreadable(file)));
  }
  SimulationInput input;
  if (file.kind == NodeKind::regular) {
    input.texts.push_back(AppliedText{file.path, file.target, &file.content, {}});
    input.text_stages.push_back(BootStage::applier);
  }
  BootView view = simulate(model, std::move(input), std::move(warnings));
  view.settings.source = file.path;
  view.files.push_back(BootFile{file.path, file.target, file.kind == NodeKind::regular, ""});
  return view;
}

} // namespace kaltune
