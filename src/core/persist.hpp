#pragma once

// `set --persist` and `reset --persist`: plan the edit of one configuration file, then write it,
// check what boot will apply, and change the running kernel, all or nothing.

#include "config/boot.hpp"
#include "config/editor.hpp"
#include "core/runtime.hpp"
#include "sys/atomic_file.hpp"
#include "sys/procsys.hpp"

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace kaltune {

// kaltune's own drop-in, as the system sees it.
inline constexpr const char* own_file = "/etc/sysctl.d/99-kaltune.conf";

// The change of one file: where it is, as it is, and as it will be.
struct FilePlan {
  std::string path;                 // as given (or kaltune's own file), as the system sees it
  std::string target;               // after following symlinks: the file whose bytes change
  std::filesystem::path host;       // `target` on this machine (under --root)
  FileState before;                 // bytes, mode and owner now
  std::optional<std::string> after; // the new bytes; nullopt removes the file
  std::vector<std::string> notes;   // "target:line: …" for lines deliberately left alone

  bool changes() const;
};

// Plans setting `values` in `file` (kaltune's own file when nullopt) under `root`. --file must
// name an existing regular file (symlinks are followed inside root and written through); kaltune's
// own file is created with its header when missing. Throws Error (exit 4) for a masked
// (/dev/null) or missing --file target.
FilePlan plan_set(Posix& posix, const std::filesystem::path& root,
                  const std::optional<std::string>& file, const KeyValues& values);

// Plans removing what kaltune persisted: from kaltune's own file every keepalive line (the file
// itself goes when nothing but comments is left), or with `file` its keepalive lines.
FilePlan plan_remove(Posix& posix, const std::filesystem::path& root,
                     const std::optional<std::string>& file);

// Why boot would not apply a value `set --persist` writes.
enum class BootProblemKind {
  excluded,     // nothing wins: an exclusion line ("-key") cancels the assignment
  not_read,     // nothing wins: the planned file is not read at boot
  other_source, // a source that is no sysctl.d file wins: its row's WayOut is the way out
  own_line,     // a line of the planned file that kaltune does not edit wins
  later_file,   // a file applied after the planned one wins: --file of it
};

struct BootProblem {
  Key key = Key::time;
  std::int64_t value = 0; // what boot would leave
  BootProblemKind kind = BootProblemKind::not_read;
  // The winning assignment (its stage names its row), or the exclusion line; empty for not_read.
  BootAssignment assignment;
  BootModel model = BootModel::systemd;
  std::string plan_path; // the file the plan writes, as given
};

// Why boot would not apply `wanted` after the plan was written, one problem per key; none when
// it would. The sentences are render/persist's (describe_boot_problems).
std::vector<BootProblem> boot_problems(const BootView& view, const KeyValues& wanted,
                                       const FilePlan& plan);

// What the refusal says, given the problems (render/persist's describe_boot_problems).
using DescribeProblems = std::function<std::string(const std::vector<BootProblem>&)>;

// The configuration tree as it will be once `plan` is written: the boot view's with_file for a
// write; for a removal every node whose target is the file is gone. Pure.
ConfTree apply_plan(ConfTree tree, const FilePlan& plan);

// The boot view of the configuration under `root` as it will be once `plan` is written, computed
// before anything is written (read_boot_tree, apply_plan, resolve_boot_tree).
BootView predict_boot(const std::filesystem::path& root, BootModel model, const FilePlan& plan);

// What one persisting command asks for: `set --persist` (the values) or `reset --persist`
// (remove the keepalive lines; the runtime goes back to the defaults).
struct PersistRequest {
  std::optional<std::string> file; // --file, or kaltune's own file
  bool remove = false;             // reset --persist
  Request values;                  // set: the values asked for; reset: the kernel defaults
  bool runtime = true;             // change the running kernel too (not --no-runtime / --root)
};

// The running kernel's part of a persisting command.
struct RuntimePlan {
  Settings current;
  Settings target;
  std::vector<Change> changes;
};

// Everything a persisting command will do, planned before anything is written.
struct PersistPlan {
  FilePlan file;
  std::optional<RuntimePlan> runtime; // absent when the running kernel is left alone
  std::optional<KeyValues> wanted;    // what boot must apply afterwards (set), or nothing (reset)
  KeySet keys{};                      // the keys the command is about
};

// Reads the running values (when the runtime changes too) and the file, and plans both.
PersistPlan plan_persist(Posix& posix, ProcSys& proc, const std::filesystem::path& root,
                         const PersistRequest& request);

// Whether the real run of `plan` would refuse, given the boot view predicted with the file
// written (`predict_boot`): its problems, none when it would not. For --dry-run.
std::vector<BootProblem> predicted_problems(const BootView& predicted, const PersistPlan& plan);

// The steps of one persisting command.
struct PersistStep {
  FilePlan plan;
  std::function<BootView(const FilePlan&)> predict_boot; // the boot view before writing
  std::function<BootView()> resolve_boot; // the boot view of the configuration as it is on disk
  std::optional<KeyValues> wanted;        // what boot must apply afterwards (set), or nothing
  ProcSys* proc = nullptr;                // the running kernel, or nullptr for --no-runtime
  std::vector<Change> runtime_changes;
  DescribeProblems describe; // the words of a refusal
};

// Predicts the boot view with the plan written and fails (exit 4, nothing written) unless it gives
// what was wanted; then writes the plan (nothing when the file would not change), resolves the
// boot view from disk and checks it again (a concurrent edit by something else), then applies
// the runtime changes. If any step after the write fails, the file is restored byte-identical
// (mode and owner too) and the runtime rolled back; the Error says so. Returns the boot view
// after the change.
BootView commit_persist(Posix& posix, const PersistStep& step);

// commit_persist of a plan against the configuration under `root` read with `model`, and the
// running kernel `proc` when the plan changes it; a refusal says what `describe` writes.
BootView commit_persist(Posix& posix, ProcSys& proc, const std::filesystem::path& root,
                        BootModel model, const PersistPlan& plan, const DescribeProblems& describe);

} // namespace kaltune
