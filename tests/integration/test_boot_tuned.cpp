// tuned 2.20 run for real (Debian's package, daemon = 0 in a private tuned-main.conf: it applies
// the profile and exits) after the real systemd-sysctl, confined by tuned_replay.sh: a user
// namespace mapped to nobody with its own mount and network namespaces, tmpfs over /etc/tuned,
// /run, /etc/sysctl.d and /var/log. strace of such a run shows it opens for writing only
// /etc/tuned/{active_profile,post_loaded_profile,profile_mode}, /run/tuned.{log,pid} and the
// keepalive keys of /proc/sys. kaltune's boot view of the same layout must agree.

#include "../common/layouts.hpp"
#include "harness.hpp"

#include <nlohmann/json.hpp>

#include <gtest/gtest.h>

#include <filesystem>
#include <sstream>

namespace kaltune::itest {
namespace {

using namespace layouts;
namespace fs = std::filesystem;

struct TunedCase {
  std::string name;
  std::vector<Entry> entries;
  Values expected;
};

void PrintTo(const TunedCase& c, std::ostream* os) {
  *os << c.name;
}

class TunedReplay : public ::testing::TestWithParam<TunedCase> {};

TEST_P(TunedReplay, RealTunedAgreesWithKaltune) {
  KALTUNE_REQUIRE_ROOT();
  for (const char* needed : {"/usr/sbin/tuned", "/lib/systemd/systemd-sysctl", "/etc/tuned",
                             "/var/log", "/etc/sysctl.conf"}) {
    if (!fs::exists(needed)) {
      GTEST_SKIP() << needed << " is missing";
    }
  }
  TempRoot root;
  write_layout(Layout{GetParam().name, "", GetParam().entries, {}, {}}, root.path());
  fs::permissions(root.path(), fs::perms::owner_all | fs::perms::others_read |
                                   fs::perms::others_exec | fs::perms::group_read |
                                   fs::perms::group_exec);
  const std::string script = std::string(KALTUNE_SOURCE_DIR) + "/tests/integration/tuned_replay.sh";
  const auto real = run({"setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--",
                         "unshare", "--user", "--map-root-user", "--net", "--mount",
                         "--propagation", "private", "sh", script, root.path().string()});
  if (real.status != 0 && real.err.find("Operation not permitted") != std::string::npos) {
    GTEST_SKIP() << "no user namespace here: " << real.err;
  }
  ASSERT_EQ(real.status, 0) << real.err;
  std::istringstream values(real.out);
  std::vector<long> applied;
  for (long value = 0; values >> value;) {
    applied.push_back(value);
  }
  const auto predicted = run_kaltune({"--root", root.path().string(), "--boot-model", "systemd",
                                      "--json", "show", "--source", "boot"});
  ASSERT_EQ(predicted.status, 0) << predicted.err;
  const auto json = nlohmann::json::parse(predicted.out);
  std::vector<long> kaltune;
  for (const char* key : {K_TIME, K_INTVL, K_PROBES}) {
    kaltune.push_back(json["settings"][key]["value"].get<long>());
  }
  EXPECT_EQ(kaltune, applied) << real.err << json["assignments"].dump(1);
  EXPECT_EQ(std::vector<long>(GetParam().expected.begin(), GetParam().expected.end()), applied)
      << "tuned no longer does what this table recorded\n"
      << real.err;
}

const char* const enabled = "etc/systemd/system/multi-user.target.wants/tuned.service";

std::vector<Entry> profile_layout(const std::string& reapply) {
  return {file(enabled, ""),
          file("etc/tuned/tuned-main.conf",
               "daemon = 0\ndynamic_tuning = 0\nreapply_sysctl = " + reapply + "\n"),
          file("etc/tuned/active_profile", "mine\n"),
          file("etc/tuned/mine/tuned.conf",
               "[main]\ninclude=base\n[sysctl]\n" + set(K_TIME, "111") + set(K_INTVL, "\">30\"")),
          file("etc/tuned/base/tuned.conf", "[sysctl]\n" + set(K_PROBES, "5") + set(K_INTVL, "22")),
          file("etc/sysctl.d/99-kaltune.conf", set(K_TIME, "333") + set(K_PROBES, "7"))};
}

INSTANTIATE_TEST_SUITE_P(
    Layouts, TunedReplay,
    ::testing::Values(
        // The /etc file is re-applied after the profile; ">30" is not above 75: not written.
        TunedCase{"reapply", profile_layout("1"), {333, 75, 7}},
        TunedCase{"no_reapply", profile_layout("0"), {111, 75, 5}},
        TunedCase{"lower_bound_met",
                  {file(enabled, ""), file("etc/tuned/tuned-main.conf", "daemon = 0\n"),
                   file("etc/tuned/active_profile", "p\n"),
                   file("etc/tuned/p/tuned.conf", "[sysctl]\n" + set(K_INTVL, "<30"))},
                  {7200, 30, 9}}),
    [](const ::testing::TestParamInfo<TunedCase>& info) { return info.param.name; });

} // namespace
} // namespace kaltune::itest
