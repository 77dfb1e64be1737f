#include "core/sources.hpp"

#include "fake_procsys.hpp"
#include "temp_root.hpp"

#include <gtest/gtest.h>

namespace kaltune {
namespace {

TEST(KernelReading, LikeTheKernel) {
  EXPECT_EQ(kernel_reading(Key::time, "600"), 600);
  EXPECT_EQ(kernel_reading(Key::time, "0300"), 192);
  EXPECT_EQ(kernel_reading(Key::time, "0x258"), 600);
  EXPECT_EQ(kernel_reading(Key::time, "600 700"), 600);
  EXPECT_EQ(kernel_reading(Key::time, "-5"), -5);
  EXPECT_EQ(kernel_reading(Key::time, "0"), 0);
  EXPECT_EQ(kernel_reading(Key::time, "+5"), std::nullopt);
  EXPECT_EQ(kernel_reading(Key::time, "5.5"), std::nullopt);
  EXPECT_EQ(kernel_reading(Key::time, "\"600\""), std::nullopt);
  EXPECT_EQ(kernel_reading(Key::time, "ten"), std::nullopt);
  EXPECT_EQ(kernel_reading(Key::time, "99999999999999"), std::nullopt);
  EXPECT_EQ(kernel_reading(Key::probes, "256"), std::nullopt);
  EXPECT_EQ(kernel_reading(Key::probes, "-1"), std::nullopt);
}

TEST(SettingsFromConf, LastAssignmentWinsWithOrigins) {
  const auto settings = settings_from_conf("/tmp/k.conf", "net.ipv4.tcp_keepalive_time = 100\n# c\n"
                                                          "net/ipv4/tcp_keepalive_time=0x258\n"
                                                          "net.ipv4.tcp_keepalive_probes = bad\n");
  EXPECT_EQ(settings.source, "/tmp/k.conf");
  EXPECT_EQ(settings[Key::time].value, 600);
  EXPECT_EQ(settings[Key::time].origin, "/tmp/k.conf:3");
  EXPECT_EQ(settings[Key::probes].value, 9);
  EXPECT_EQ(settings[Key::probes].origin, "kernel default");
}

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
  SourceReaders readers{proc, [&] {
                          boot_asked = true;
                          BootView view;
                          view.settings = sourced("x", kernel_defaults, "kernel default");
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
  try {
    load_source("/nonexistent/k.conf", readers);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.status(), ExitStatus::system);
    EXPECT_NE(std::string(e.what()).find("cannot read source /nonexistent/k.conf"),
              std::string::npos);
  }
  test::TempRoot root;
  const auto file = root.write("k.conf", "net.ipv4.tcp_keepalive_intvl = 5\n");
  EXPECT_EQ(load_source(file.string(), readers)[Key::intvl].value, 5);
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
