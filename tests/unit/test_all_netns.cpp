#include "core/all_netns.hpp"

#include "fake_procsys.hpp"

#include <gtest/gtest.h>

#include <cerrno>
#include <map>
#include <optional>

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
  const Settings host{600, 30, 5};
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
}

// apply_everywhere with a runner that keeps a fake /proc/sys per namespace (by inode) and can
// refuse in one of them, or fail to put one back: no root, no namespace needed.
class FakeNamespaces {
public:
  std::map<std::uint64_t, test::FakeProcSys> procs;
  std::optional<std::uint64_t> refuse;      // every write here fails (EPERM)
  std::optional<std::uint64_t> refuse_undo; // the second visit here fails (EIO)
  std::optional<std::uint64_t> gone;        // vanished before its turn
  std::map<std::uint64_t, int> visits;

  NetnsRunner runner() {
    return [this](const FoundNetns& netns, const std::function<void(ProcSys&)>& action) {
      const std::uint64_t ino = netns.id.ino;
      if (gone == ino) {
        return false;
      }
      test::FakeProcSys& proc = procs[ino];
      if (++visits[ino] == 2 && refuse_undo == ino) {
        throw SystemError(EIO, "cannot write net.ipv4.tcp_keepalive_time");
      }
      if (refuse == ino) {
        proc.fail_write = proc.writes.size() + 1;
        proc.fail_errno = EPERM;
      }
      action(proc);
      return true;
    };
  }
  long value(std::uint64_t ino) { return std::stol(procs[ino].read(sysctl_name(Key::time))); }
};

std::vector<NetnsChange> changes_for(const Fixture& f, std::int64_t time) {
  std::vector<NetnsChange> changes;
  for (const FoundNetns* netns : {&f.host_ns, &f.pod_ns, &f.bare_ns}) {
    const NetnsEntry entry{*netns, {}, kernel_defaults, kernel_defaults};
    Settings after = kernel_defaults;
    after[Key::time] = time;
    changes.push_back({entry, after, plan_changes(kernel_defaults, after)});
  }
  return changes;
}

TEST(ApplyEverywhere, ChangesEveryNamespace) {
  const Fixture f;
  FakeNamespaces spaces;
  auto changes = changes_for(f, 600);
  EXPECT_FALSE(apply_everywhere(changes, spaces.runner()));
  for (std::uint64_t ino : {100, 200, 300}) {
    EXPECT_EQ(spaces.value(ino), 600) << ino;
  }
  EXPECT_TRUE(changes[2].done);
}

TEST(ApplyEverywhere, ARefusalPutsBackTheNamespacesChangedBeforeIt) {
  const Fixture f;
  FakeNamespaces spaces;
  spaces.refuse = 300;
  auto changes = changes_for(f, 600);
  const auto failure = apply_everywhere(changes, spaces.runner());
  ASSERT_TRUE(failure);
  EXPECT_EQ(failure->refused, 2u);
  EXPECT_NE(failure->error.find("net.ipv4.tcp_keepalive_time"), std::string::npos);
  EXPECT_EQ(failure->restored, (std::vector<std::size_t>{0, 1}));
  EXPECT_TRUE(failure->not_restored.empty());
  for (std::uint64_t ino : {100, 200, 300}) {
    EXPECT_EQ(spaces.value(ino), 7200) << ino;
  }
}

TEST(ApplyEverywhere, ANamespaceThatCannotBePutBackIsNamedAsSuch) {
  const Fixture f;
  FakeNamespaces spaces;
  spaces.refuse = 300;
  spaces.refuse_undo = 100;
  auto changes = changes_for(f, 600);
  const auto failure = apply_everywhere(changes, spaces.runner());
  ASSERT_TRUE(failure);
  EXPECT_EQ(failure->restored, (std::vector<std::size_t>{1}));
  ASSERT_EQ(failure->not_restored.size(), 1u);
  EXPECT_EQ(failure->not_restored.front().first, 0u);
  EXPECT_EQ(spaces.value(100), 600); // it keeps the new value, and the failure says so
  EXPECT_EQ(spaces.value(200), 7200);
}

TEST(ApplyEverywhere, AVanishedNamespaceIsNoRefusal) {
  const Fixture f;
  FakeNamespaces spaces;
  spaces.gone = 200;
  auto changes = changes_for(f, 600);
  EXPECT_FALSE(apply_everywhere(changes, spaces.runner()));
  EXPECT_TRUE(changes[1].gone);
  EXPECT_FALSE(changes[1].done);
  EXPECT_EQ(spaces.value(300), 600);
}

} // namespace
} // namespace kaltune
