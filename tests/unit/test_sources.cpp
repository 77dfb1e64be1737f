#include "core/sources.hpp"

#include "../common/temp_root.hpp"
#include "fake_procsys.hpp"

#include <gtest/gtest.h>

#include <sys/stat.h>

namespace kaltune {
namespace {

TEST(SettingsFromSnapshot, ReadsShowJson) {
  const auto settings = settings_from_snapshot("host1.json", R"({"source": "running", "settings": {
        "net.ipv4.tcp_keepalive_time": {"value": 600, "unit": "seconds", "origin": "running"},
        "net.ipv4.tcp_keepalive_intvl": {"value": 30, "unit": "seconds", "origin": "running"},
        "net.ipv4.tcp_keepalive_probes": {"value": 4, "unit": "count", "origin": "running"}}})");
  ASSERT_TRUE(settings) << settings.error();
  EXPECT_EQ(settings->source, "host1.json");
  EXPECT_EQ(settings->settings(), (Settings{600, 30, 4}));
  EXPECT_EQ((*settings)[Key::intvl].origin, "running");
  // A snapshot of a kaltune from before tcp_retries2 was a key: the kernel default, said so.
  EXPECT_EQ((*settings)[Key::retries2].origin, "kernel default (not in the snapshot)");
  const auto newer = settings_from_snapshot("host2.json", R"({"settings": {
        "net.ipv4.tcp_keepalive_time": {"value": 600},
        "net.ipv4.tcp_keepalive_intvl": {"value": 30},
        "net.ipv4.tcp_keepalive_probes": {"value": 4},
        "net.ipv4.tcp_retries2": {"value": 5, "origin": "running"}}})");
  ASSERT_TRUE(newer) << newer.error();
  EXPECT_EQ(newer->settings(), (Settings{600, 30, 4, 5}));
}

TEST(SettingsFromSnapshot, RejectsWhatIsNotOne) {
  EXPECT_FALSE(settings_from_snapshot("x", "{"));
  const auto missing = settings_from_snapshot("x", R"({"settings": {}})");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error(), "x: not a `kaltune --json show` snapshot: "
                             "settings.\"net.ipv4.tcp_keepalive_time\" is missing");
}

// A snapshot with these three values (JSON text, so any type fits).
std::string snapshot(const std::string& time, const std::string& intvl, const std::string& probes) {
  return R"({"settings": {"net.ipv4.tcp_keepalive_time": {"value": )" + time +
         R"(}, "net.ipv4.tcp_keepalive_intvl": {"value": )" + intvl +
         R"(}, "net.ipv4.tcp_keepalive_probes": {"value": )" + probes + "}}}";
}

TEST(SettingsFromSnapshot, RejectsValuesNoKernelCanHold) {
  const struct {
    std::string time, intvl, probes, error;
  } cases[] = {
      {"9223372036854775807", "1", "1",
       "s.json: net.ipv4.tcp_keepalive_time = 9223372036854775807 is outside what any kernel "
       "holds (-21474836 to 21474836)"},
      {"18446744073709551615", "1", "1",
       "s.json: net.ipv4.tcp_keepalive_time = 18446744073709551615 is outside what any kernel "
       "holds (-21474836 to 21474836)"},
      {"600", "-21474837", "1",
       "s.json: net.ipv4.tcp_keepalive_intvl = -21474837 is outside what any kernel holds "
       "(-21474836 to 21474836)"},
      {"600", "30", "256",
       "s.json: net.ipv4.tcp_keepalive_probes = 256 is outside what any kernel holds (0 to "
       "255)"},
      {"600", "30", "-1",
       "s.json: net.ipv4.tcp_keepalive_probes = -1 is outside what any kernel holds (0 to "
       "255)"},
      {"600", "30", "\"4\"",
       "s.json: not a `kaltune --json show` snapshot: "
       "settings.\"net.ipv4.tcp_keepalive_probes\".value is string, not an integer"},
      {"600.5", "30", "4",
       "s.json: not a `kaltune --json show` snapshot: "
       "settings.\"net.ipv4.tcp_keepalive_time\".value is number, not an integer"},
  };
  for (const auto& c : cases) {
    const auto result = settings_from_snapshot("s.json", snapshot(c.time, c.intvl, c.probes));
    ASSERT_FALSE(result) << c.time << " " << c.intvl << " " << c.probes;
    EXPECT_EQ(result.error(), c.error);
  }
  const auto edges = settings_from_snapshot("s.json", snapshot("21474836", "-21474836", "255"));
  ASSERT_TRUE(edges) << edges.error();
  EXPECT_EQ(edges->settings(), (Settings{21474836, -21474836, 255}));
  // Above kaltune's own write limit (INT_MAX/1000) but held by a kernel with HZ=250 or 100, as
  // `show --json` of such a host reports it: a snapshot of it is no error.
  const auto hz250 = settings_from_snapshot("s.json", snapshot("3000000", "8589934", "9"));
  ASSERT_TRUE(hz250) << hz250.error();
  EXPECT_EQ(hz250->settings(), (Settings{3000000, 8589934, 9}));
  const auto no_value =
      settings_from_snapshot("s.json", R"({"settings": {"net.ipv4.tcp_keepalive_time": 600}})");
  ASSERT_FALSE(no_value);
  EXPECT_EQ(no_value.error(), "s.json: not a `kaltune --json show` snapshot: "
                              "settings.\"net.ipv4.tcp_keepalive_time\" has no \"value\"");
  const auto no_settings = settings_from_snapshot("s.json", "[1]");
  ASSERT_FALSE(no_settings);
  EXPECT_EQ(no_settings.error(),
            "s.json: not a `kaltune --json show` snapshot: no \"settings\" object");
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
                        [&](const ConfNode& file) {
                          files_asked.push_back(file.path);
                          BootView view;
                          view.settings = sourced("x", kernel_defaults, "kernel default");
                          view.settings[Key::intvl] = {5, file.path + ":1"};
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

// A config-file reader that records which file (path, target, bytes) it was given.
struct RecordingReaders {
  test::FakeProcSys proc;
  std::vector<ConfNode> files;
  SourceReaders readers(const std::filesystem::path& root) {
    return SourceReaders{proc, [] { return BootView{}; },
                         [this](const ConfNode& file) {
                           files.push_back(file);
                           return resolve_file(file, BootModel::systemd);
                         },
                         root};
  }
};

ExitStatus status_of(const std::string& spec, const SourceReaders& readers, std::string& message) {
  try {
    load_source(spec, readers);
  } catch (const Error& e) {
    message = e.what();
    return e.status();
  }
  return ExitStatus::ok;
}

TEST(LoadSource, OnlyRegularFilesAreRead) {
  RecordingReaders recording;
  const auto readers = recording.readers("/");
  test::TempRoot root;
  const auto fifo = root.path() / "fifo";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  std::string message;
  // Without the check, the FIFO blocks forever and /dev/zero is read until memory runs out.
  EXPECT_EQ(status_of(fifo.string(), readers, message), ExitStatus::system);
  EXPECT_EQ(message, "source " + fifo.string() +
                         " is not a regular file (a FIFO); a sysctl config file or a `kaltune "
                         "--json show` snapshot must be one");
  EXPECT_EQ(status_of("/dev/zero", readers, message), ExitStatus::system);
  EXPECT_EQ(message, "source /dev/zero is not a regular file (a device); a sysctl config file or "
                     "a `kaltune --json show` snapshot must be one");
  EXPECT_EQ(status_of(root.path().string(), readers, message), ExitStatus::system);
  EXPECT_NE(message.find("is not a regular file (a directory)"), std::string::npos) << message;
  EXPECT_EQ(status_of((root.path() / "missing.conf").string(), readers, message),
            ExitStatus::system);
  EXPECT_TRUE(recording.files.empty());
}

TEST(LoadSource, SizeIsCappedAt1MiB) {
  RecordingReaders recording;
  const auto readers = recording.readers("/");
  test::TempRoot root;
  const std::string line = "net.ipv4.tcp_keepalive_time = 600\n";
  std::string content;
  while (content.size() + line.size() <= 1024 * 1024) {
    content += line;
  }
  content.append(1024 * 1024 - content.size(), '#');
  const auto fits = root.write("fits.conf", content);
  EXPECT_EQ(load_source(fits.string(), readers)[Key::time].value, 600);
  const auto big = root.write("big.conf", content + "\n");
  std::string message;
  EXPECT_EQ(status_of(big.string(), readers, message), ExitStatus::system);
  EXPECT_EQ(message, "source " + big.string() +
                         " is larger than 1 MiB: not read (not a sysctl config file or a "
                         "`kaltune --json show` snapshot)");
}

TEST(LoadSource, PathsAreReadInsideTheRoot) {
  RecordingReaders recording;
  test::TempRoot root;
  const auto readers = recording.readers(root.path());
  root.write("etc/sysctl.d/k.conf", "net.ipv4.tcp_keepalive_intvl = 5\n");
  std::filesystem::create_symlink("/etc/sysctl.d/k.conf", root.path() / "etc/link.conf");
  std::filesystem::create_symlink("/dev/null", root.path() / "etc/mask.conf");
  // An absolute link target restarts at the root: the host's /etc is never read.
  const SourcedSettings linked = load_source("/etc/link.conf", readers);
  EXPECT_EQ(linked.source, "/etc/link.conf");
  EXPECT_EQ(linked[Key::intvl].value, 5);
  EXPECT_EQ(linked[Key::intvl].origin, "/etc/link.conf:1");
  ASSERT_EQ(recording.files.size(), 1U);
  EXPECT_EQ(recording.files[0].target, "/etc/sysctl.d/k.conf");
  EXPECT_EQ(load_source("etc/sysctl.d/k.conf", readers)[Key::intvl].value, 5);
  EXPECT_EQ(load_source("/etc/mask.conf", readers).settings(), kernel_defaults);
  std::string message;
  // /etc/hostname exists on the host, not in the root.
  EXPECT_EQ(status_of("/etc/hostname", readers, message), ExitStatus::system);
  EXPECT_EQ(status_of("", readers, message), ExitStatus::usage);
}

} // namespace
} // namespace kaltune
