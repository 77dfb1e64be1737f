#include "render/enforce.hpp"

#include "base/text.hpp"
#include "render/duration.hpp"
#include "render/json.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace kaltune {

namespace {
using json = nlohmann::ordered_json;

std::string_view action_name(EnforceAction action) {
  switch (action) {
  case EnforceAction::attach:
    return "attach";
  case EnforceAction::replace:
    return "replace";
  case EnforceAction::unchanged:
    return "unchanged";
  case EnforceAction::reattach:
    return "reattach";
  case EnforceAction::detach:
    return "detach";
  case EnforceAction::absent:
    return "absent";
  }
  return "";
}

std::string_view state_name(EnforceListEntry::State state) {
  using State = EnforceListEntry::State;
  switch (state) {
  case State::in_force:
    return "in_force";
  case State::differs:
    return "differs";
  case State::gone:
    return "cgroup_gone";
  case State::not_attached:
    return "not_attached";
  case State::unreadable:
    return "unreadable";
  }
  return "";
}

std::string cgroup_text(std::string_view cgroup) {
  return cgroup == "/" ? "/ (the whole machine)" : printable(cgroup);
}

std::string utc_time(std::int64_t unix_time) {
  const std::time_t t = static_cast<std::time_t>(unix_time);
  std::tm tm{};
  gmtime_r(&t, &tm);
  return fmt::format("{:04}-{:02}-{:02} {:02}:{:02}:{:02} UTC", tm.tm_year + 1900, tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

json counts_json(const EnforceCounts& counts) {
  return json{
      {"given_keepalive", counts.set}, {"left_alone", counts.chosen}, {"failed", counts.failed}};
}
} // namespace

std::string describe_values(const EnforcedValues& values) {
  std::string text =
      values.set_timings
          ? fmt::format("SO_KEEPALIVE on, time {}, intvl {}, probes {}",
                        seconds_with_human(values.time), seconds_with_human(values.intvl),
                        values.probes)
          : std::string("SO_KEEPALIVE on, the namespace's sysctls decide the timings");
  if (values.user_timeout_ms != 0) {
    text += fmt::format(", TCP_USER_TIMEOUT {}", seconds_with_human(values.user_timeout_ms / 1000));
  }
  text += values.override_choice ? ", also where the program chose its own"
                                 : ", a program's own choice kept";
  return text;
}

json values_json(const EnforcedValues& values) {
  json out;
  out["keepalive"] = true;
  out["sysctl_values"] = !values.set_timings;
  if (values.set_timings) {
    out["time"] = values.time;
    out["intvl"] = values.intvl;
    out["probes"] = values.probes;
  } else {
    out["time"] = nullptr;
    out["intvl"] = nullptr;
    out["probes"] = nullptr;
  }
  out["user_timeout"] =
      values.user_timeout_ms == 0 ? json(nullptr) : json(values.user_timeout_ms / 1000);
  out["override"] = values.override_choice;
  return out;
}

std::string render_enforce(const EnforceReport& report, const Style& style) {
  const EnforcePlan& plan = report.plan;
  const std::string cgroup = cgroup_text(plan.program.cgroup);
  const bool dry = report.dry_run;
  std::string out;
  switch (plan.action) {
  case EnforceAction::attach:
    out += fmt::format("{} {}: {}\n", style.bold(dry ? "would attach to" : "attached to"), cgroup,
                       describe_values(plan.program.values));
    break;
  case EnforceAction::reattach:
    out += fmt::format("{} {} (its cgroup was made again since, e.g. its unit restarted): {}\n",
                       style.bold(dry ? "would attach anew to" : "attached anew to"), cgroup,
                       describe_values(plan.program.values));
    break;
  case EnforceAction::replace:
    out += fmt::format("{} {}\n  was: {}\n  now: {}\n",
                       style.bold(dry ? "would replace the values on" : "replaced the values on"),
                       cgroup, describe_values(plan.previous->values),
                       describe_values(plan.program.values));
    break;
  case EnforceAction::unchanged:
    out += fmt::format("{} {}: {} (since {})\n", style.bold("already enforced on"), cgroup,
                       describe_values(plan.program.values), utc_time(plan.program.since));
    break;
  case EnforceAction::detach:
    out += fmt::format("{} {}\n", style.bold(dry ? "would detach from" : "detached from"), cgroup);
    break;
  case EnforceAction::absent:
    out += fmt::format("nothing attached to {}\n", cgroup);
    break;
  }
  if (report.existing) {
    const ExistingResult& existing = *report.existing;
    out += fmt::format(
        "existing connections: {} given the values, {} left alone (their program "
        "turned SO_KEEPALIVE on), {} failed; {} processes looked at{}\n",
        existing.changed, existing.left_alone, existing.failed, existing.processes,
        existing.unreachable == 0 ? "" : fmt::format(", {} not reachable", existing.unreachable));
  }
  if (report.unit && !report.persisted && plan.action != EnforceAction::detach &&
      plan.action != EnforceAction::absent) {
    out += style.warn(fmt::format("note: this lasts until {} restarts (its cgroup is made anew "
                                  "then); --persist keeps it across restarts and reboots\n",
                                  printable(*report.unit)));
  }
  return out;
}

json to_json(const EnforceReport& report) {
  const EnforcePlan& plan = report.plan;
  json out;
  out["action"] = action_name(plan.action);
  out["dry_run"] = report.dry_run;
  out["cgroup"] = plan.program.cgroup;
  out["directory"] = report.cgroup_dir;
  out["unit"] = report.unit ? json(*report.unit) : json(nullptr);
  out["pin"] = plan.pin;
  const bool attaches =
      plan.action != EnforceAction::detach && plan.action != EnforceAction::absent;
  out["values"] = attaches ? values_json(plan.program.values) : json(nullptr);
  out["previous"] = plan.previous ? values_json(plan.previous->values) : json(nullptr);
  out["persisted"] = report.persisted;
  if (report.existing) {
    out["existing"] = json{{"processes", report.existing->processes},
                           {"changed", report.existing->changed},
                           {"left_alone", report.existing->left_alone},
                           {"failed", report.existing->failed},
                           {"unreachable", report.existing->unreachable}};
  } else {
    out["existing"] = nullptr;
  }
  return out;
}

std::string render_json(const EnforceReport& report) {
  return dump_json(to_json(report)) + "\n";
}

std::string render_enforce_list(const std::vector<EnforceListEntry>& rows, std::int64_t now,
                                const Style& style) {
  using State = EnforceListEntry::State;
  if (rows.empty()) {
    return "no cgroup has keepalive enforced (kaltune enforce --cgroup PATH …)\n";
  }
  std::string out;
  for (const EnforceListEntry& row : rows) {
    out += style.bold(cgroup_text(row.cgroup)) + "\n";
    const auto& attached = row.attached;
    switch (row.state) {
    case State::in_force:
    case State::differs:
    case State::gone: {
      const EnforceProgram& program = *attached->program;
      out += fmt::format("  {}: {}\n",
                         row.state == State::gone ? style.bad("cgroup gone, acts nowhere")
                                                  : std::string(style.good("attached")),
                         describe_values(program.values));
      out += fmt::format("  since {} ({} ago), program id {}\n", utc_time(program.since),
                         human_duration(std::max<std::int64_t>(0, now - program.since)),
                         attached->prog_id);
      out += fmt::format("  connections given keepalive {}, left alone (their program chose) {}, "
                         "failed {} (since {})\n",
                         attached->counts.set, attached->counts.chosen, attached->counts.failed,
                         utc_time(program.counting_since));
      break;
    }
    case State::not_attached:
      out += fmt::format("  {}: {}\n", style.warn("persisted, not attached now"),
                         describe_values(row.persisted->values));
      break;
    case State::unreadable:
      out += fmt::format("  {}: pin {} ({})\n", style.bad("unreadable"), printable(row.cgroup),
                         attached->problem);
      break;
    }
    if (row.state == State::differs) {
      out += fmt::format("  {}: {}\n", style.warn("persisted differently (boot applies this)"),
                         describe_values(row.persisted->values));
    } else if (row.persisted && row.state != State::not_attached) {
      out += "  persisted: yes (boot applies it again)\n";
    } else if (row.state != State::not_attached && row.state != State::unreadable) {
      out += "  persisted: no (gone at the next reboot)\n";
    }
  }
  return out;
}

json to_json(const std::vector<EnforceListEntry>& rows) {
  json list = json::array();
  for (const EnforceListEntry& row : rows) {
    json item;
    item["cgroup"] = row.cgroup;
    item["state"] = state_name(row.state);
    if (row.attached && row.attached->program) {
      const EnforceProgram& program = *row.attached->program;
      item["attached"] = json{{"values", values_json(program.values)},
                              {"since", program.since},
                              {"counting_since", program.counting_since},
                              {"program_id", row.attached->prog_id},
                              {"link_id", row.attached->link_id},
                              {"pin", row.attached->pin},
                              {"cgroup_exists", row.attached->cgroup_id != 0},
                              {"connections", counts_json(row.attached->counts)}};
    } else if (row.attached) {
      item["attached"] = json{{"pin", row.attached->pin}, {"problem", row.attached->problem}};
    } else {
      item["attached"] = nullptr;
    }
    item["persisted"] = row.persisted ? values_json(row.persisted->values) : json(nullptr);
    list.push_back(std::move(item));
  }
  return json{{"enforcements", std::move(list)}};
}

std::string render_json(const std::vector<EnforceListEntry>& rows) {
  return dump_json(to_json(rows)) + "\n";
}

} // namespace kaltune
