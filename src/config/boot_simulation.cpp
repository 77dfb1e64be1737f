// The applier's bookkeeping over the lines it reads, and the writes around it (see
// boot_simulation.hpp).

#include "config/boot_simulation.hpp"

#include "base/text.hpp"
#include "config/boot_rules.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>

namespace kaltune {

namespace {

// The simulation of one applier over its directives.
class Simulation {
public:
  // `stages[d]` is the source of directive d.
  Simulation(BootModel model, std::vector<Directive> directives,
             const std::vector<BootStage>& stages)
      : model_(model), directives_(std::move(directives)) {
    for (std::size_t d = 0; d < directives_.size(); ++d) {
      for (Key key : all_keys) {
        if (!directives_[d].touches(key)) {
          continue;
        }
        const Directive& directive = directives_[d];
        BootAssignment a;
        a.key = key;
        a.file = directive.file;
        a.target = directive.target;
        a.line = directive.line;
        a.exclusion = !directive.value;
        a.glob = directive.glob;
        a.stage = stages[d];
        if (directive.value) {
          a.text = *directive.value;
          read_value(a);
        }
        if (directive.glob) {
          a.notes.push_back(fmt::format("set through the pattern {}", printable(directive.key)));
        }
        if (directive.ignore_failure) {
          a.notes.push_back("'-' prefix: a failure to write it is ignored");
        }
        index_[{d, key}] = assignments_.size();
        assignments_.push_back(std::move(a));
      }
    }
  }

  void run() {
    if (model_ == BootModel::systemd) {
      run_systemd();
    } else {
      run_procps();
    }
  }

  BootView view(std::vector<std::string> warnings) {
    BootView out;
    out.model = model_;
    out.settings = sourced("boot", kernel_defaults, "kernel default");
    for (Key key : all_keys) {
      if (const auto winner = winner_[index_of(key)]) {
        BootAssignment& a = assignments_[*winner];
        a.winner = true;
        out.settings[key] = SourcedValue{*a.value, a.origin()};
      }
    }
    // What the kernel makes of a written value: surprising readings, then rejections.
    for (const BootAssignment& a : assignments_) {
      if (a.written && a.value && !a.kernel_note.empty()) {
        warnings.push_back(fmt::format("{}: {} = {}: {}", a.origin(), sysctl_name(a.key),
                                       printable(a.text), a.kernel_note));
      }
    }
    for (const BootAssignment& a : assignments_) {
      if (a.written && !a.value) {
        warnings.push_back(fmt::format("{}: {} = {}: {}; the value before it stays", a.origin(),
                                       sysctl_name(a.key), printable(a.text), a.kernel_note));
      }
    }
    for (Key key : all_keys) {
      if (auto warning = assess(key, out.settings[key].value)) {
        warnings.push_back(fmt::format("{}: {}", out.settings[key].origin, warning->message));
      }
    }
    // Listed in the order the sources act, whatever order the assignments were made in.
    std::stable_sort(assignments_.begin(), assignments_.end(),
                     [](const BootAssignment& a, const BootAssignment& b) {
                       return boot_source_index(a.stage) < boot_source_index(b.stage);
                     });
    out.assignments = std::move(assignments_);
    out.warnings = std::move(warnings);
    return out;
  }

private:
  BootAssignment* find(std::size_t d, Key key) {
    const auto it = index_.find({d, key});
    return it == index_.end() ? nullptr : &assignments_[it->second];
  }

  void note_all(std::size_t d, const std::string& note) {
    for (Key key : all_keys) {
      if (BootAssignment* a = find(d, key)) {
        a->notes.push_back(note);
      }
    }
  }

  void write(std::size_t d, Key key) { write_at(index_.at({d, key})); }

  void write_at(std::size_t i) {
    BootAssignment& a = assignments_[i];
    a.written = true;
    if (!a.value) {
      return;
    }
    if (const auto previous = winner_[index_of(a.key)]) {
      assignments_[*previous].notes.push_back(fmt::format("overridden by {}", a.origin()));
    }
    winner_[index_of(a.key)] = i;
  }

public:
  // What acts before the applier (the kernel command line): written in order.
  void before(std::vector<BootAssignment> list) { append_written(std::move(list), false); }
  // What acts after it (tuned): written in order; tuned's "<N"/">N" values only when N is below
  // or above the value in place then.
  void after(std::vector<BootAssignment> list) { append_written(std::move(list), true); }

private:
  void append_written(std::vector<BootAssignment> list, bool modifiers) {
    for (BootAssignment& a : list) {
      const std::size_t i = assignments_.size();
      assignments_.push_back(std::move(a));
      if (modifiers && !condition_holds(assignments_[i])) {
        continue;
      }
      if (!assignments_[i].written) {
        write_at(i);
      }
    }
  }

  // tuned's _process_assignment_modifiers: "<N"/">N" compares N with the value in place.
  bool condition_holds(BootAssignment& a) {
    if (a.condition == 0 || !a.value) {
      return true;
    }
    const auto winner = winner_[index_of(a.key)];
    const std::int64_t current = winner ? *assignments_[*winner].value : kernel_defaults[a.key];
    if ((a.condition == '>' && *a.value > current) || (a.condition == '<' && *a.value < current)) {
      return true;
    }
    a.notes.push_back(fmt::format("not applied: tuned writes it only when {} {} {}", *a.value,
                                  a.condition, current));
    return false;
  }

  static std::string overridden_by(const Directive& named) {
    return fmt::format("{} names the key, and globs never override that", named.origin());
  }

  // Writes a glob line to each key it matches, unless `blocked(key)` gives a reason not to.
  template <typename Blocked> void write_glob(std::size_t d, Blocked blocked) {
    for (Key key : all_keys) {
      if (!directives_[d].matches[index_of(key)]) {
        continue;
      }
      if (std::string reason = blocked(key); !reason.empty()) {
        find(d, key)->notes.push_back(std::move(reason));
        continue;
      }
      write(d, key);
    }
  }

  // systemd-sysctl keeps one entry per normalized key in an ordered hash map: a later line for
  // the same key replaces the entry (and moves it to the end) unless the value is identical;
  // a "-key" line replaces it too and writes nothing. Globs never touch a key that has an entry.
  void run_systemd() {
    std::vector<std::size_t> entries;
    for (std::size_t d = 0; d < directives_.size(); ++d) {
      const Directive& directive = directives_[d];
      const auto same = std::find_if(entries.begin(), entries.end(), [&](std::size_t e) {
        return directives_[e].identity == directive.identity;
      });
      if (same != entries.end()) {
        const Directive& earlier = directives_[*same];
        if (earlier.value == directive.value) {
          note_all(
              d, fmt::format("same value as {}: systemd-sysctl keeps that line", earlier.origin()));
          continue;
        }
        note_all(*same,
                 directive.value
                     ? fmt::format("not applied: {} assigns the key again and "
                                   "systemd-sysctl applies only the last assignment",
                                   directive.origin())
                     : fmt::format("not applied: the exclusion {} cancels it", directive.origin()));
        entries.erase(same);
      }
      entries.push_back(d);
    }
    for (std::size_t d : entries) {
      const Directive& directive = directives_[d];
      if (!directive.value) {
        note_all(d, "excludes the key from globs (and cancels earlier assignments of it)");
        continue;
      }
      if (!directive.glob) {
        write(d, *directive.reaches);
        continue;
      }
      write_glob(d, [&](Key key) -> std::string {
        const auto explicit_entry = std::find_if(entries.begin(), entries.end(), [&](auto e) {
          return directives_[e].identity == systemd_identity(key);
        });
        return explicit_entry == entries.end() ? "" : overridden_by(directives_[*explicit_entry]);
      });
    }
  }

  // procps keeps every line in a list and writes them in order; a glob skips a key that some
  // line (an assignment or a "-key" exclusion) names with exactly the same path.
  void run_procps() {
    for (std::size_t d = 0; d < directives_.size(); ++d) {
      const Directive& directive = directives_[d];
      if (!directive.value) {
        note_all(d, "excludes the key from globs (explicit assignments still apply)");
        continue;
      }
      if (!directive.glob) {
        write(d, *directive.reaches);
        continue;
      }
      write_glob(d, [&](Key key) -> std::string {
        // procps 4.0.2 compares path strings only: "-net.ipv4.tcp_keepalive_i*" excludes
        // nothing (newer procps fnmatch()es exclusions; the real 4.0.2 does not).
        const std::string path = procps_identity(key);
        const auto blocker = std::find_if(directives_.begin(), directives_.end(),
                                          [&](auto& e) { return e.identity == path; });
        if (blocker == directives_.end()) {
          return "";
        }
        return blocker->value ? overridden_by(*blocker)
                              : fmt::format("excluded by {}", blocker->origin());
      });
    }
  }

  BootModel model_;
  std::vector<Directive> directives_;
  std::vector<BootAssignment> assignments_;
  std::map<std::pair<std::size_t, Key>, std::size_t> index_;
  std::array<std::optional<std::size_t>, key_count> winner_{};
};

} // namespace

BootView simulate(BootModel model, SimulationInput input, std::vector<std::string> warnings) {
  std::vector<Directive> directives;
  std::vector<BootStage> stages;
  for (std::size_t t = 0; t < input.texts.size(); ++t) {
    const AppliedText& text = input.texts[t];
    ParsedFile parsed = parse_file(model, text.file, text.target, text.content());
    stages.insert(stages.end(), parsed.directives.size(), input.text_stages[t]);
    directives.insert(directives.end(), std::make_move_iterator(parsed.directives.begin()),
                      std::make_move_iterator(parsed.directives.end()));
    warnings.insert(warnings.end(), std::make_move_iterator(parsed.warnings.begin()),
                    std::make_move_iterator(parsed.warnings.end()));
  }
  Simulation simulation(model, std::move(directives), stages);
  simulation.before(std::move(input.before));
  simulation.run();
  simulation.after(std::move(input.after));
  return simulation.view(std::move(warnings));
}

} // namespace kaltune
