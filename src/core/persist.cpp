#include "core/persist.hpp"

#include "sys/conftree.hpp"
#include "sys/read_fd.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>

namespace kaltune {

namespace {
struct Located {
  std::string path;    // as given, normalized
  RootPath rooted;     // behind its symlinks, inside root
  bool exists = false; // the final target exists
  bool through_symlink = false;
};

Located locate(const std::filesystem::path& root, const std::optional<std::string>& file) {
  const std::filesystem::path path =
      std::filesystem::path(system_path_of(root, file ? *file : std::string(own_file)))
          .lexically_normal();
  Located out{path.string(), resolve_in_root(root, path.string())};
  if (out.rooted.loop) {
    throw symlink_loop(out.path);
  }
  if (out.rooted.system == "/dev/null") {
    if (out.rooted.system == out.path) {
      // Named as it is: the null device itself, no symlink anywhere.
      throw Error(ExitStatus::system,
                  fmt::format("{} is the null device, not a file: boot reads nothing from it; give "
                              "a sysctl file with --file",
                              out.path));
    }
    throw Error(ExitStatus::system,
                fmt::format("{} is masked (a symlink to /dev/null): boot reads nothing from it; "
                            "remove the mask or give another file with --file",
                            out.path));
  }
  const PathKind found = examine_path(out.rooted.host);
  out.exists = found.error == 0;
  out.through_symlink = out.rooted.system != out.path;
  if (out.exists && found.kind != FileKind::regular) {
    // Never opened for writing or reading: a FIFO there would hang the run holding the lock.
    throw not_regular_file(out.through_symlink
                               ? fmt::format("{} (a symlink to {})", out.path, out.rooted.system)
                               : out.path,
                           found.kind, "kaltune edits only regular files");
  }
  if (file && !out.exists) {
    throw Error(
        ExitStatus::system,
        fmt::format("{}{} does not exist; --file edits an existing file (without --file "
                    "kaltune writes its own {})",
                    out.path,
                    out.through_symlink ? fmt::format(" (a symlink to {})", out.rooted.system) : "",
                    own_file));
  }
  return out;
}

// What write_plan will meet when it creates the file, said before anything is written and under
// --dry-run alike: the file's directory must exist, or its parent so that it can be created.
void check_creatable(const Located& located) {
  if (located.exists) {
    return;
  }
  const std::filesystem::path dir = located.rooted.host.parent_path();
  const PathKind here = examine_path(dir);
  const PathKind above = examine_path(dir.parent_path());
  if (here.error != 0 && (above.error != 0 || above.kind != FileKind::directory)) {
    const std::string shown = located.rooted.system.substr(0, located.rooted.system.rfind('/'));
    throw SystemError(above.error != 0 ? above.error : ENOTDIR,
                      fmt::format("cannot create the directory {} for {}{}",
                                  shown.empty() ? "/" : shown, located.path,
                                  located.through_symlink
                                      ? fmt::format(" (a symlink to {})", located.rooted.system)
                                      : ""));
  }
  if (here.error == 0 && here.kind != FileKind::directory) {
    throw SystemError(ENOTDIR, fmt::format("cannot write {}", located.rooted.system));
  }
}

FilePlan start_plan(Posix& posix, const Located& located) {
  FilePlan plan;
  plan.path = located.path;
  plan.target = located.rooted.system;
  plan.host = located.rooted.host;
  plan.before = read_file_state(posix, plan.host);
  return plan;
}

void add_notes(FilePlan& plan, const EditResult& edit) {
  for (const EditNote& note : edit.notes) {
    plan.notes.push_back(fmt::format("{}:{}: {}", plan.target, note.line, note.message));
  }
}

bool names_plan(const FilePlan& plan, const std::string& file) {
  return file == plan.path || file == plan.target;
}
} // namespace

bool FilePlan::changes() const {
  if (!after) {
    return before.exists;
  }
  return !before.exists || *after != before.content;
}

FilePlan plan_set(Posix& posix, const std::filesystem::path& root,
                  const std::optional<std::string>& file, const KeyValues& values) {
  const Located located = locate(root, file);
  check_creatable(located);
  FilePlan plan = start_plan(posix, located);
  const std::string base =
      plan.before.exists ? plan.before.content : std::string(own_file_header());
  EditResult edit = set_keys(base, values);
  add_notes(plan, edit);
  plan.after = std::move(edit.content);
  return plan;
}

FilePlan plan_remove(Posix& posix, const std::filesystem::path& root,
                     const std::optional<std::string>& file) {
  const Located located = locate(root, file);
  FilePlan plan = start_plan(posix, located);
  if (!plan.before.exists) {
    return plan; // nothing persisted: nothing to remove
  }
  EditResult edit = remove_keys(plan.before.content, every_key());
  add_notes(plan, edit);
  // kaltune's own file goes when only comments are left; never a file reached through a symlink,
  // and never a file given with --file.
  if (!file && !located.through_symlink && only_comments(edit.content)) {
    plan.after.reset();
  } else {
    plan.after = std::move(edit.content);
  }
  return plan;
}

std::vector<BootProblem> boot_problems(const BootView& view, const KeyValues& wanted,
                                       const FilePlan& plan) {
  std::vector<BootProblem> problems;
  for (Key key : all_keys) {
    const auto& value = wanted[index_of(key)];
    if (!value || view.settings[key].value == *value) {
      continue;
    }
    const BootAssignment* winner = nullptr;
    const BootAssignment* exclusion = nullptr;
    for (const BootAssignment& assignment : view.assignments) {
      if (assignment.key == key && assignment.winner) {
        winner = &assignment;
      }
      if (assignment.key == key && assignment.exclusion) {
        exclusion = &assignment;
      }
    }
    BootProblem problem;
    problem.key = key;
    problem.value = view.settings[key].value;
    problem.model = view.model;
    problem.plan_path = plan.path;
    if (winner == nullptr && exclusion != nullptr) {
      problem.kind = BootProblemKind::excluded;
      problem.assignment = *exclusion;
    } else if (winner == nullptr) {
      problem.kind = BootProblemKind::not_read;
    } else {
      problem.assignment = *winner;
      if (boot_source(winner->stage).way_out != WayOut::edit_file) {
        problem.kind = BootProblemKind::other_source;
      } else if (names_plan(plan, winner->file) || names_plan(plan, winner->target)) {
        problem.kind = BootProblemKind::own_line;
      } else {
        problem.kind = BootProblemKind::later_file;
      }
    }
    problems.push_back(std::move(problem));
  }
  return problems;
}

ConfTree apply_plan(ConfTree tree, const FilePlan& plan) {
  if (plan.after) {
    return with_file(std::move(tree), plan.target, *plan.after);
  }
  // A removal: the file's name is no longer listed anywhere, /etc/sysctl.conf is gone.
  auto is_planned = [&plan](const ConfNode& node) { return node.target == plan.target; };
  for (ConfDir& dir : tree.dirs) {
    std::erase_if(dir.entries, is_planned);
  }
  if (is_planned(tree.sysctl_conf)) {
    tree.sysctl_conf.kind = NodeKind::broken;
    tree.sysctl_conf.content.clear();
  }
  return tree;
}

BootView predict_boot(const std::filesystem::path& root, BootModel model, const FilePlan& plan) {
  ConfTree tree = read_boot_tree(root);
  // The boot view cannot be predicted from a file that was not read: refuse rather than guess.
  auto refuse_unread = [&plan](const ConfNode& node) {
    if (node.kind == NodeKind::too_long && node.target != plan.target) {
      throw Error(ExitStatus::system,
                  fmt::format("{} is larger than {} and was not read: what boot applies cannot be "
                              "predicted",
                              node.path, max_config_text));
    }
    if (node.kind == NodeKind::unread) {
      throw Error(ExitStatus::system,
                  fmt::format("{} was not read (the sysctl.d directories hold more than {}): what "
                              "boot applies cannot be predicted",
                              node.path, max_tree_text));
    }
  };
  for (const ConfDir& dir : tree.dirs) {
    std::for_each(dir.entries.begin(), dir.entries.end(), refuse_unread);
  }
  refuse_unread(tree.sysctl_conf);
  return resolve_boot_tree(apply_plan(std::move(tree), plan), model);
}

namespace {
// Writes the plan's bytes (or removes the file). A new file in a directory that does not exist
// (kaltune's own file in a minimal image without /etc/sysctl.d) gets it created first, mode 0755
// like the distributions' own; both appliers read it once it exists. Returns whether it created
// the directory, so an undo can remove it again.
bool write_plan(Posix& posix, const FilePlan& plan) {
  bool created = false;
  if (plan.after && !plan.before.exists) {
    const std::string dir = plan.target.substr(0, plan.target.rfind('/'));
    created = create_directory(posix, plan.host.parent_path(), 0755,
                               fmt::format("{} for {}", dir.empty() ? "/" : dir, plan.path));
  }
  try {
    if (plan.after) {
      write_atomically(posix, plan.host, *plan.after, plan.before);
    } else {
      remove_durably(posix, plan.host, plan.before);
    }
  } catch (const Error&) {
    if (created) {
      try {
        remove_directory(posix, plan.host.parent_path(), plan.host.parent_path().string());
      } catch (const Error&) {
      }
    }
    throw;
  }
  return created;
}

// Puts the file back as it was before write_plan, and removes a directory it created. Throws
// Error saying what the file holds when that fails.
void undo_plan(Posix& posix, const FilePlan& plan, bool created_directory) {
  try {
    restore_file(posix, plan.host, plan.before);
  } catch (const RestoreError& restore) {
    throw Error(ExitStatus::system,
                restore.consequence(plan.target, plan.after
                                                     ? "holds the new values, which boot will apply"
                                                     : "is gone"));
  }
  if (created_directory) {
    try {
      remove_directory(posix, plan.host.parent_path(), plan.host.parent_path().string());
    } catch (const Error& error) {
      throw Error(
          ExitStatus::system,
          fmt::format("{} restored as it was, but not its directory: {}", plan.path, error.what()));
    }
  }
}

// What a failure leaves of the running values: said whenever the command would have changed
// them, so that no message leaves the kernel's state to be guessed.
std::string kernel_note(const PersistStep& step) {
  return step.proc != nullptr && !step.runtime_changes.empty()
             ? "; the running values were not changed"
             : "";
}
} // namespace

BootView commit_persist(Posix& posix, const PersistStep& step) {
  const FilePlan& plan = step.plan;
  if (step.wanted && step.predict_boot) {
    const auto problems = boot_problems(step.predict_boot(plan), *step.wanted, plan);
    if (!problems.empty()) {
      throw Error(ExitStatus::system,
                  fmt::format("{}; nothing was changed", step.describe(problems)));
    }
  }
  const bool write = plan.changes();
  bool created_directory = false;
  try {
    created_directory = write && write_plan(posix, plan);
  } catch (const SystemError& error) {
    // The file is as the error says (unchanged, or put back); the kernel was not reached.
    if (const std::string note = kernel_note(step); !note.empty()) {
      throw error.noted(note.substr(2));
    }
    throw;
  } catch (const Error& error) {
    throw Error(error.status(), error.what() + kernel_note(step));
  }
  bool runtime_reached = false; // apply_changes says itself what it rolled back
  try {
    BootView view = step.resolve_boot();
    if (step.wanted) {
      const auto problems = boot_problems(view, *step.wanted, plan);
      if (!problems.empty()) {
        throw Error(ExitStatus::system, step.describe(problems));
      }
    }
    if (step.proc != nullptr) {
      runtime_reached = true;
      apply_changes(*step.proc, step.runtime_changes);
    }
    return view;
  } catch (const Error& error) {
    const std::string kernel = runtime_reached ? "" : kernel_note(step);
    if (!write) {
      throw Error(error.status(),
                  fmt::format("{}; {} was not changed{}", error.what(), plan.path, kernel));
    }
    try {
      undo_plan(posix, plan, created_directory);
    } catch (const Error& restore_error) {
      throw Error(ExitStatus::system,
                  fmt::format("{}; {}{}", error.what(), restore_error.what(), kernel));
    }
    throw Error(error.status(),
                fmt::format("{}; {} restored as it was{}", error.what(), plan.path, kernel));
  }
}

PersistPlan plan_persist(Posix& posix, ProcSys& proc, const std::filesystem::path& root,
                         const PersistRequest& request) {
  PersistPlan plan;
  for (Key key : all_keys) {
    plan.keys[index_of(key)] = request.remove || request.values[index_of(key)].has_value();
  }
  if (request.runtime) {
    RuntimePlan runtime;
    runtime.current = read_running(proc);
    runtime.target = merge(runtime.current, request.values);
    runtime.changes = plan_changes(runtime.current, runtime.target);
    plan.runtime = std::move(runtime);
  }
  plan.file = request.remove ? plan_remove(posix, root, request.file)
                             : plan_set(posix, root, request.file, request.values);
  // What the write will need, checked without writing, so that --dry-run refuses where the real
  // run would (a read-only tree: exit 4; a directory the caller may not write: 3).
  if (plan.file.changes()) {
    check_writable(plan.file.host, plan.file.target);
  }
  if (!request.remove) {
    plan.wanted = request.values;
  }
  return plan;
}

std::vector<BootProblem> predicted_problems(const BootView& predicted, const PersistPlan& plan) {
  if (!plan.wanted) {
    return {};
  }
  return boot_problems(predicted, *plan.wanted, plan.file);
}

BootView commit_persist(Posix& posix, ProcSys& proc, const std::filesystem::path& root,
                        BootModel model, const PersistPlan& plan,
                        const DescribeProblems& describe) {
  PersistStep step;
  step.describe = describe;
  step.plan = plan.file;
  step.predict_boot = [&](const FilePlan& file) { return predict_boot(root, model, file); };
  step.resolve_boot = [&] { return resolve_boot(root, model); };
  step.wanted = plan.wanted;
  if (plan.runtime) {
    step.proc = &proc;
    step.runtime_changes = plan.runtime->changes;
  }
  return commit_persist(posix, step);
}

} // namespace kaltune
