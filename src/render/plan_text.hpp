#pragma once

// The English of plan: every sentence about a Plan or an Infeasible is written here, from the
// data core/plan returns. render/plan lays the sentences out (table, JSON, files).

#include "core/plan.hpp"

#include <string>

namespace kaltune {

// "idle timeout 350 s (aws-nlb, AWS Network Load Balancer (TCP listener))",
// "detect within 6 min (busy)", "survive an outage of 90 s (default, idle)".
std::string goal_text(const GoalCheck& check, const Plan& plan);
// What the goal bounds: "time + 2 × intvl", "time + probes × intvl", "(probes − 1) × intvl",
// "tcp_retries2", "probes".
std::string bound_text(const GoalCheck& check);
// "margin 0.625 s", "no spare probe".
std::string margin_text(const GoalCheck& check);
// One sentence: how the values meet the goal.
std::string explanation_text(const GoalCheck& check, const Plan& plan);
// Why these values among all that meet the goals.
std::string preference_text(const Plan& plan);
// The busy half in one sentence: the limit, the latest give-up and the outage it survives.
std::string busy_text(const Plan& plan);
// The busy half of any values: when a connection with data in flight is given up.
std::string busy_half_text(const BusyRange& busy, std::int64_t retries2);
// The TCP_USER_TIMEOUT alternative to tcp_retries2, or why there is none (empty without a
// detection goal).
std::string user_timeout_text(const Plan& plan);
// The one-line error: the conflict and the nearest goals that can be met.
std::string infeasible_text(const Infeasible& infeasible);
// "--detect-within 7s and --loss-tolerance 1"
std::string alternative_text(const Alternative& alternative);

} // namespace kaltune
