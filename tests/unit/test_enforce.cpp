// core/enforce: what enforce attaches, replaces or detaches, the values a program gets, the pin
// names, what --list reports, and which kernels refuse; decided on data, with a fake seam.

#include "core/enforce.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

namespace kaltune {
namespace {

EnforcedValues timings(std::uint32_t time, std::uint32_t intvl, std::uint32_t probes) {
  EnforcedValues values;
  values.time = time;
  values.intvl = intvl;
  values.probes = probes;
  return values;
}

PinnedAttachment pinned(const std::string& cgroup, std::uint64_t cgroup_id,
                        const EnforcedValues& values, std::int64_t since = 100) {
  PinnedAttachment attachment;
  attachment.pin = pin_name(cgroup);
  attachment.cgroup_id = cgroup_id;
  attachment.prog_id = 7;
  EnforceProgram program;
  program.values = values;
  program.cgroup = cgroup;
  program.since = since;
  program.counting_since = since - 50;
  attachment.program = program;
  return attachment;
}

TEST(EnforcePlan, ActionFollowsWhatIsPinned) {
  const EnforcedValues a = timings(60, 10, 6);
  const EnforcedValues b = timings(30, 5, 3);
  struct Case {
    const char* name;
    std::vector<PinnedAttachment> pinned;
    std::optional<EnforcedValues> values; // nullopt: --off
    EnforceAction expected;
  };
  const std::vector<Case> cases{
      {"nothing pinned", {}, a, EnforceAction::attach},
      {"another cgroup pinned", {pinned("other", 5, a)}, a, EnforceAction::attach},
      {"same values", {pinned("app", 42, a)}, a, EnforceAction::unchanged},
      {"other values", {pinned("app", 42, a)}, b, EnforceAction::replace},
      {"cgroup removed", {pinned("app", 0, a)}, a, EnforceAction::reattach},
      {"cgroup made again", {pinned("app", 41, a)}, a, EnforceAction::reattach},
      {"off", {pinned("app", 42, a)}, std::nullopt, EnforceAction::detach},
      {"off, cgroup gone", {pinned("app", 0, a)}, std::nullopt, EnforceAction::detach},
      {"off, nothing", {pinned("other", 5, a)}, std::nullopt, EnforceAction::absent},
  };
  for (const Case& c : cases) {
    const EnforcePlan plan = plan_enforce("app", 42, c.values, c.pinned, 1000);
    EXPECT_EQ(plan.action, c.expected) << c.name;
    EXPECT_EQ(plan.pin, pin_name("app")) << c.name;
  }
}

TEST(EnforcePlan, ReplacingKeepsTheCountersStartAndRecordsTheTime) {
  const EnforcePlan plan =
      plan_enforce("app", 42, timings(30, 5, 3), {pinned("app", 42, timings(60, 10, 6))}, 1000);
  ASSERT_EQ(plan.action, EnforceAction::replace);
  EXPECT_EQ(plan.program.since, 1000);
  EXPECT_EQ(plan.program.counting_since, 50);
  ASSERT_TRUE(plan.previous);
  EXPECT_EQ(plan.previous->values, timings(60, 10, 6));
  EXPECT_EQ(plan.program.cgroup, "app");
}

TEST(EnforcePlan, UnchangedKeepsTheAttachedProgram) {
  const EnforcePlan plan =
      plan_enforce("app", 42, timings(60, 10, 6), {pinned("app", 42, timings(60, 10, 6))}, 1000);
  EXPECT_EQ(plan.program.since, 100);
}

TEST(EnforcePlan, FindsAnAttachmentByItsRecordedCgroupNotItsPinName) {
  PinnedAttachment renamed = pinned("app", 42, timings(60, 10, 6));
  renamed.pin = "old-name";
  const EnforcePlan plan = plan_enforce("app", 42, timings(30, 5, 3), {renamed}, 1000);
  EXPECT_EQ(plan.action, EnforceAction::replace);
  EXPECT_EQ(plan.pin, "old-name");
}

TEST(EnforcePin, NamesAreOnePerCgroupAndFitBpffs) {
  EXPECT_EQ(pin_name("/"), "-");
  // bpffs refuses names with a dot (EPERM): kept for its own files.
  EXPECT_EQ(pin_name("system.slice/nginx.service"), "system\\x2eslice-nginx\\x2eservice");
  EXPECT_EQ(pin_name("a-b/c"), "a\\x2db-c");
  EXPECT_EQ(pin_name(".hidden"), "\\x2ehidden");
  EXPECT_EQ(pin_name("with space"), "with\\x20space");
  // '-' and '/' must not collide.
  EXPECT_NE(pin_name("a-b"), pin_name("a/b"));
  const std::string long_path(400, 'x');
  const std::string name = pin_name(long_path);
  EXPECT_LE(name.size(), 255U);
  EXPECT_NE(name, pin_name(long_path + "y"));
}

TEST(EnforceCgroupPath, RelativeOrAbsoluteUnderTheMount) {
  struct Case {
    const char* given;
    const char* expected; // nullptr: refused
  };
  const std::vector<Case> cases{
      {"/", "/"},
      {"system.slice/nginx.service", "system.slice/nginx.service"},
      {"/system.slice/nginx.service", "system.slice/nginx.service"},
      {"/sys/fs/cgroup/unified/system.slice/x", "system.slice/x"},
      {"/sys/fs/cgroup/unified", "/"},
      {"/sys/fs/cgroup/unified/", "/"},
      {"a//b/./c/", "a/b/c"},
      {"/sys/fs/cgroup/unifiedx/y", "sys/fs/cgroup/unifiedx/y"},
      {"a/../b", nullptr},
      {"", nullptr},
  };
  for (const Case& c : cases) {
    const auto path = cgroup_relative_path(c.given, "/sys/fs/cgroup/unified");
    if (c.expected == nullptr) {
      EXPECT_FALSE(path) << c.given;
    } else {
      ASSERT_TRUE(path) << c.given << ": " << path.error();
      EXPECT_EQ(*path, c.expected) << c.given;
    }
  }
}

TEST(EnforceValues, UserTimeoutAutoIsTheDetectionTime) {
  const Settings settings{2, 1, 2};
  const auto values =
      enforced_values(settings, UserTimeout{UserTimeout::Kind::automatic, 0}, false);
  ASSERT_TRUE(values) << values.error();
  EXPECT_EQ(values->user_timeout_ms, 4000U);
  EXPECT_TRUE(values->set_timings);
  EXPECT_EQ(values->time, 2U);
}

TEST(EnforceValues, AutoNeedsTheValuesAndMustFit) {
  const UserTimeout automatic{UserTimeout::Kind::automatic, 0};
  EXPECT_FALSE(enforced_values(std::nullopt, automatic, false));
  EXPECT_FALSE(enforced_values(Settings{32767, 32767, 127}, automatic, false));
  const auto sysctl = enforced_values(std::nullopt, UserTimeout{}, true);
  ASSERT_TRUE(sysctl);
  EXPECT_FALSE(sysctl->set_timings);
  EXPECT_TRUE(sysctl->override_choice);
  EXPECT_EQ(sysctl->user_timeout_ms, 0U);
}

TEST(EnforceValues, ParseUserTimeout) {
  EXPECT_EQ(parse_user_timeout("auto")->kind, UserTimeout::Kind::automatic);
  EXPECT_EQ(parse_user_timeout("2m")->ms, 120000U);
  EXPECT_EQ(parse_user_timeout("2147483")->ms, 2147483000U);
  for (const char* bad : {"0", "-1", "2147484", "soon", "1.5", ""}) {
    EXPECT_FALSE(parse_user_timeout(bad)) << bad;
  }
  EXPECT_NE(parse_user_timeout("soon").error().find("--user-timeout"), std::string::npos);
}

TEST(EnforceKernel, RefusesWhatTheKernelCannotRun) {
  struct Case {
    const char* release;
    bool btf;
    bool override_choice;
    bool refused;
  };
  const std::vector<Case> cases{
      {"6.18.44-fc-v1272", true, false, false},
      {"5.10.0-28-amd64", true, false, false},
      {"5.9.16", true, false, true},
      {"5.9.16", true, true, false},
      {"5.8.0", true, true, true},
      {"4.19.0-26-amd64", true, true, true},
      {"6.1.0-18-amd64", false, false, true},
      {"6.1.0-18-amd64", false, true, false},
      {"weird", true, false, false},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(kernel_refusal(c.release, c.btf, c.override_choice).has_value(), c.refused)
        << c.release << " btf " << c.btf << " override " << c.override_choice;
  }
}

TEST(EnforceList, JoinsAttachedAndPersisted) {
  using State = EnforceListEntry::State;
  PinnedAttachment foreign;
  foreign.pin = "zz-foreign";
  foreign.problem = "not kaltune's program";
  const std::vector<PinnedAttachment> attached{pinned("same", 1, timings(60, 10, 6)),
                                               pinned("differs", 2, timings(60, 10, 6)),
                                               pinned("only-attached", 3, timings(60, 10, 6)),
                                               pinned("gone", 0, timings(60, 10, 6)), foreign};
  const std::vector<PersistedEnforcement> persisted{{"same", timings(60, 10, 6)},
                                                    {"differs", timings(30, 5, 3)},
                                                    {"gone", timings(60, 10, 6)},
                                                    {"boot-only", timings(60, 10, 6)}};
  const auto rows = list_enforcements(attached, persisted, {{"same", 1}, {"differs", 2}});
  std::vector<std::pair<std::string, State>> got;
  for (const auto& row : rows) {
    got.emplace_back(row.cgroup, row.state);
  }
  const std::vector<std::pair<std::string, State>> expected{{"boot-only", State::not_attached},
                                                            {"differs", State::differs},
                                                            {"gone", State::gone},
                                                            {"only-attached", State::in_force},
                                                            {"same", State::in_force},
                                                            {"zz-foreign", State::unreadable}};
  EXPECT_EQ(got, expected);
  EXPECT_FALSE(rows[3].persisted);
  EXPECT_TRUE(rows[4].persisted);
  // A link on a cgroup whose directory has another id now: made anew since.
  EXPECT_EQ(list_enforcements({pinned("same", 1, timings(60, 10, 6))}, {}, {{"same", 9}})[0].state,
            State::gone);
}

// Records what the core asks of the seam.
class FakeEnforcer : public CgroupEnforcer {
public:
  std::vector<std::string> calls;
  std::vector<PinnedAttachment> list() override { return {}; }
  void check_load(const EnforceProgram&) override { calls.push_back("check_load"); }
  void attach(const std::filesystem::path& dir, const std::string& pin,
              const EnforceProgram&) override {
    calls.push_back("attach " + dir.string() + " " + pin);
  }
  void replace(const std::string& pin, const EnforceProgram&) override {
    calls.push_back("replace " + pin);
  }
  void detach(const std::string& pin) override { calls.push_back("detach " + pin); }
};

TEST(EnforceExecute, EachActionMakesItsCalls) {
  const std::vector<std::pair<EnforceAction, std::vector<std::string>>> cases{
      {EnforceAction::attach, {"attach /cg/app app"}},
      {EnforceAction::replace, {"replace app"}},
      {EnforceAction::reattach, {"detach app", "attach /cg/app app"}},
      {EnforceAction::detach, {"detach app"}},
      {EnforceAction::unchanged, {}},
      {EnforceAction::absent, {}},
  };
  for (const auto& [action, expected] : cases) {
    FakeEnforcer fake;
    EnforcePlan plan;
    plan.action = action;
    plan.pin = "app";
    execute_enforce(fake, plan, "/cg/app");
    EXPECT_EQ(fake.calls, expected) << static_cast<int>(action);
  }
}

} // namespace
} // namespace kaltune

namespace kaltune {
namespace {

TEST(EnforceConfig, RoundTripsEveryShape) {
  EnforcedValues sysctl;
  sysctl.set_timings = false;
  sysctl.user_timeout_ms = 90000;
  sysctl.override_choice = true;
  const std::vector<PersistedEnforcement> entries{
      {"/", timings(60, 10, 6)},
      {"system.slice/nginx.service", sysctl},
      {"odd name/with\\back#slash", timings(1, 1, 1)},
  };
  const std::string text = render_enforce_config(entries);
  EXPECT_NE(text.find("\ncgroup=/ time=60 intvl=10 probes=6\n"), std::string::npos) << text;
  EXPECT_NE(text.find("\ncgroup=system.slice/nginx.service sysctl-values user-timeout=90 "
                      "override\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("cgroup=odd\\x20name/with\\x5cback\\x23slash time=1"), std::string::npos)
      << text;
  const auto parsed = parse_enforce_config(text, "enforce.conf");
  ASSERT_TRUE(parsed) << parsed.error();
  EXPECT_EQ(*parsed, entries);
}

TEST(EnforceConfig, RefusesWhatItCannotRead) {
  struct Case {
    const char* line;
    const char* error;
  };
  const std::vector<Case> cases{
      {"time=60 intvl=10 probes=6", "f:2: no cgroup=: 'time=60 intvl=10 probes=6'"},
      {"cgroup=x time=60 intvl=10", "f:2: give time=, intvl= and probes=, or sysctl-values"},
      {"cgroup=x sysctl-values time=60", "f:2: give time=, intvl= and probes=, or sysctl-values"},
      {"cgroup=x time=0 intvl=10 probes=6", "f:2: time= must be within 1-32767"},
      {"cgroup=x time=60 intvl=10 probes=128", "f:2: probes= must be within 1-127"},
      {"cgroup=x sysctl-values user-timeout=0", "f:2: user-timeout= must be 1-2147483 seconds"},
      {"cgroup=x sysctl-values frob", "f:2: unknown word 'frob'"},
      {"cgroup=\\x2 sysctl-values", "f:2: cgroup= is not a path"},
  };
  for (const Case& c : cases) {
    const auto parsed = parse_enforce_config(std::string("# header\n") + c.line + "\n", "f");
    ASSERT_FALSE(parsed) << c.line;
    EXPECT_EQ(parsed.error().rfind(c.error, 0), 0U) << parsed.error();
  }
}

TEST(EnforceConfig, WithPersistedReplacesAddsAndRemoves) {
  std::vector<PersistedEnforcement> entries{{"a", timings(60, 10, 6)}, {"b", timings(1, 1, 1)}};
  entries = with_persisted(entries, "a", timings(30, 5, 3));
  entries = with_persisted(entries, "c", timings(2, 2, 2));
  entries = with_persisted(entries, "b", std::nullopt);
  entries = with_persisted(entries, "missing", std::nullopt);
  const std::vector<PersistedEnforcement> expected{{"a", timings(30, 5, 3)},
                                                   {"c", timings(2, 2, 2)}};
  EXPECT_EQ(entries, expected);
}

} // namespace
} // namespace kaltune

#include "sys/netns_scan.hpp"

#include <map>

namespace kaltune {
namespace {

class PodFacts : public NodeFacts {
public:
  std::map<std::string, std::string> files;
  std::optional<std::string> read_state_file(const std::string& path) override {
    const auto it = files.find(path);
    return it == files.end() ? std::nullopt : std::optional(it->second);
  }
  std::optional<UtsName> uts_name(pid_t) override { return UtsName{"web-0", false}; }
};

TEST(EnforcePod, CgroupOfThePodTheRuntimeNames) {
  const std::string id(64, 'a');
  const std::string uid = "6f1c2a9e-3b4d-4e5f-8a7b-9c0d1e2f3a4b";
  const std::string slice = "kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod"
                            "6f1c2a9e_3b4d_4e5f_8a7b_9c0d1e2f3a4b.slice";
  PodFacts facts;
  facts.files["/run/containerd/io.containerd.runtime.v2.task/k8s.io/" + id + "/config.json"] =
      R"({"annotations":{"io.kubernetes.cri.sandbox-name":"web-0",
          "io.kubernetes.cri.sandbox-namespace":"shop"}})";
  FoundNetns host;
  host.init = true;
  host.cgroups = {{1, "0::/init.scope\n"}};
  FoundNetns systemd_driver;
  systemd_driver.cgroups = {{40, "0::/" + slice + "/cri-containerd-" + id + ".scope\n"}};
  FoundNetns cgroupfs_driver;
  cgroupfs_driver.cgroups = {{50, "4:cpu:/x\n0::/kubepods/burstable/pod" + uid + "/" + id + "\n"}};
  const PodName web{"web-0", "shop"};
  EXPECT_EQ(pod_cgroup(web, {host, systemd_driver}, facts), slice);
  EXPECT_EQ(pod_cgroup(web, {cgroupfs_driver}, facts), "kubepods/burstable/pod" + uid);
  EXPECT_EQ(pod_cgroup(PodName{"web-0", "other"}, {systemd_driver}, facts), std::nullopt);
  // A hostname alone names no namespace: nothing matches.
  PodFacts no_annotations;
  EXPECT_EQ(pod_cgroup(web, {systemd_driver}, no_annotations), std::nullopt);
}

TEST(EnforcePod, NameIsNamespaceSlashName) {
  ASSERT_TRUE(parse_pod("shop/web-0"));
  EXPECT_EQ(parse_pod("shop/web-0")->ns, "shop");
  EXPECT_EQ(parse_pod("shop/web-0")->name, "web-0");
  for (const char* bad : {"web-0", "/web-0", "shop/", "a/b/c"}) {
    EXPECT_FALSE(parse_pod(bad)) << bad;
  }
}

} // namespace
} // namespace kaltune
