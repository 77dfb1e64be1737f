#include "core/all_netns.hpp"

#include <gtest/gtest.h>

namespace kaltune {
namespace {

std::vector<WhereCondition> where(std::initializer_list<std::string_view> texts) {
  std::vector<WhereCondition> out;
  for (auto text : texts) {
    auto condition = parse_where(text);
    EXPECT_TRUE(condition) << text;
    out.push_back(*condition);
  }
  return out;
}

struct Fixture {
  FoundNetns host_ns;
  FoundNetns pod_ns;
  FoundNetns bare_ns;
  Fixture() {
    host_ns.init = true;
    host_ns.id = {1, 100};
    pod_ns.id = {1, 200};
    pod_ns.mounts = {"/run/netns/cni-1234"};
    bare_ns.id = {1, 300};
    bare_ns.mounts = {"/run/netns/blue", "/srv/holder"};
  }
};

TEST(ParseWhere, AcceptsTheFieldsAndRefusesTheRest) {
  EXPECT_TRUE(parse_where("runtime=containerd"));
  EXPECT_TRUE(parse_where("pod-namespace=kube-*"));
  EXPECT_TRUE(parse_where("differs=yes"));
  EXPECT_TRUE(parse_where("owner=none"));
  for (std::string_view bad :
       {"runtime", "runtime=", "=x", "color=red", "differs=maybe", "owner=someone", ""}) {
    const auto result = parse_where(bad);
    ASSERT_FALSE(result) << bad;
    EXPECT_NE(result.error().find("invalid --where '" + std::string(bad) + "'"), std::string::npos);
    EXPECT_NE(result.error().find("runtime="), std::string::npos);
  }
}

// A pattern fnmatch cannot read matches nothing there, silently: refused instead, naming it.
TEST(ParseWhere, RefusesWhatIsNoShellGlob) {
  for (std::string_view good :
       {"name=kt-*", "name=kt-[0-9]", "name=kt-[!a]?", "name=[]]x", "name=\\[literal",
        "pod=[[:alpha:]]*", "container=[a-f0-9]*", "name=a\\]", "name=[a\\]]"}) {
    EXPECT_TRUE(parse_where(good)) << good << ": " << parse_where(good).error();
  }
  const std::pair<std::string_view, std::string_view> bad[] = {
      {"name=kt-[", "the '[' at 4 is never closed"},
      {"name=[!]", "the '[' at 1 is never closed"},
      {"name=abc\\", "it ends in a lone backslash"},
      {"pod=[[:colour:]]", "'[:colour:]' is no character class"},
      {"pod-uid=[z-a]*", "the range 'z-a' is empty"},
      {"runtime=[[:alpha:]", "the '[' at 1 is never closed"},
  };
  for (const auto& [text, why] : bad) {
    const auto result = parse_where(text);
    ASSERT_FALSE(result) << text;
    const std::string pattern(text.substr(text.find('=') + 1));
    const std::string said = "invalid --where '" + std::string(text) + "': '" + pattern +
                             "' is not a shell glob: " + std::string(why);
    EXPECT_EQ(result.error().rfind(said, 0), 0u) << result.error();
  }
}

TEST(Matches, OwnerNameAndDifferences) {
  const Fixture f;
  const Settings host{{600, 30, 5}};
  Owner pod;
  pod.runtime = Runtime::containerd;
  pod.container_id = std::string(64, 'a');
  pod.pod_uid = "u";
  pod.pod_name = "web-0";
  pod.pod_namespace = "shop";
  const NetnsEntry host_entry{f.host_ns, {}, host, host};
  const NetnsEntry pod_entry{f.pod_ns, pod, kernel_defaults, host};
  const NetnsEntry bare_entry{f.bare_ns, {}, host, host};

  EXPECT_TRUE(matches({}, pod_entry));
  EXPECT_TRUE(matches(where({"runtime=containerd", "pod-namespace=sh*"}), pod_entry));
  EXPECT_FALSE(matches(where({"runtime=containerd", "pod-namespace=kube-system"}), pod_entry));
  EXPECT_FALSE(matches(where({"runtime=containerd"}), bare_entry));
  EXPECT_TRUE(matches(where({"pod=web-?"}), pod_entry));
  EXPECT_TRUE(matches(where({"container=aaaa*"}), pod_entry));

  EXPECT_TRUE(matches(where({"differs=yes"}), pod_entry));
  EXPECT_EQ(pod_entry.differences(), (std::vector<Key>{Key::time, Key::intvl, Key::probes}));
  EXPECT_TRUE(matches(where({"differs=no"}), bare_entry));
  EXPECT_TRUE(matches(where({"differs=no"}), host_entry)); // the host never differs from itself

  EXPECT_TRUE(matches(where({"owner=none"}), bare_entry));
  EXPECT_FALSE(matches(where({"owner=none"}), host_entry));
  EXPECT_TRUE(matches(where({"owner=host"}), host_entry));
  EXPECT_TRUE(matches(where({"owner=pod"}), pod_entry));
  EXPECT_TRUE(matches(where({"owner=container"}), pod_entry));
  EXPECT_FALSE(matches(where({"owner=container"}), bare_entry));

  EXPECT_TRUE(matches(where({"name=blue"}), bare_entry));
  EXPECT_TRUE(matches(where({"name=/srv/*"}), bare_entry));
  EXPECT_TRUE(matches(where({"name=cni-*"}), pod_entry));
  EXPECT_FALSE(matches(where({"name=blue"}), host_entry));
}

TEST(NetnsEntry, DifferencesNeedAKnownHost) {
  const Fixture f;
  const NetnsEntry unknown{f.bare_ns, {}, kernel_defaults, std::nullopt};
  EXPECT_TRUE(unknown.differences().empty());
  EXPECT_EQ(unknown.label(), "/run/netns/blue");
}

} // namespace
} // namespace kaltune
