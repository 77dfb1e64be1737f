#include "core/sources.hpp"

#include "fake_procsys.hpp"
#include "temp_root.hpp"

#include <gtest/gtest.h>

namespace kaltune {
namespace {

TEST(SettingsFromSnapshot, ReadsShowJson) {
  const auto settings = settings_from_snapshot("host1.json", R"({"source": "running", "settings": {
        "net.ipv4.tcp_keepalive_time": {"value": 600, "unit": "seconds", "origin": "running"},
        "net.ipv4.tcp_keepalive_intvl": {"value": 30, "unit": "seconds", "origin": "running"},
        "net.ipv4.tcp_keepalive_probes": {"value": 4, "unit": "count", "origin": "running"}}})");
  ASSERT_TRUE(settings) << settings.error();
  EXPECT_EQ(settings->source, "host1.json");
  EXPECT_EQ(settings->settings(), (Settings{{600, 30, 4}}));
  EXPECT_EQ((*settings)[Key::intvl].origin, "running");
}

TEST(SettingsFromSnapshot, RejectsWhatIsNotOne) {
  EXPECT_FALSE(settings_from_snapshot("x", "{"));
  const auto missing = settings_from_snapshot("x", R"({"settings": {}})");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error(), "x: not a `kaltune --json show` snapshot: no integer "
                             "settings.\"net.ipv4.tcp_keepalive_time\".value");
}

TEST(LoadSource, NamesAndErrors) {
  test::FakeProcSys proc;
  proc.values["net.ipv4.tcp_keepalive_time"] = "300\n";
  bool boot_asked = false;
  std::vector<std::string> files_asked;
  SourceReaders readers{proc,
                        [&] {
                          boot_asked = true;
                          BootView view;
                          view.settings = sourced("x", kernel_defaults, "kernel default");
                          return view;
                        },
                        [&](const std::string& path) {
                          files_asked.push_back(path);
                          BootView view;
                          view.settings = sourced("x", kernel_defaults, "kernel default");
                          view.settings[Key::intvl] = {5, path + ":1"};
                          return view;
                        }};
  EXPECT_EQ(load_source("running", readers)[Key::time].value, 300);
  EXPECT_FALSE(boot_asked);
  EXPECT_EQ(load_source("boot", readers).source, "boot");
  EXPECT_TRUE(boot_asked);
  EXPECT_EQ(load_source("default", readers).settings(), kernel_defaults);
  try {
    load_source("bogus", readers);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.status(), ExitStatus::usage);
  }
  test::TempRoot root;
  const auto file = root.write("k.conf", "net.ipv4.tcp_keepalive_intvl = 5\n");
  const SourcedSettings conf = load_source(file.string(), readers);
  EXPECT_EQ(conf.source, file.string());
  EXPECT_EQ(conf[Key::intvl].origin, file.string() + ":1");
  EXPECT_EQ(files_asked, std::vector<std::string>{file.string()});
  const auto bad = root.write("bad.json", "{ nope");
  try {
    load_source(bad.string(), readers);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.status(), ExitStatus::usage);
  }
}

} // namespace
} // namespace kaltune
