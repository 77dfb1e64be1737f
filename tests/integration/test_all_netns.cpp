// --all-netns on the real kernel, in a private PID + mount + network namespace (netns_main.cpp):
// namespaces made by `ip netns add`, by processes and by bind mounts, with values written
// inside them; kaltune must list each once with the values an outside reader (`ip netns exec`,
// `nsenter`) sees, and change all of them or none.

#include "harness.hpp"
#include "loopback.hpp"
#include "netns_env.hpp"
#include "netns_holder.hpp"

#include <nlohmann/json.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <signal.h>
#include <sstream>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

namespace kaltune::itest {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;

const char* const key_time = "net.ipv4.tcp_keepalive_time";
const char* const key_intvl = "net.ipv4.tcp_keepalive_intvl";
const char* const key_probes = "net.ipv4.tcp_keepalive_probes";

// The three values as an outside reader sees them in the namespace file `path`.
std::vector<long> nsenter_values(const std::string& path) {
  std::vector<long> values;
  for (const char* key : {key_time, key_intvl, key_probes}) {
    const RunResult result = run({"nsenter", "--net=" + path, "cat", proc_sys(key)});
    if (result.status != 0) {
      throw std::runtime_error("nsenter " + path + ": " + result.err);
    }
    values.push_back(std::stol(result.out));
  }
  return values;
}

std::vector<long> json_values(const Json& element) {
  const Json& settings = element["settings"];
  return {settings[key_time]["value"].get<long>(), settings[key_intvl]["value"].get<long>(),
          settings[key_probes]["value"].get<long>()};
}

Json parse_or_fail(const RunResult& result) {
  Json json = Json::parse(result.out, nullptr, false);
  if (json.is_discarded()) {
    ADD_FAILURE() << "not JSON:\n" << result.out << result.err;
  }
  return json;
}

// The elements of `namespaces` by inode; fails when one inode appears twice.
std::map<std::uint64_t, Json> by_inode(const Json& document) {
  std::map<std::uint64_t, Json> out;
  for (const Json& element : document["namespaces"]) {
    const auto inode = element["inode"].get<std::uint64_t>();
    EXPECT_EQ(out.count(inode), 0u) << "listed twice: " << inode;
    out[inode] = element;
  }
  EXPECT_EQ(out.count(netns_env().real_host_inode), 0u) << "the real host's namespace is visible";
  return out;
}

class AllNetns : public ::testing::Test {
protected:
  void SetUp() override {
    KALTUNE_REQUIRE_MACHINE();
    KALTUNE_REQUIRE_ROOT();
    write_sysctl(key_time, 1000);
    write_sysctl(key_intvl, 75);
    write_sysctl(key_probes, 9);
  }
  void TearDown() override {
    for (const std::string& name : ip_names_) {
      run({"ip", "netns", "del", name});
    }
    for (const std::string& path : mounts_) {
      ::umount2(path.c_str(), MNT_DETACH);
      if (path.rfind("/run/netns/", 0) == 0) {
        ::unlink(path.c_str());
      }
    }
  }

  std::string ip_netns_add(const std::string& name) {
    const RunResult result = run({"ip", "netns", "add", name});
    EXPECT_EQ(result.status, 0) << result.err;
    ip_names_.push_back(name);
    return "/run/netns/" + name;
  }

  void bind_mount(const std::string& source, const fs::path& target) {
    std::ofstream(target).close();
    ASSERT_EQ(::mount(source.c_str(), target.c_str(), nullptr, MS_BIND, nullptr), 0)
        << std::strerror(errno);
    mounts_.push_back(target);
  }

  std::vector<std::string> ip_names_;
  std::vector<std::string> mounts_;
};

TEST_F(AllNetns, EveryNamespaceOnceWithItsRealValuesProcessesAndDifferences) {
  std::map<std::uint64_t, std::string> expected; // inode → a path an outside reader can enter
  std::map<std::uint64_t, std::vector<std::string>> names;
  for (int i = 0; i < 12; ++i) {
    const std::string name = "kt-" + std::to_string(i);
    const std::string path = ip_netns_add(name);
    if (i % 3 == 0) {
      ASSERT_EQ(run({"ip", "netns", "exec", name, "sysctl", "-qw",
                     std::string(key_time) + "=" + std::to_string(1000 + i)})
                    .status,
                0);
    }
    expected[inode_of(path)] = path;
    names[inode_of(path)] = {path};
  }
  std::vector<std::unique_ptr<Holder>> holders;
  for (int i = 0; i < 12; ++i) {
    std::map<std::string, long> values;
    if (i % 2 == 0) {
      values[key_intvl] = 10 + i;
    }
    if (i == 3) {
      values = {{key_time, 1000}}; // the same as the host's
    }
    holders.push_back(std::make_unique<Holder>(values));
    expected[holders.back()->inode()] = holders.back()->netns();
  }
  // A second process in one namespace, and bind mounts outside /run/netns: still listed once.
  Holder joiner({}, "", holders[0]->netns());
  TempRoot dir;
  bind_mount(holders[1]->netns(), dir.path() / "held by a mount");
  names[holders[1]->inode()] = {(dir.path() / "held by a mount").string()};
  // A namespace only a bind mount keeps alive.
  {
    Holder transient({{key_probes, 3}});
    bind_mount(transient.netns(), dir.path() / "orphan");
    expected[transient.inode()] = (dir.path() / "orphan").string();
    names[transient.inode()] = {(dir.path() / "orphan").string()};
  }
  const std::uint64_t host = inode_of("/proc/self/ns/net");
  expected[host] = "/proc/1/ns/net";

  const RunResult result = run_kaltune({"--json", "show", "--all-netns"});
  ASSERT_EQ(result.status, 0) << result.err;
  const Json document = parse_or_fail(result);
  const auto listed = by_inode(document);
  EXPECT_EQ(listed.size(), expected.size());
  EXPECT_EQ(document["namespaces"][0]["inode"], host); // the host first
  EXPECT_EQ(document["summary"]["found"], expected.size());
  EXPECT_EQ(document["summary"]["host_inode"], host);
  EXPECT_TRUE(document["missing"].empty()) << document["missing"];
  const std::vector<long> host_values = nsenter_values(expected[host]);
  std::size_t differing = 0;
  for (const auto& [inode, path] : expected) {
    ASSERT_EQ(listed.count(inode), 1u) << "not listed: " << path;
    const Json& element = listed.at(inode);
    const std::vector<long> values = nsenter_values(path);
    EXPECT_EQ(json_values(element), values) << path;
    std::vector<std::string> differs;
    const char* const keys[] = {key_time, key_intvl, key_probes};
    for (std::size_t k = 0; k < 3; ++k) {
      if (inode != host && values[k] != host_values[k]) {
        differs.push_back(keys[k]);
      }
    }
    differing += differs.empty() ? 0 : 1;
    EXPECT_EQ(element["differs_from_host"], Json(differs)) << path;
    EXPECT_EQ(element["host"], inode == host);
    if (names.count(inode) != 0) {
      EXPECT_EQ(element["names"], Json(names[inode])) << path;
    }
  }
  EXPECT_EQ(document["summary"]["differ_from_host"], differing);
  // Processes: the holder, and the joiner beside the first.
  const Json& first = listed.at(holders[0]->inode());
  EXPECT_EQ(first["processes"]["count"], 2);
  EXPECT_EQ(first["processes"]["sample"][0]["pid"], holders[0]->pid());
  EXPECT_EQ(first["processes"]["sample"][1]["pid"], joiner.pid());
  EXPECT_EQ(listed.at(holders[1]->inode())["processes"]["count"], 1);
  EXPECT_EQ(listed.at(inode_of(dir.path() / "orphan"))["processes"]["count"], 0);
  EXPECT_EQ(first["owner"],
            (Json{{"runtime", nullptr}, {"container_id", nullptr}, {"pod", nullptr}}));

  // The table: the host's row first, then one row per namespace.
  const RunResult table = run_kaltune({"show", "--all-netns"});
  ASSERT_EQ(table.status, 0) << table.err;
  std::istringstream lines(table.out);
  std::string line;
  std::getline(lines, line);
  EXPECT_EQ(line.rfind("NETNS", 0), 0u) << table.out;
  EXPECT_NE(line.find(" PROBES RETRIES2  DETECT "), std::string::npos) << line; // the four keys
  std::getline(lines, line);
  EXPECT_EQ(line.rfind(std::to_string(host) + " ", 0), 0u) << table.out;
  EXPECT_NE(line.find("host"), std::string::npos);
  std::size_t rows = 1;
  while (std::getline(lines, line) && !line.empty()) {
    ++rows;
  }
  EXPECT_EQ(rows, expected.size()) << table.out;
}

// `count` namespaces as `ip netns add` makes them: a process unshares a network namespace and
// bind-mounts it on /run/netns/PREFIXNNNN (in this test's mount namespace), `count` times over;
// the mounts alone keep them. Returns the mount paths; fails when one cannot be made.
std::vector<std::string> add_many_netns(const std::string& prefix, int count) {
  fs::create_directories("/run/netns");
  std::vector<std::string> paths;
  for (int i = 0; i < count; ++i) {
    char name[32];
    std::snprintf(name, sizeof name, "%04d", i);
    paths.push_back("/run/netns/" + prefix + name);
  }
  const pid_t child = ::fork();
  if (child == 0) {
    for (const std::string& path : paths) {
      const int fd = ::open(path.c_str(), O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0);
      if (fd < 0 || ::close(fd) != 0 || ::unshare(CLONE_NEWNET) != 0 ||
          ::mount("/proc/thread-self/ns/net", path.c_str(), nullptr, MS_BIND, nullptr) != 0) {
        ::_exit(1);
      }
    }
    ::_exit(0);
  }
  int status = 0;
  ::waitpid(child, &status, 0);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "could not add the namespaces";
  return paths;
}

// The value of `key` in each namespace file, read from inside it (setns in a child process).
std::vector<long> values_inside(const std::vector<std::string>& paths, const std::string& key) {
  int out[2];
  if (::pipe2(out, O_CLOEXEC) != 0) {
    throw std::runtime_error("pipe2");
  }
  const pid_t child = ::fork();
  if (child == 0) {
    ::close(out[0]);
    std::string text;
    for (const std::string& path : paths) {
      const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
      long value = -1;
      if (fd >= 0 && ::setns(fd, CLONE_NEWNET) == 0) {
        std::ifstream in(proc_sys(key));
        in >> value;
      }
      if (fd >= 0) {
        ::close(fd);
      }
      text += std::to_string(value) + "\n";
    }
    [[maybe_unused]] auto n = ::write(out[1], text.data(), text.size());
    ::_exit(0);
  }
  ::close(out[1]);
  std::string text;
  char buffer[65536];
  ssize_t n = 0;
  while ((n = ::read(out[0], buffer, sizeof buffer)) > 0) {
    text.append(buffer, static_cast<std::size_t>(n));
  }
  ::close(out[0]);
  ::waitpid(child, nullptr, 0);
  std::vector<long> values;
  std::istringstream lines(text);
  for (long value = 0; lines >> value;) {
    values.push_back(value);
  }
  return values;
}

// A thousand `ip netns add` names make a mount table of 150 KiB: every namespace in it is found,
// changed and named by --where, none dropped at a read limit without a word.
TEST_F(AllNetns, AThousandNamedNamespacesAreAllFoundAndChanged) {
  const std::vector<std::string> paths = add_many_netns("kt-many-", 1000);
  for (const std::string& path : paths) {
    mounts_.push_back(path);
  }
  ASSERT_GT(read_file("/proc/self/mountinfo").size(), 65536u);
  const RunResult show = run_kaltune({"--json", "show", "--all-netns"});
  ASSERT_EQ(show.status, 0) << show.err;
  const Json document = parse_or_fail(show);
  std::size_t named = 0;
  for (const Json& element : document["namespaces"]) {
    for (const Json& name : element["names"]) {
      named += name.get<std::string>().rfind("/run/netns/kt-many-", 0) == 0 ? 1 : 0;
    }
  }
  EXPECT_EQ(named, 1000u);
  EXPECT_EQ(document["summary"]["found"], 1001); // and the host
  EXPECT_TRUE(document["missing"].empty()) << document["missing"];

  const RunResult set = run_kaltune({"set", "--all-netns", "--time", "601"});
  ASSERT_EQ(set.status, 0) << set.err;
  EXPECT_NE(set.out.find("changed 1001 of 1001 namespaces"), std::string::npos) << set.out;
  const std::vector<long> times = values_inside(paths, key_time);
  ASSERT_EQ(times.size(), 1000u);
  EXPECT_EQ(std::count(times.begin(), times.end(), 601), 1000) << "the last one: " << times.back();

  // The last name of the table, by name.
  const RunResult last =
      run_kaltune({"--json", "show", "--all-netns", "--where", "name=kt-many-0999"});
  ASSERT_EQ(last.status, 0) << last.err;
  const Json only = parse_or_fail(last);
  ASSERT_EQ(only["namespaces"].size(), 1u) << last.out;
  EXPECT_EQ(only["namespaces"][0]["names"][0], "/run/netns/kt-many-0999");
}

TEST_F(AllNetns, WhereNarrowsToDifferingOrNamed) {
  ip_netns_add("kt-same");
  const std::string other = ip_netns_add("kt-other");
  ASSERT_EQ(
      run({"ip", "netns", "exec", "kt-same", "sysctl", "-qw", "net.ipv4.tcp_keepalive_time=1000"})
          .status,
      0);
  const RunResult differs =
      run_kaltune({"--json", "show", "--all-netns", "--where", "differs=yes"});
  ASSERT_EQ(differs.status, 0) << differs.err;
  const auto listed = by_inode(parse_or_fail(differs));
  EXPECT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed.count(inode_of(other)), 1u);
  const RunResult named = run_kaltune(
      {"--json", "show", "--all-netns", "--where", "name=kt-*", "--where", "differs=no"});
  ASSERT_EQ(named.status, 0) << named.err;
  const Json document = parse_or_fail(named);
  ASSERT_EQ(document["namespaces"].size(), 1u);
  EXPECT_EQ(document["namespaces"][0]["names"][0], "/run/netns/kt-same");
  EXPECT_EQ(document["summary"]["excluded"], 2); // the host and kt-other
  const RunResult bad = run_kaltune({"show", "--all-netns", "--where", "colour=red"});
  EXPECT_EQ(bad.status, 2);
  EXPECT_NE(bad.err.find("invalid --where 'colour=red'"), std::string::npos) << bad.err;
  const RunResult alone = run_kaltune({"show", "--where", "differs=yes"});
  EXPECT_EQ(alone.status, 2) << alone.err;
}

TEST_F(AllNetns, SetChangesEveryNamespaceAndReadsBack) {
  const std::string blue = ip_netns_add("kt-blue");
  Holder holder({{key_probes, 4}});
  const RunResult dry = run_kaltune({"set", "--all-netns", "--time", "300", "--dry-run"});
  ASSERT_EQ(dry.status, 0) << dry.err;
  EXPECT_NE(dry.out.find("would change 3 of 3 namespaces"), std::string::npos) << dry.out;
  EXPECT_EQ(nsenter_values(blue), (std::vector<long>{7200, 75, 9}));
  const RunResult set = run_kaltune({"set", "--all-netns", "--time", "300", "--intvl", "20"});
  ASSERT_EQ(set.status, 0) << set.err;
  EXPECT_EQ(nsenter_values(blue), (std::vector<long>{300, 20, 9}));
  EXPECT_EQ(nsenter_values(holder.netns()), (std::vector<long>{300, 20, 4}));
  EXPECT_EQ(read_keepalive(), (std::vector<long>{300, 20, 9}));
  // --where: only the namespace named, the others keep their values.
  const RunResult narrow =
      run_kaltune({"set", "--all-netns", "--where", "name=kt-blue", "--probes", "2"});
  ASSERT_EQ(narrow.status, 0) << narrow.err;
  EXPECT_EQ(nsenter_values(blue), (std::vector<long>{300, 20, 2}));
  EXPECT_EQ(nsenter_values(holder.netns()), (std::vector<long>{300, 20, 4}));
  EXPECT_EQ(read_keepalive(), (std::vector<long>{300, 20, 9}));
}

TEST_F(AllNetns, SetRefusedInOneNamespacePutsEveryOtherBack) {
  std::vector<std::unique_ptr<Holder>> holders;
  for (int i = 0; i < 4; ++i) {
    holders.push_back(std::make_unique<Holder>(std::map<std::string, long>{{key_time, 500 + i}}));
  }
  // One write(2) per namespace (only time changes); the third one fails as a kernel refusal
  // would. Nothing is written to stdout or stderr before the writes.
  const RunResult result = run({"strace", "-o", "/dev/null", "-e", "trace=write", "-e",
                                "inject=write:error=EPERM:when=3", kaltune_binary(), "-q", "set",
                                "--all-netns", "--time", "77"});
  EXPECT_EQ(result.status, 4) << result.out << result.err;
  EXPECT_NE(result.err.find("refused"), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("put back 2 namespaces"), std::string::npos) << result.err;
  EXPECT_EQ(read_sysctl(key_time), 1000);
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(nsenter_values(holders[i]->netns())[0], 500 + i) << i;
  }
}

// `count` loopback connections, the client side of the first `keepalive` with SO_KEEPALIVE;
// left open for the life of the process.
std::function<bool()> connections(int count, int keepalive) {
  return [=] {
    loopback_at_defaults();
    auto* loopback = new Loopback(); // lives until the holder is killed
    for (int i = 0; i < count; ++i) {
      Pair& pair = loopback->connect();
      if (i < keepalive) {
        set_int_option(pair.client, SOL_SOCKET, SO_KEEPALIVE, 1);
      }
    }
    return true;
  };
}

// Established sockets and those with a keepalive timer, as `ss` sees them in `path`.
std::pair<long, long> ss_counts(const std::string& path) {
  const RunResult ss = run({"nsenter", "--net=" + path, "ss", "-tnoH", "state", "established"});
  long established = 0;
  long keepalive = 0;
  std::istringstream lines(ss.out);
  std::string line;
  while (std::getline(lines, line)) {
    ++established;
    keepalive += line.find("timer:(keepalive") != std::string::npos ? 1 : 0;
  }
  return {established, keepalive};
}

TEST_F(AllNetns, SocketsCountsEachNamespaceLikeSsAndSumsThem) {
  Holder three({}, "", "", connections(3, 1));
  Holder five({}, "", "", connections(5, 4));
  Holder none;
  const RunResult result = run_kaltune({"--json", "sockets", "--all-netns"});
  ASSERT_EQ(result.status, 0) << result.err;
  const Json document = parse_or_fail(result);
  const auto listed = by_inode(document);
  ASSERT_EQ(listed.size(), 4u); // with the host (the test process), which has none here
  long established = 0;
  long keepalive = 0;
  for (const Holder* holder : {&three, &five, &none}) {
    const auto [ss_established, ss_keepalive] = ss_counts(holder->netns());
    const Json& summary = listed.at(holder->inode())["summary"];
    EXPECT_EQ(summary["established"], ss_established) << holder->netns();
    EXPECT_EQ(summary["keepalive"], ss_keepalive) << holder->netns();
    EXPECT_EQ(summary["no_keepalive"], ss_established - ss_keepalive) << holder->netns();
    established += ss_established;
    keepalive += ss_keepalive;
  }
  EXPECT_EQ(established, 16); // both ends of 8 connections
  EXPECT_EQ(keepalive, 5);
  EXPECT_EQ(document["summary"]["sockets"]["established"], established);
  EXPECT_EQ(document["summary"]["sockets"]["keepalive"], keepalive);
  // --processes: one pass over /proc for all namespaces; the sockets' own options are read.
  const RunResult processes = run_kaltune({"--json", "sockets", "--all-netns", "--processes"});
  ASSERT_EQ(processes.status, 0) << processes.err;
  const auto with_processes = by_inode(parse_or_fail(processes));
  EXPECT_EQ(with_processes.at(five.inode())["summary"]["overriding"], 0);
  EXPECT_EQ(with_processes.at(five.inode())["summary"]["keepalive"], 4);
  const RunResult table = run_kaltune({"sockets", "--all-netns"});
  ASSERT_EQ(table.status, 0) << table.err;
  EXPECT_NE(table.out.find("NO_KEEPALIVE"), std::string::npos) << table.out;
  EXPECT_NE(table.out.find(std::to_string(five.inode()) + " "), std::string::npos) << table.out;
}

TEST_F(AllNetns, PersistIsRefusedAndNamesWhereContainerValuesComeFrom) {
  Holder holder;
  const RunResult result = run_kaltune({"set", "--all-netns", "--time", "60", "--persist"});
  EXPECT_EQ(result.status, 2);
  EXPECT_NE(result.err.find("securityContext.sysctls"), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("docker run --sysctl"), std::string::npos) << result.err;
  EXPECT_EQ(nsenter_values(holder.netns())[0], 7200);
  EXPECT_EQ(read_sysctl(key_time), 1000);
  EXPECT_EQ(run_kaltune({"--all-netns", "--pid", std::to_string(holder.pid()), "show"}).status, 2);
  EXPECT_EQ(run_kaltune({"--all-netns", "diff"}).status, 2);
}

TEST_F(AllNetns, CheckNamesTheViolatorsAndNagiosSaysItInOneLine) {
  ip_netns_add("kt-slow");
  Holder fast({{key_time, 60}});
  const RunResult check = run_kaltune({"check", "--all-netns", "--max-detect", "30m"});
  EXPECT_EQ(check.status, 1) << check.out << check.err;
  EXPECT_NE(check.out.find("1 of 3 namespaces violate the policy: kt-slow"), std::string::npos)
      << check.out;
  const RunResult nagios = run_kaltune({"check", "--all-netns", "--max-detect", "30m", "--nagios"});
  EXPECT_EQ(nagios.status, 2);
  EXPECT_EQ(
      nagios.out.rfind("KALTUNE CRITICAL - 1 of 3 namespaces violate the policy: kt-slow |", 0), 0u)
      << nagios.out;
  EXPECT_EQ(std::count(nagios.out.begin(), nagios.out.end(), '\n'), 1);
  const RunResult ok = run_kaltune({"check", "--all-netns", "--max-detect", "3h", "--nagios"});
  EXPECT_EQ(ok.status, 0) << ok.out;
  const RunResult json = run_kaltune({"--json", "check", "--all-netns", "--max-detect", "30m"});
  EXPECT_EQ(json.status, 1);
  const Json document = parse_or_fail(json);
  EXPECT_EQ(document["summary"]["status"], "critical");
  EXPECT_EQ(document["summary"]["violating"], 1);
}

TEST_F(AllNetns, PrometheusOneSeriesPerNamespaceWithEscapedLabels) {
  Holder holder({{key_time, 42}});
  TempRoot dir;
  const fs::path odd = dir.path() / "quote\"back\\slash";
  bind_mount(holder.netns(), odd);
  ip_netns_add("kt-plain");
  const RunResult result = run_kaltune({"show", "--all-netns", "--format", "prometheus"});
  ASSERT_EQ(result.status, 0) << result.err;
  const std::string escaped = "quote\\\"back\\\\slash";
  EXPECT_NE(result.out.find("kaltune_tcp_keepalive_time_seconds{netns_inode=\"" +
                            std::to_string(holder.inode()) + "\",netns=\"" + dir.path().string() +
                            "/" + escaped + "\",host=\"false\""),
            std::string::npos)
      << result.out;
  EXPECT_NE(result.out.find("} 42\n"), std::string::npos);
  EXPECT_EQ(std::count(result.out.begin(), result.out.end(), '\n'),
            6 * (2 + 3) + 3); // six families of 3 series, and the not-shown count
  const RunResult promtool = run({"promtool", "check", "metrics"}, {{}, {}, {}, {}, result.out});
  EXPECT_EQ(promtool.status, 0) << promtool.out << promtool.err << result.out;
}

TEST_F(AllNetns, ProcessesAndNamespacesGoneDuringTheScanAreCounted) {
  // A zombie: listed in /proc, its namespaces already gone.
  const pid_t zombie = ::fork();
  if (zombie == 0) {
    ::_exit(0);
  }
  Holder first;
  Holder second;
  const std::uint64_t first_inode = first.inode();
  const std::uint64_t second_inode = second.inode();
  // The namespace visited second goes away while kaltune waits in its first setns.
  Holder& victim = first_inode > second_inode ? first : second;
  const std::uint64_t victim_inode = victim.inode();
  std::thread killer([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(400));
    victim.stop();
  });
  const RunResult result = run({"strace", "-o", "/dev/null", "-e", "trace=setns", "-e",
                                "inject=setns:delay_enter=1500000:when=1", kaltune_binary(),
                                "--json", "show", "--all-netns"});
  killer.join();
  ::waitpid(zombie, nullptr, 0);
  ASSERT_EQ(result.status, 0) << result.err;
  const Json document = parse_or_fail(result);
  const auto listed = by_inode(document);
  EXPECT_EQ(listed.count(victim_inode), 0u);
  EXPECT_EQ(listed.size(), 2u); // the host and the survivor
  EXPECT_EQ(document["summary"]["found"], 3);
  EXPECT_GE(document["summary"]["vanished"], 2); // the zombie and the victim
}

TEST_F(AllNetns, WithoutRootTheRestIsListedAsMissing) {
  ip_netns_add("kt-locked");
  Holder holder;
  RunOptions nobody;
  nobody.uid = 65534;
  nobody.gid = 65534;
  const RunResult result = run_kaltune({"--json", "show", "--all-netns"}, nobody);
  ASSERT_EQ(result.status, 0) << result.err;
  const Json document = parse_or_fail(result);
  ASSERT_EQ(document["namespaces"].size(), 1u) << document;
  EXPECT_EQ(document["namespaces"][0]["self"], true);
  EXPECT_EQ(document["namespaces"][0]["inode"], inode_of("/proc/self/ns/net"));
  EXPECT_EQ(json_values(document["namespaces"][0]), (std::vector<long>{1000, 75, 9}));
  const std::string missing = document["missing"].dump();
  EXPECT_NE(missing.find("/run/netns/kt-locked"), std::string::npos) << missing;
  EXPECT_NE(missing.find("run as root"), std::string::npos) << missing;
  const RunResult set = run_kaltune({"set", "--all-netns", "--time", "100"}, nobody);
  EXPECT_EQ(set.status, 3) << set.err;
  EXPECT_NE(set.err.find("nothing changed"), std::string::npos) << set.err;
  EXPECT_EQ(read_sysctl(key_time), 1000);
}

// Root in a user namespace of its own (euid 0 there) cannot look at the host's processes'
// namespaces: the reason names what denies it, never "run as root" to a process that is root.
TEST_F(AllNetns, RootThatIsDeniedIsNotToldToRunAsRoot) {
  Holder holder;
  const RunResult result = run(
      {"unshare", "--user", "--map-root-user", kaltune_binary(), "--json", "show", "--all-netns"});
  ASSERT_EQ(result.status, 0) << result.err;
  const Json document = parse_or_fail(result);
  const std::string missing = document["missing"].dump();
  ASSERT_FALSE(document["missing"].empty()) << result.out;
  EXPECT_EQ(missing.find("run as root"), std::string::npos) << missing;
  EXPECT_NE(missing.find("Permission denied (kaltune runs as root already: "), std::string::npos)
      << missing;
}

} // namespace
} // namespace kaltune::itest
