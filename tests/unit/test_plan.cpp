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

Plan plan_of(const Derivation& derivation) {
  if (const auto* infeasible = std::get_if<Infeasible>(&derivation)) {
    ADD_FAILURE() << "infeasible: " << infeasible->reason;
  }
  return std::get<Plan>(derivation);
}

Infeasible infeasible_of(const Derivation& derivation) {
  EXPECT_TRUE(std::holds_alternative<Infeasible>(derivation));
  return std::get<Infeasible>(derivation);
}

// The documented rule, written out independently of plan.cpp: probe k leaves at the latest
// 9/8 x (time + k x intvl) + 0.5 s after the last packet (in ms: 1125 x s + 500).
bool meets(const Goals& goals, std::int64_t tolerance, const Settings& s) {
  for (Key key : all_keys) {
    if (!api_range(key).contains(s[key])) {
      return false;
    }
  }
  if (s[Key::probes] < tolerance + 1) {
    return false;
  }
  for (const IdleTimeout& x : goals.idle_timeouts) {
    if (1125 * (s[Key::time] + tolerance * s[Key::intvl]) + 500 >= 1000 * x.seconds) {
      return false;
    }
  }
  if (goals.detect_within &&
      1125 * (s[Key::time] + s[Key::probes] * s[Key::intvl]) + 500 > 1000 * *goals.detect_within) {
    return false;
  }
  return true;
}

struct PresetCase {
  std::string_view goal;
  Settings expected;
};

// Every preset that counts probes as traffic, with the default loss tolerance of 2: time is the
// largest t with 1125 (t + 2) + 500 < 1000 x idle, capped at the socket API's 32767.
const PresetCase preset_cases[] = {
    {"aws-nlb", {{308, 1, 3}}},
    {"aws-gwlb", {{308, 1, 3}}},
    {"aws-nat-gateway", {{308, 1, 3}}},
    {"aws-network-firewall", {{308, 1, 3}}},
    {"aws-security-group", {{32767, 1, 3}}},
    {"aws-security-group-nitro-v6", {{308, 1, 3}}},
    {"gcp-firewall", {{530, 1, 3}}},
    {"gcp-cloud-nat", {{1064, 1, 3}}},
    {"azure-lb", {{210, 1, 3}}},
    {"azure-nat-gateway", {{210, 1, 3}}},
    {"nf-conntrack", {{32767, 1, 3}}},
    {"kube-proxy-conntrack", {{32767, 1, 3}}},
    {"kube-proxy-ipvs", {{797, 1, 3}}},
    {"aws-nlb=6000", {{5330, 1, 3}}},
    {"azure-lb=100m", {{5330, 1, 3}}},
};

TEST(Plan, EveryPreset) {
  for (const PresetCase& c : preset_cases) {
    SCOPED_TRACE(c.goal);
    const Plan plan = plan_of(derive(Goals{{idle(c.goal)}, std::nullopt, std::nullopt}));
    EXPECT_EQ(plan.settings, c.expected);
    ASSERT_EQ(plan.checks.size(), 2u);
    EXPECT_EQ(plan.checks[0].kind, GoalKind::idle_timeout);
    EXPECT_GT(plan.checks[0].margin_ms, 0);
    EXPECT_EQ(plan.checks[0].binding, c.expected[Key::time] != 32767);
    EXPECT_EQ(plan.checks[1].kind, GoalKind::loss_tolerance);
    EXPECT_EQ(plan.checks[1].margin_ms, 0);
  }
}

TEST(Plan, NlbExactLines) {
  const Plan plan = plan_of(derive(Goals{{idle("aws-nlb")}, 360, std::nullopt}));
  EXPECT_EQ(plan.settings, (Settings{{308, 1, 3}}));
  EXPECT_EQ(plan.detect_seconds, 311);
  EXPECT_EQ(plan.detect_latest_ms, 350375);
  ASSERT_EQ(plan.checks.size(), 3u);
  EXPECT_EQ(plan.checks[0].goal,
            "idle timeout 350 s (aws-nlb, AWS Network Load Balancer (TCP listener))");
  EXPECT_EQ(plan.checks[0].bound, "time + 2 \u00d7 intvl");
  EXPECT_EQ(plan.checks[0].margin_ms, 750);
  EXPECT_EQ(plan.checks[0].explanation,
            "after 2 lost probes the next probe leaves at the latest 349.25 s after the last "
            "packet (9/8 \u00d7 (308 + 2 \u00d7 1) s + 0.5 s), 0.75 s before the flow is "
            "forgotten");
  EXPECT_TRUE(plan.checks[0].binding);
  EXPECT_EQ(plan.checks[1].goal, "detect within 360 s");
  EXPECT_EQ(plan.checks[1].margin_ms, 9625);
  EXPECT_FALSE(plan.checks[1].binding);
  EXPECT_EQ(plan.checks[2].goal, "survive 2 lost probes (default)");
  EXPECT_EQ(plan.checks[2].explanation, "3 probes: a healthy connection survives 2 lost probes "
                                        "in a row; 3 unanswered ones declare the peer dead");
  EXPECT_NE(plan.preference.find("time 308 s is the largest that meets every goal"),
            std::string::npos);
}

TEST(Plan, ShortestIdleTimeoutWins) {
  const Plan plan = plan_of(
      derive(Goals{{idle("gcp-cloud-nat"), idle("azure-lb"), idle("aws-nlb")}, std::nullopt, 0}));
  EXPECT_EQ(plan.settings, (Settings{{212, 1, 1}}));
  EXPECT_FALSE(plan.checks[0].binding);
  EXPECT_TRUE(plan.checks[1].binding);
  EXPECT_FALSE(plan.checks[2].binding);
}

TEST(Plan, DetectionBindsTime) {
  const Plan plan = plan_of(derive(Goals{{idle("aws-nlb")}, 120, 3}));
  // 1125 (t + 4) + 500 <= 120000  =>  t + 4 <= 106
  EXPECT_EQ(plan.settings, (Settings{{102, 1, 4}}));
  EXPECT_TRUE(plan.checks[1].binding);
  EXPECT_FALSE(plan.checks[0].binding);
}

TEST(Plan, PinnedValuesAreKeptAndTheRestDerived) {
  Pins pins;
  pins[index_of(Key::intvl)] = 30;
  const Plan plan = plan_of(derive(Goals{{idle("aws-nlb")}, std::nullopt, std::nullopt}, pins));
  // t + 2 x 30 <= 310
  EXPECT_EQ(plan.settings, (Settings{{250, 30, 3}}));
  EXPECT_EQ(plan.given, (std::array<bool, key_count>{false, true, false}));

  Pins probes;
  probes[index_of(Key::probes)] = 1; // no --loss-tolerance: it follows the probes given
  const Plan& single =
      plan_of(derive(Goals{{idle("aws-nlb")}, std::nullopt, std::nullopt}, probes));
  EXPECT_EQ(single.settings, (Settings{{310, 1, 1}}));
  EXPECT_EQ(single.loss_tolerance, 0);
}

TEST(Plan, KeepaliveIgnoringMiddleboxIsInfeasible) {
  const Infeasible& out =
      infeasible_of(derive(Goals{{idle("aws-alb")}, std::nullopt, std::nullopt}));
  EXPECT_EQ(out.reason,
            "keepalive probes do not reset the idle timer of aws-alb (AWS Application Load "
            "Balancer): they carry no data, so no keepalive value keeps an idle connection "
            "through it; the application must send data (e.g. an HTTP keep-alive request) at "
            "least every 60 s, or raise its idle timeout (up to 4000 s)");
  EXPECT_EQ(out.nearest,
            (std::vector<std::string>{"the same goals without --idle-timeout aws-alb"}));
}

TEST(Plan, IdleTimeoutUnderASecondOrTooShortForTheLossTolerance) {
  const Infeasible one = infeasible_of(derive(Goals{{idle("1")}, std::nullopt, std::nullopt}));
  EXPECT_EQ(one.reason,
            "the idle timeout of 1 s is too short to survive 2 lost probes: with time 1 s and "
            "intvl 1 s, probe 3 may leave as late as 3.875 s after the last packet (9/8 \u00d7 3 "
            "s + 0.5 s), not before 1 s");
  EXPECT_EQ(one.nearest, (std::vector<std::string>{"--idle-timeout 4s"}));

  const Infeasible three = infeasible_of(derive(Goals{{idle("3")}, std::nullopt, std::nullopt}));
  EXPECT_EQ(three.nearest, (std::vector<std::string>{"--idle-timeout 4s", "--loss-tolerance 1"}));
}

TEST(Plan, DetectionShorterThanTheLossToleranceAllows) {
  const Infeasible out = infeasible_of(derive(Goals{{}, 5, 4}));
  EXPECT_EQ(out.reason, "--detect-within 5 s is too short for a loss tolerance of 4: with time "
                        "1 s, intvl 1 s and 5 probes a dead peer may be declared dead only "
                        "7.25 s after the last packet (9/8 \u00d7 6 s + 0.5 s)");
  EXPECT_EQ(out.nearest, (std::vector<std::string>{"--detect-within 8s", "--loss-tolerance 2"}));
  EXPECT_TRUE(std::holds_alternative<Plan>(derive(Goals{{}, 8, 4})));
  EXPECT_TRUE(std::holds_alternative<Plan>(derive(Goals{{}, 5, 2})));
  EXPECT_TRUE(std::holds_alternative<Infeasible>(derive(Goals{{}, 7, 4})));
}

TEST(Plan, ProbesGivenBelowTheLossTolerance) {
  Pins pins;
  pins[index_of(Key::probes)] = 2;
  const Infeasible out = infeasible_of(derive(Goals{{idle("aws-nlb")}, std::nullopt, 3}, pins));
  EXPECT_EQ(out.reason,
            "--probes 2 survives only 1 lost probe, fewer than the loss tolerance of 3");
  EXPECT_EQ(out.nearest, (std::vector<std::string>{"--loss-tolerance 1", "--probes 4"}));
}

// Applies an alternative from Infeasible::nearest to the goals (and pins).
void apply(const std::string& alternative, Goals& goals, Pins& pins) {
  std::istringstream words(alternative);
  std::string option;
  std::string value;
  while (words >> option >> value) {
    const std::int64_t number = std::stoll(value); // "4s" -> 4
    if (option == "--idle-timeout") {
      for (IdleTimeout& x : goals.idle_timeouts) {
        x.seconds = std::max(x.seconds, number);
      }
    } else if (option == "--detect-within") {
      goals.detect_within = number;
    } else if (option == "--loss-tolerance") {
      goals.loss_tolerance = number;
    } else if (option == "--time") {
      pins[index_of(Key::time)] = number;
    } else if (option == "--intvl") {
      pins[index_of(Key::intvl)] = number;
    } else if (option == "--probes") {
      pins[index_of(Key::probes)] = number;
    } else {
      ADD_FAILURE() << "unexpected alternative " << alternative;
    }
    words >> value; // "and"
  }
}

// Random goals, checked by brute force over a grid that holds every answer they can have:
// either no grid point meets them and derive says why (and its nearest goals can be met), or
// derive's values meet them, and no grid point that meets them has a larger `time` (fewer probes
// on healthy connections) or, at the same time, a faster detection.
TEST(Plan, PropertyAgainstBruteForce) {
  std::mt19937 random(20261130);
  auto uniform = [&random](std::int64_t lo, std::int64_t hi) {
    return std::uniform_int_distribution<std::int64_t>(lo, hi)(random);
  };
  int feasible = 0;
  int infeasible = 0;
  for (int round = 0; round < 400; ++round) {
    Goals goals;
    Pins pins;
    const std::int64_t idle_count = uniform(0, 2);
    for (std::int64_t i = 0; i < idle_count; ++i) {
      IdleTimeout x;
      x.seconds = uniform(1, 90);
      x.text = std::to_string(x.seconds);
      goals.idle_timeouts.push_back(x);
    }
    if (idle_count == 0 || uniform(0, 1) == 1) {
      goals.detect_within = uniform(1, 120);
    }
    if (uniform(0, 2) > 0) {
      goals.loss_tolerance = uniform(0, 5);
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
    std::ostringstream name;
    name << "round " << round;
    SCOPED_TRACE(name.str());

    const std::int64_t tolerance =
        goals.loss_tolerance.value_or(pins[2] ? std::min<std::int64_t>(2, *pins[2] - 1) : 2);
    std::optional<Settings> best;
    for (std::int64_t t = 1; t <= 140; ++t) {
      for (std::int64_t i = 1; i <= 40; ++i) {
        for (std::int64_t p = 1; p <= 8; ++p) {
          const Settings s{{t, i, p}};
          bool pinned_ok = true;
          for (Key key : all_keys) {
            pinned_ok = pinned_ok && (!pins[index_of(key)] || *pins[index_of(key)] == s[key]);
          }
          if (!pinned_ok || !meets(goals, tolerance, s)) {
            continue;
          }
          if (!best || t > (*best)[Key::time] ||
              (t == (*best)[Key::time] && detect_seconds(s) < detect_seconds(*best))) {
            best = s;
          }
        }
      }
    }
    const Derivation derivation = derive(goals, pins);
    if (!best) {
      ++infeasible;
      ASSERT_TRUE(std::holds_alternative<Infeasible>(derivation));
      const Infeasible& out = std::get<Infeasible>(derivation);
      EXPECT_FALSE(out.reason.empty());
      ASSERT_FALSE(out.nearest.empty());
      for (const std::string& alternative : out.nearest) {
        Goals relaxed = goals;
        Pins relaxed_pins = pins;
        apply(alternative, relaxed, relaxed_pins);
        EXPECT_TRUE(std::holds_alternative<Plan>(derive(relaxed, relaxed_pins)))
            << out.reason << " / nearest: " << alternative;
      }
      continue;
    }
    ++feasible;
    ASSERT_TRUE(std::holds_alternative<Plan>(derivation))
        << std::get<Infeasible>(derivation).reason;
    const Plan& plan = std::get<Plan>(derivation);
    EXPECT_TRUE(meets(goals, tolerance, plan.settings));
    EXPECT_EQ(plan.settings[Key::time], (*best)[Key::time]);
    EXPECT_EQ(detect_seconds(plan.settings), detect_seconds(*best));
    for (const GoalCheck& check : plan.checks) {
      EXPECT_GE(check.margin_ms, 0) << check.goal;
      if (check.kind == GoalKind::idle_timeout) {
        EXPECT_GT(check.margin_ms, 0) << check.goal;
      }
    }
  }
  // The grid and the ranges must exercise both outcomes.
  EXPECT_GT(feasible, 100);
  EXPECT_GT(infeasible, 40);
}

} // namespace
} // namespace kaltune
