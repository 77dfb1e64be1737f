#include "core/presets.hpp"

#include "fake_procsys.hpp"

#include <gtest/gtest.h>

#include <set>

namespace kaltune {
namespace {

struct Expected {
  std::string_view name;
  std::int64_t seconds;
  std::optional<Range> configurable;
  bool keepalive_resets;
};

// The presets' numbers, each from the vendor's document named in the table.
const Expected expected[] = {
    {"aws-nlb", 350, Range{60, 6000}, true},
    {"aws-gwlb", 350, Range{60, 6000}, true},
    {"aws-nat-gateway", 350, std::nullopt, true},
    {"aws-network-firewall", 350, Range{60, 6000}, true},
    {"aws-security-group", 432000, Range{60, 432000}, true},
    {"aws-security-group-nitro-v6", 350, Range{60, 432000}, true},
    {"aws-alb", 60, Range{1, 4000}, false},
    {"aws-clb", 60, Range{1, 3600}, false},
    {"gcp-firewall", 600, std::nullopt, true},
    {"gcp-cloud-nat", 1200, Range{1, 2147483647}, true},
    {"azure-lb", 240, Range{240, 6000}, true},
    {"azure-nat-gateway", 240, Range{240, 7200}, true},
    {"nf-conntrack", 432000, Range{1, 2147483}, true},
    {"kube-proxy-conntrack", 86400, Range{1, 2147483}, true},
    {"kube-proxy-ipvs", 900, Range{1, 2147483}, true},
};

TEST(Presets, TableHasEveryMiddleboxOfTheIssue) {
  ASSERT_EQ(presets().size(), std::size(expected));
  std::size_t i = 0;
  for (const Expected& want : expected) {
    const Preset& preset = presets()[i++];
    SCOPED_TRACE(want.name);
    EXPECT_EQ(preset.name, want.name);
    EXPECT_EQ(preset.seconds, want.seconds);
    ASSERT_EQ(preset.configurable.has_value(), want.configurable.has_value());
    if (want.configurable) {
      EXPECT_EQ(preset.configurable->min, want.configurable->min);
      EXPECT_EQ(preset.configurable->max, want.configurable->max);
      EXPECT_TRUE(preset.configurable->contains(preset.seconds));
    }
    EXPECT_EQ(preset.keepalive_resets, want.keepalive_resets);
    EXPECT_FALSE(preset.middlebox.empty());
    EXPECT_FALSE(preset.source.empty());
    EXPECT_EQ(preset.as_of.size(), 10u); // YYYY-MM-DD
    EXPECT_EQ(find_preset(want.name), &preset);
  }
  EXPECT_EQ(find_preset("aws"), nullptr);
}

TEST(Presets, NamesAreUniqueAndNeverLookLikeDurations) {
  std::set<std::string_view> names;
  for (const Preset& preset : presets()) {
    EXPECT_TRUE(names.insert(preset.name).second) << preset.name;
    EXPECT_FALSE(preset.name.front() >= '0' && preset.name.front() <= '9');
    EXPECT_EQ(preset.name.find('='), std::string_view::npos);
  }
}

TEST(Presets, ConntrackIsReadFromTheRunningKernel) {
  test::FakeProcSys proc;
  EXPECT_FALSE(read_preset_environment(proc).conntrack_established); // module not loaded
  proc.values[std::string(conntrack_sysctl)] = "7200\n";
  const PresetEnvironment environment = read_preset_environment(proc);
  ASSERT_TRUE(environment.conntrack_established);
  EXPECT_EQ(*environment.conntrack_established, 7200);

  const ResolvedPreset running = resolve_preset(*find_preset("nf-conntrack"), environment);
  EXPECT_EQ(running.seconds, 7200);
  EXPECT_EQ(running.origin, PresetOrigin::running_kernel);
  EXPECT_FALSE(running.zero_timeout);
  const ResolvedPreset fallback = resolve_preset(*find_preset("nf-conntrack"), {});
  EXPECT_EQ(fallback.seconds, 432000);
  EXPECT_EQ(fallback.origin, PresetOrigin::kernel_default);

  proc.values[std::string(conntrack_sysctl)] = "junk\n";
  EXPECT_FALSE(read_preset_environment(proc).conntrack_established);
}

// 0 is no "unset" for the kernel: conntrack forgets an idle established flow at once. The preset
// is 0 s then, not the 5-day default, and says why.
TEST(Presets, ConntrackZeroIsAZeroIdleTimeout) {
  test::FakeProcSys proc;
  proc.values[std::string(conntrack_sysctl)] = "0\n";
  const PresetEnvironment environment = read_preset_environment(proc);
  EXPECT_EQ(environment.conntrack_established, std::optional<std::int64_t>(0));
  const ResolvedPreset zero = resolve_preset(*find_preset("nf-conntrack"), environment);
  EXPECT_EQ(zero.seconds, 0);
  EXPECT_EQ(zero.origin, PresetOrigin::running_kernel);
  EXPECT_TRUE(zero.zero_timeout);
  auto idle = parse_idle_timeout("nf-conntrack", environment);
  ASSERT_TRUE(idle) << idle.error();
  EXPECT_EQ(idle->seconds, 0);
  EXPECT_TRUE(idle->preset->zero_timeout);
  // An override is the operator's number.
  auto overridden = parse_idle_timeout("nf-conntrack=1h", environment);
  ASSERT_TRUE(overridden) << overridden.error();
  EXPECT_EQ(overridden->seconds, 3600);
  EXPECT_FALSE(overridden->preset->zero_timeout);
}

TEST(IdleTimeout, DurationsAndPresets) {
  auto plain = parse_idle_timeout("5m50s", {});
  ASSERT_TRUE(plain) << plain.error();
  EXPECT_EQ(plain->seconds, 350);
  EXPECT_FALSE(plain->preset);
  EXPECT_TRUE(plain->keepalive_resets());

  auto nlb = parse_idle_timeout("aws-nlb", {});
  ASSERT_TRUE(nlb) << nlb.error();
  EXPECT_EQ(nlb->seconds, 350);
  EXPECT_EQ(nlb->preset->origin, PresetOrigin::table);

  auto overridden = parse_idle_timeout("aws-nlb=10m", {});
  ASSERT_TRUE(overridden) << overridden.error();
  EXPECT_EQ(overridden->seconds, 600);
  EXPECT_EQ(overridden->preset->origin, PresetOrigin::override_given);

  auto conntrack = parse_idle_timeout("nf-conntrack", PresetEnvironment{3600});
  ASSERT_TRUE(conntrack);
  EXPECT_EQ(conntrack->seconds, 3600);

  auto alb = parse_idle_timeout("aws-alb", {});
  ASSERT_TRUE(alb);
  EXPECT_FALSE(alb->keepalive_resets());
}

TEST(IdleTimeout, BadValuesSayWhatIsAccepted) {
  EXPECT_EQ(parse_idle_timeout("0", {}).error(),
            "invalid --idle-timeout value '0': must be at least 1 s");
  EXPECT_EQ(parse_idle_timeout("aws-nlb=30s", {}).error(),
            "invalid --idle-timeout value 'aws-nlb=30s': aws-nlb can be set to 60-6000 s, not "
            "30 s");
  EXPECT_EQ(parse_idle_timeout("aws-nat-gateway=400", {}).error(),
            "invalid --idle-timeout value 'aws-nat-gateway=400': the idle timeout of "
            "aws-nat-gateway is fixed at 350 s and cannot be overridden");
  EXPECT_EQ(parse_idle_timeout("aws-nlb=", {}).error(),
            "invalid --idle-timeout value 'aws-nlb=': empty value");
  const std::string unknown = parse_idle_timeout("aws-nbl", {}).error();
  EXPECT_EQ(unknown.rfind("invalid --idle-timeout value 'aws-nbl': not a duration and no preset "
                          "of that name (presets: aws-nlb, aws-gwlb, ",
                          0),
            0u)
      << unknown;
  EXPECT_FALSE(parse_idle_timeout("5x", {}));
}

} // namespace
} // namespace kaltune
