#include "core/plan.hpp"

#include <gtest/gtest.h>

#include <random>
#include <sstream>

namespace kaltune {
namespace {

IdleTimeout idle(std::string_view text, const PresetEnvironment& environment = {}) {
  auto parsed = parse_idle_timeout(text, environment);
  EXPECT_TRUE(parsed) << parsed.error();
  return *parsed;
}

PlanRequest request_of(Goals goals, Pins pins = {}) {
  PlanRequest request;
  request.goals = std::move(goals);
  request.pins = pins;
  return request;
}

Goals goals_of(std::vector<IdleTimeout> idle, std::optional<std::int64_t> detect = std::nullopt,
               std::optional<std::int64_t> outage = std::nullopt,
               std::optional<std::int64_t> tolerance = std::nullopt) {
  return Goals{std::move(idle), detect, outage, tolerance};
}

Plan plan_of(const Derivation& derivation) {
  if (std::holds_alternative<Infeasible>(derivation)) {
    ADD_FAILURE() << "infeasible: conflict "
                  << static_cast<int>(std::get<Infeasible>(derivation).conflict);
    return Plan{};
  }
  return std::get<Plan>(derivation);
}

Infeasible infeasible_of(const Derivation& derivation) {
  EXPECT_TRUE(std::holds_alternative<Infeasible>(derivation));
  return std::holds_alternative<Infeasible>(derivation) ? std::get<Infeasible>(derivation)
                                                        : Infeasible{};
}

const GoalCheck* find_check(const Plan& plan, GoalKind kind, Half half = Half::idle) {
  for (const GoalCheck& check : plan.checks) {
    if (check.kind == kind && check.half == half) {
      return &check;
    }
  }
  return nullptr;
}

std::int64_t ceil_div(std::int64_t a, std::int64_t b) {
  return (a + b - 1) / b;
}

// The documented idle rules, written out independently of plan.cpp: probe k leaves at the latest
// 9/8 x (time + k x intvl) + 0.5 s after the last packet (in ms: 1125 x s + 500); an outage of O
// takes at most ceil(O / intvl) probes.
bool meets(const Goals& goals, std::int64_t tolerance, std::int64_t outage, const Settings& s) {
  for (Key key : all_keys) {
    if (!api_range(key).contains(s[key])) {
      return false;
    }
  }
  const std::int64_t t = s[Key::time];
  const std::int64_t i = s[Key::intvl];
  const std::int64_t p = s[Key::probes];
  if (p - 1 < tolerance || (p - 1) * i < outage) {
    return false;
  }
  const std::int64_t lost = std::max(tolerance, outage == 0 ? 0 : ceil_div(outage, i));
  for (const IdleTimeout& x : goals.idle_timeouts) {
    if (1125 * (t + lost * i) + 500 >= 1000 * x.seconds) {
      return false;
    }
  }
  if (goals.detect_within && 1125 * (t + p * i) + 500 > 1000 * *goals.detect_within) {
    return false;
  }
  return true;
}

struct PresetCase {
  std::string_view goal;
  Settings expected;
};

// Every preset that counts probes as traffic, with the default outage (90 s) and loss tolerance
// (2): the longest intvl with time >= intvl such that time + 2 x intvl <= X' (the largest S with
// 1125 S + 500 < 1000 X), time the largest left; detection within the kernel's own 7875 s.
const PresetCase preset_cases[] = {
    {"aws-nlb", {104, 103, 3}},
    {"aws-gwlb", {104, 103, 3}},
    {"aws-nat-gateway", {104, 103, 3}},
    {"aws-network-firewall", {104, 103, 3}},
    {"aws-security-group", {1752, 1749, 3}},
    {"aws-security-group-nitro-v6", {104, 103, 3}},
    {"gcp-firewall", {178, 177, 3}},
    {"gcp-cloud-nat", {356, 355, 3}},
    {"azure-lb", {72, 70, 3}},
    {"azure-nat-gateway", {72, 70, 3}},
    {"nf-conntrack", {1752, 1749, 3}},
    {"kube-proxy-conntrack", {1752, 1749, 3}},
    {"kube-proxy-ipvs", {267, 266, 3}},
    {"aws-nlb=6000", {1752, 1749, 3}},
    {"azure-lb=100m", {1752, 1749, 3}},
};

TEST(Plan, EveryPreset) {
  for (const PresetCase& c : preset_cases) {
    SCOPED_TRACE(c.goal);
    const Plan plan = plan_of(derive(request_of(goals_of({idle(c.goal)}))));
    EXPECT_EQ(plan.settings, c.expected);
    EXPECT_TRUE(meets(goals_of({idle(c.goal)}), 2, 90, plan.settings));
    EXPECT_TRUE(plan.time_at_least_intvl);
    ASSERT_NE(find_check(plan, GoalKind::idle_timeout), nullptr);
    EXPECT_GT(find_check(plan, GoalKind::idle_timeout)->margin_ms, 0);
    EXPECT_EQ(plan.settings[Key::retries2], 15);
    EXPECT_EQ(plan.retries2_choice, Retries2Choice::kept);
    EXPECT_LE(plan.detect_latest_ms, latest_ms(7875));
  }
}

// The example: aws-nlb used to give 308/1/3, three probes a second apart that a 3-second
// blip kills. Now one probe every 104 s, the next ones 103 s apart: a blip takes one probe, and
// an outage of up to 206 s is survived.
TEST(Plan, NlbWithTheDefaultOutage) {
  const Plan plan = plan_of(derive(request_of(goals_of({idle("aws-nlb")}))));
  EXPECT_EQ(plan.settings, (Settings{104, 103, 3}));
  EXPECT_EQ(plan.detect_seconds, 413);
  EXPECT_EQ(plan.survive_outage, 90);
  EXPECT_TRUE(plan.survive_outage_defaulted);
  ASSERT_EQ(plan.checks.size(), 4u);
  const GoalCheck& nlb = plan.checks[0];
  EXPECT_EQ(nlb.kind, GoalKind::idle_timeout);
  EXPECT_EQ(nlb.lost_probes, 2);
  EXPECT_EQ(nlb.reached_ms, 349250); // 9/8 x (104 + 2 x 103) + 0.5 s
  EXPECT_EQ(nlb.margin_ms, 750);
  EXPECT_TRUE(nlb.binding);
  const GoalCheck& outage = plan.checks[1];
  EXPECT_EQ(outage.kind, GoalKind::survive_outage);
  EXPECT_EQ(outage.half, Half::idle);
  EXPECT_EQ(outage.lost_probes, 1);
  EXPECT_EQ(outage.reached_ms, 206000);
  EXPECT_EQ(outage.margin_ms, 116000);
  const GoalCheck& tolerance = plan.checks[2];
  EXPECT_EQ(tolerance.kind, GoalKind::loss_tolerance);
  EXPECT_TRUE(tolerance.binding);
  EXPECT_EQ(tolerance.margin_ms, 0);
  const GoalCheck& busy = plan.checks[3];
  EXPECT_EQ(busy.kind, GoalKind::survive_outage);
  EXPECT_EQ(busy.half, Half::busy);
  EXPECT_EQ(busy.reached_ms, plan.busy.survives_ms);
  EXPECT_GT(busy.margin_ms, 0);
  EXPECT_FALSE(plan.user_timeout_ms); // no detection goal
}

TEST(Plan, DetectionDerivesTcpRetries2AndAUserTimeout) {
  const Plan plan = plan_of(derive(request_of(goals_of({idle("aws-nlb")}, 420))));
  // 1125 (t + 3i) + 500 <= 420000 and t >= i: i = 93, t = 93.
  EXPECT_EQ(plan.settings, (Settings{93, 93, 3, 9}));
  // 9 is the largest tcp_retries2 whose latest give-up is within 420 s; it survives 90 s.
  EXPECT_EQ(plan.settings[Key::retries2], 9);
  EXPECT_EQ(plan.retries2_choice, Retries2Choice::within_detection);
  EXPECT_LE(plan.busy.latest_ms, 420000);
  EXPECT_GE(plan.busy.survives_ms, 90000);
  const GoalCheck* busy = find_check(plan, GoalKind::detect_within, Half::busy);
  ASSERT_NE(busy, nullptr);
  EXPECT_TRUE(busy->binding);
  EXPECT_EQ(busy->reached_ms, plan.busy.latest_ms);
  // TCP_USER_TIMEOUT instead: 9/8 x (2 s + U) + 0.5 s <= 420 s.
  EXPECT_EQ(plan.user_timeout_ms, std::optional<std::int64_t>((420000 - 500) * 8 / 9 - 2000));
}

// tcp_retries2's values about double the busy time: 8 gives up in time but survives only about
// half a 90 s outage, 9 survives it but may take 367.5 s.
TEST(Plan, BusyHalfBetweenTwoRetries2Values) {
  const Infeasible out = infeasible_of(derive(request_of(goals_of({idle("aws-nlb")}, 360))));
  EXPECT_EQ(out.conflict, Conflict::busy_half);
  ASSERT_TRUE(out.busy);
  EXPECT_EQ(out.busy->within_detection, std::optional<std::int64_t>(8));
  EXPECT_LT(out.busy->within_survives_ms, 90000);
  EXPECT_EQ(out.busy->surviving, std::optional<std::int64_t>(9));
  EXPECT_GT(out.busy->surviving_latest_ms, 360000);
  EXPECT_TRUE(out.busy->user_timeout_ms); // a TCP_USER_TIMEOUT meets both
  ASSERT_EQ(out.nearest.size(), 2u);
  EXPECT_EQ(out.nearest[0].front().what, Adjust::detect_within);
  EXPECT_EQ(out.nearest[0].front().value, 368);
  EXPECT_EQ(out.nearest[1].front().what, Adjust::survive_outage);
}

TEST(Plan, ShortestIdleTimeoutWins) {
  const Plan plan = plan_of(derive(request_of(
      goals_of({idle("gcp-cloud-nat"), idle("azure-lb"), idle("aws-nlb")}, std::nullopt, 0, 0))));
  // Without outage or tolerance no probe needs to be lost: only time has to fit azure-lb's 212.
  EXPECT_EQ(plan.settings[Key::time], 212);
  EXPECT_FALSE(plan.checks[0].binding);
  EXPECT_TRUE(plan.checks[1].binding);
  EXPECT_FALSE(plan.checks[2].binding);
}

TEST(Plan, OutageNeedsMoreProbesThanTheTolerance) {
  Pins pins;
  pins[index_of(Key::intvl)] = 30;
  const Plan plan = plan_of(derive(request_of(goals_of({idle("aws-nlb")}), pins)));
  // An outage of 90 s takes 3 probes 30 s apart: 4 probes, and the one after leaves by 310.
  EXPECT_EQ(plan.settings, (Settings{220, 30, 4}));
  EXPECT_EQ(plan.given, (std::array<bool, key_count>{false, true, false}));
  EXPECT_TRUE(find_check(plan, GoalKind::survive_outage)->binding);
  EXPECT_FALSE(find_check(plan, GoalKind::loss_tolerance)->binding);
}

TEST(Plan, ProbesGivenSetTheDefaultTolerance) {
  Pins probes;
  probes[index_of(Key::probes)] = 2;
  const Plan plan =
      plan_of(derive(request_of(goals_of({idle("aws-nlb")}, std::nullopt, 0), probes)));
  EXPECT_EQ(plan.loss_tolerance, 1);
  EXPECT_EQ(plan.settings[Key::probes], 2);
}

TEST(Plan, KeepaliveIgnoringMiddleboxIsInfeasible) {
  const Infeasible out = infeasible_of(derive(request_of(goals_of({idle("aws-alb")}))));
  EXPECT_EQ(out.conflict, Conflict::keepalive_ignored);
  ASSERT_TRUE(out.ignoring);
  EXPECT_EQ(out.ignoring->text, "aws-alb");
  ASSERT_EQ(out.nearest.size(), 1u);
  EXPECT_EQ(out.nearest[0].front().what, Adjust::drop_idle_timeout);
}

TEST(Plan, IdleTimeoutTooShortForTheOutage) {
  const Infeasible out =
      infeasible_of(derive(request_of(goals_of({idle("60")}, std::nullopt, 120))));
  EXPECT_EQ(out.conflict, Conflict::idle_half);
  ASSERT_EQ(out.shortfalls.size(), 1u);
  EXPECT_EQ(out.shortfalls[0].kind, GoalKind::idle_timeout);
  // Time 1 s and 120 probes 1 s apart: the probe after the outage leaves at 9/8 x 121 + 0.5.
  EXPECT_EQ(out.shortfalls[0].best_ms, latest_ms(121));
  ASSERT_EQ(out.nearest.size(), 2u);
  EXPECT_EQ(out.nearest[0].front().what, Adjust::idle_timeout);
  EXPECT_EQ(out.nearest[0].front().value, 137);
  EXPECT_EQ(out.nearest[1].front().what, Adjust::survive_outage);
  EXPECT_EQ(out.nearest[1].front().value, 51);
}

TEST(Plan, ProbesGivenBelowTheLossTolerance) {
  Pins pins;
  pins[index_of(Key::probes)] = 2;
  const Infeasible out =
      infeasible_of(derive(request_of(goals_of({idle("aws-nlb")}, std::nullopt, 0, 3), pins)));
  EXPECT_EQ(out.conflict, Conflict::probes_below_tolerance);
  EXPECT_EQ(out.probes, 2);
  EXPECT_EQ(out.loss_tolerance, 3);
  ASSERT_EQ(out.nearest.size(), 2u);
  EXPECT_EQ(out.nearest[0].front().what, Adjust::loss_tolerance);
  EXPECT_EQ(out.nearest[0].front().value, 1);
  EXPECT_EQ(out.nearest[1].front().what, Adjust::probes);
  EXPECT_EQ(out.nearest[1].front().value, 4);
}

// 0 in nf_conntrack_tcp_timeout_established: conntrack forgets idle flows at once; no values.
TEST(Plan, ConntrackThatForgetsAtOnceIsInfeasible) {
  const Infeasible out =
      infeasible_of(derive(request_of(goals_of({idle("nf-conntrack", PresetEnvironment{0})}))));
  EXPECT_EQ(out.conflict, Conflict::idle_half);
  ASSERT_FALSE(out.shortfalls.empty());
  EXPECT_EQ(out.shortfalls[0].goal_ms, 0);
}

TEST(Plan, Retries2GivenIsKeptOrConflicts) {
  PlanRequest request = request_of(goals_of({idle("aws-nlb")}, std::nullopt, 5));
  request.pins[index_of(Key::retries2)] = 5;
  const Plan plan = plan_of(derive(request));
  EXPECT_EQ(plan.settings[Key::retries2], 5);
  EXPECT_EQ(plan.retries2_choice, Retries2Choice::given);
  request.goals.survive_outage = 90;
  const Infeasible out = infeasible_of(derive(request));
  EXPECT_EQ(out.conflict, Conflict::busy_half);
  bool raises = false;
  for (const Alternative& alternative : out.nearest) {
    raises =
        raises || (alternative.front().what == Adjust::retries2 && alternative.front().value == 9);
  }
  EXPECT_TRUE(raises);
}

TEST(Plan, NamespacesRetries2IsRaisedWhenItDoesNotSurvive) {
  PlanRequest request = request_of(goals_of({idle("aws-nlb")}));
  request.busy.retries2 = 3;
  const Plan plan = plan_of(derive(request));
  EXPECT_EQ(plan.retries2_choice, Retries2Choice::raised);
  EXPECT_EQ(plan.settings[Key::retries2], 9);
  EXPECT_TRUE(find_check(plan, GoalKind::survive_outage, Half::busy)->binding);
}

// Applies an alternative to the request.
void apply(const Alternative& alternative, PlanRequest& request) {
  for (const GoalChange& change : alternative) {
    switch (change.what) {
    case Adjust::idle_timeout:
      for (IdleTimeout& x : request.goals.idle_timeouts) {
        x.seconds = std::max(x.seconds, change.value);
      }
      break;
    case Adjust::drop_idle_timeout:
      ADD_FAILURE() << "no preset ignores probes here";
      break;
    case Adjust::detect_within:
      request.goals.detect_within = change.value;
      break;
    case Adjust::survive_outage:
      request.goals.survive_outage = change.value;
      break;
    case Adjust::loss_tolerance:
      request.goals.loss_tolerance = change.value;
      break;
    case Adjust::time:
      request.pins[index_of(Key::time)] = change.value;
      break;
    case Adjust::intvl:
      request.pins[index_of(Key::intvl)] = change.value;
      break;
    case Adjust::probes:
      request.pins[index_of(Key::probes)] = change.value;
      break;
    case Adjust::retries2:
      request.pins[index_of(Key::retries2)] = change.value;
      break;
    }
  }
}

// The busy half as the plan must choose it, from core/busy's ranges (tested on their own).
struct BusyAnswer {
  bool feasible = false;
  std::int64_t retries2 = 0;
};
BusyAnswer expected_busy(const Goals& goals, std::int64_t outage) {
  static const std::vector<BusyRange> ranges = [] {
    std::vector<BusyRange> out;
    for (std::int64_t n = 0; n <= 255; ++n) {
      BusyInputs inputs;
      inputs.retries2 = n;
      out.push_back(busy_range(retries2_limit(inputs), inputs));
    }
    return out;
  }();
  const auto range = [](std::int64_t n) { return ranges[static_cast<std::size_t>(n)]; };
  if (!goals.detect_within) {
    return {range(15).survives_ms >= outage * 1000, 15};
  }
  std::optional<std::int64_t> best;
  for (std::int64_t n = 0; n <= 255 && range(n).latest_ms <= *goals.detect_within * 1000; ++n) {
    best = n;
  }
  return {best && range(*best).survives_ms >= outage * 1000, best.value_or(0)};
}

// Random goals, checked by brute force over a grid that holds every answer they can have:
// either no grid point meets the idle goals or no tcp_retries2 meets the busy ones, and derive
// says why (each of its nearest goals can then be met); or derive's values meet every goal, and
// no grid point that meets them is preferred: time >= intvl where any point has it, then a
// longer intvl (a larger margin on the outage), then fewer probes, then a larger time.
TEST(Plan, PropertyAgainstBruteForce) {
  std::mt19937 random(20261130);
  auto uniform = [&random](std::int64_t lo, std::int64_t hi) {
    return std::uniform_int_distribution<std::int64_t>(lo, hi)(random);
  };
  int feasible = 0;
  int infeasible = 0;
  for (int round = 0; round < 300; ++round) {
    Goals goals;
    Pins pins;
    const std::int64_t idle_count = uniform(0, 2);
    for (std::int64_t i = 0; i < idle_count; ++i) {
      IdleTimeout x;
      x.seconds = uniform(1, 60);
      x.text = std::to_string(x.seconds);
      goals.idle_timeouts.push_back(x);
    }
    if (idle_count == 0 || uniform(0, 1) == 1) {
      goals.detect_within = uniform(1, 80) + (uniform(0, 1) == 1 ? 320 : 0);
    }
    goals.survive_outage = uniform(0, 2) == 0 ? 0 : uniform(1, 20);
    if (uniform(0, 2) > 0) {
      goals.loss_tolerance = uniform(0, 4);
    }
    if (uniform(0, 4) == 0) {
      pins[index_of(Key::intvl)] = uniform(1, 6);
    }
    if (uniform(0, 4) == 0) {
      pins[index_of(Key::probes)] = uniform(1, 7);
    }
    if (uniform(0, 5) == 0) {
      pins[index_of(Key::time)] = uniform(1, 80);
    }
    SCOPED_TRACE(testing::Message() << "round " << round);

    const std::int64_t tolerance =
        goals.loss_tolerance.value_or(pins[2] ? std::clamp<std::int64_t>(*pins[2] - 1, 0, 2) : 2);
    const std::int64_t outage = *goals.survive_outage;
    std::optional<Settings> best;
    const auto better = [](const Settings& a, const Settings& b) {
      const auto key = [](const Settings& s) {
        return std::make_tuple(s[Key::time] >= s[Key::intvl], s[Key::intvl], -s[Key::probes],
                               s[Key::time]);
      };
      return key(a) > key(b);
    };
    // Every goal only bounds time from above: for each intvl and probes, the largest time that
    // meets them (a binary search over 1-400; the given time alone when there is one).
    for (std::int64_t i = 1; i <= 180; ++i) {
      for (std::int64_t p = 1; p <= 22; ++p) {
        if ((pins[1] && *pins[1] != i) || (pins[2] && *pins[2] != p)) {
          continue;
        }
        const auto ok = [&](std::int64_t t) {
          return meets(goals, tolerance, outage, Settings{t, i, p});
        };
        std::int64_t t = 0;
        if (pins[0]) {
          t = ok(*pins[0]) ? *pins[0] : 0;
        } else if (ok(1)) {
          std::int64_t lo = 1;
          std::int64_t hi = 401;
          while (hi - lo > 1) {
            const std::int64_t mid = (lo + hi) / 2;
            (ok(mid) ? lo : hi) = mid;
          }
          t = lo;
        }
        const Settings s{t, i, p};
        if (t > 0 && (!best || better(s, *best))) {
          best = s;
        }
      }
    }
    const BusyAnswer busy = expected_busy(goals, outage);
    const Derivation derivation = derive(request_of(goals, pins));
    if (!best || !busy.feasible) {
      ++infeasible;
      ASSERT_TRUE(std::holds_alternative<Infeasible>(derivation));
      const Infeasible& out = std::get<Infeasible>(derivation);
      EXPECT_EQ(out.conflict == Conflict::busy_half, best.has_value());
      for (const Alternative& alternative : out.nearest) {
        PlanRequest relaxed = request_of(goals, pins);
        apply(alternative, relaxed);
        EXPECT_TRUE(std::holds_alternative<Plan>(derive(relaxed)));
      }
      continue;
    }
    ++feasible;
    ASSERT_TRUE(std::holds_alternative<Plan>(derivation))
        << static_cast<int>(std::get<Infeasible>(derivation).conflict);
    const Plan& plan = std::get<Plan>(derivation);
    EXPECT_TRUE(meets(goals, tolerance, outage, plan.settings));
    Settings expected = *best;
    expected[Key::retries2] = busy.retries2;
    EXPECT_EQ(plan.settings, expected);
    for (const GoalCheck& check : plan.checks) {
      EXPECT_GE(check.margin_ms, 0) << static_cast<int>(check.kind);
      if (check.kind == GoalKind::idle_timeout) {
        EXPECT_GT(check.margin_ms, 0);
      }
    }
  }
  // The grid and the ranges must exercise both outcomes.
  EXPECT_GT(feasible, 60);
  EXPECT_GT(infeasible, 60);
}

} // namespace
} // namespace kaltune
