#pragma once

#include "core/plan.hpp"
#include "core/presets.hpp"
#include "render/style.hpp"

#include <nlohmann/json_fwd.hpp>

#include <string>

namespace kaltune {

// The values (tcp_retries2 with them), both halves' detection times, one line per goal (what
// it bound, the margin, why), the preference, the TCP_USER_TIMEOUT alternative and the
// `kaltune set` command line that applies them.
std::string render_plan(const Plan& plan, const Style& style);
// Where each value came from (derived or given) and one line per goal: what `set` and `verify`
// print before their own report when they derive from goals. `sysctls`: the command applies
// tcp_retries2 too; `enforce` does not (it has no socket option: the plan's TCP_USER_TIMEOUT is
// named instead).
std::string render_plan_origins(const Plan& plan, const Style& style, bool sysctls = true);
// A ready sysctl.d file: a comment naming the goals, then `key = value` lines (tcp_retries2
// when the plan derived it).
std::string render_plan_sysctl(const Plan& plan);
// The pod `securityContext.sysctls` snippet (values as strings), with the version note and, for
// a derived tcp_retries2, the kubelet's --allowed-unsafe-sysctls it needs.
std::string render_plan_kubernetes(const Plan& plan);
// `--sysctl key=value` flags for `docker run` (or podman), on one line.
std::string render_plan_docker(const Plan& plan);
// "kaltune set --time 308 --intvl 1 --probes 3"
std::string set_command(const Plan& plan);
// The documented JSON schema (README "JSON schema", plan).
nlohmann::ordered_json to_json(const Plan& plan);
// to_json as text, for the command.
std::string render_json(const Plan& plan);

// The one-line error of goals that cannot all be met: the reason and the nearest goals.
std::string render_infeasible(const Infeasible& infeasible);

// `plan --list-presets`: name, idle timeout, configurable range, whether keepalive resets it,
// the middlebox, the source and its date.
std::string render_presets(const PresetEnvironment& environment, const Style& style);
nlohmann::ordered_json presets_json(const PresetEnvironment& environment);
std::string render_presets_json(const PresetEnvironment& environment);

} // namespace kaltune
