// Who owns each namespace, from real cgroups made for the test (cgroup v2 and, where mounted, v1,
// in the path shapes of the systemd and cgroupfs drivers) holding real processes, and OCI
// config.json files in the private /run (netns_main.cpp). The cgroups are removed afterwards.

#include "harness.hpp"
#include "netns_env.hpp"
#include "netns_holder.hpp"

#include <nlohmann/json.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <ctime>
#include <fcntl.h>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <signal.h>
#include <sstream>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

namespace kaltune::itest {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;

// The mount point of a cgroup hierarchy: cgroup2, or the v1 one with `controller`.
std::optional<fs::path> cgroup_mount(const std::string& type, const std::string& controller = "") {
  std::ifstream in("/proc/self/mountinfo");
  std::string line;
  while (std::getline(in, line)) {
    const auto dash = line.find(" - " + type + " ");
    if (dash == std::string::npos ||
        (!controller.empty() && line.find("," + controller) == std::string::npos &&
         line.find(" " + controller) == std::string::npos)) {
      continue;
    }
    std::istringstream fields(line);
    std::string field;
    for (int i = 0; i < 5; ++i) {
      fields >> field;
    }
    if (::access(field.c_str(), W_OK) == 0) {
      return fs::path(field);
    }
  }
  return std::nullopt;
}

// A subtree of a real cgroup hierarchy, removed (deepest first) at the end of its scope.
class CgroupTree {
public:
  explicit CgroupTree(fs::path root) : root_(std::move(root)) { fs::create_directories(root_); }
  ~CgroupTree() { remove(root_); }
  CgroupTree(const CgroupTree&) = delete;
  CgroupTree& operator=(const CgroupTree&) = delete;

  // Makes `relative` and moves `pid` into it.
  void put(const std::string& relative, pid_t pid) const {
    const fs::path dir = root_ / relative;
    fs::create_directories(dir);
    std::ofstream procs(dir / "cgroup.procs");
    procs << pid << '\n';
    procs.close();
    if (!procs) {
      throw std::runtime_error("cannot move " + std::to_string(pid) + " into " + dir.string());
    }
  }

private:
  static void remove(const fs::path& dir) {
    std::error_code ignored;
    for (const auto& entry : fs::directory_iterator(dir, ignored)) {
      if (entry.is_directory()) {
        remove(entry.path());
      }
    }
    ::rmdir(dir.c_str()); // cgroupfs: rmdir, never unlink of the control files
  }
  fs::path root_;
};

std::string hex_id(char c) {
  return std::string(60, c) + "0123";
}

void write_file(const fs::path& path, const std::string& text) {
  fs::create_directories(path.parent_path());
  std::ofstream(path) << text;
}

Json owner(const std::string& runtime, const std::string& id, const Json& pod = nullptr) {
  return {{"runtime", runtime.empty() ? Json(nullptr) : Json(runtime)},
          {"container_id", id.empty() ? Json(nullptr) : Json(id)},
          {"pod", pod}};
}

Json pod(const std::string& uid, const Json& name, const Json& ns, const Json& from) {
  return {{"uid", uid}, {"name", name}, {"namespace", ns}, {"name_from", from}};
}

std::map<std::uint64_t, Json> owners(const std::vector<std::string>& extra = {}) {
  std::vector<std::string> args{"--json", "show", "--all-netns"};
  args.insert(args.end(), extra.begin(), extra.end());
  const RunResult result = run_kaltune(args);
  EXPECT_EQ(result.status, 0) << result.err;
  std::map<std::uint64_t, Json> out;
  const Json document = Json::parse(result.out, nullptr, false);
  if (document.is_discarded()) {
    ADD_FAILURE() << result.out;
    return out;
  }
  for (const Json& element : document["namespaces"]) {
    out[element["inode"].get<std::uint64_t>()] = element["owner"];
  }
  return out;
}

class Owners : public ::testing::Test {
protected:
  void SetUp() override {
    KALTUNE_REQUIRE_MACHINE();
    KALTUNE_REQUIRE_ROOT();
    v2_ = cgroup_mount("cgroup2");
    if (!v2_) {
      GTEST_SKIP() << "no writable cgroup2 hierarchy mounted";
    }
    tree_ =
        std::make_unique<CgroupTree>(*v2_ / ("kaltune-test-" + std::to_string(::time(nullptr))));
  }
  std::optional<fs::path> v2_;
  std::unique_ptr<CgroupTree> tree_;
};

TEST_F(Owners, CgroupV2PodsAndContainersOfEveryDriverShape) {
  const std::string uid_a = "6f1c2a9e-3b4d-4e5f-8a7b-9c0d1e2f3a4b";
  const std::string uid_b = "0a1b2c3d-4e5f-4a6b-8c7d-8e9f0a1b2c3d";
  const std::string uid_c = "11111111-2222-4333-8444-555555555555";
  auto systemd_uid = [](std::string uid) {
    std::replace(uid.begin(), uid.end(), '-', '_');
    return uid;
  };
  Holder containerd_pod;
  Holder crio_pod;
  Holder hostname_pod({}, "cache-3");
  Holder docker;
  Holder podman;
  Holder nspawn;
  Holder bare;
  // containerd, systemd driver, pod named by its sandbox's annotations.
  tree_->put("kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" + systemd_uid(uid_a) +
                 ".slice/cri-containerd-" + hex_id('a') + ".scope",
             containerd_pod.pid());
  write_file("/run/containerd/io.containerd.runtime.v2.task/k8s.io/" + hex_id('a') + "/config.json",
             R"({"ociVersion":"1.1.0","annotations":{"io.kubernetes.cri.container-type":"sandbox",
                 "io.kubernetes.cri.sandbox-name":"web-0",
                 "io.kubernetes.cri.sandbox-namespace":"shop"}})");
  // CRI-O, cgroupfs driver: the path does not say the runtime, CRI-O's state does.
  tree_->put("kubepods/besteffort/pod" + uid_b + "/" + hex_id('b'), crio_pod.pid());
  write_file("/run/containers/storage/overlay-containers/" + hex_id('b') + "/userdata/config.json",
             R"({"annotations":{"io.kubernetes.pod.name":"db-1",
                 "io.kubernetes.pod.namespace":"data"}})");
  // A pod no runtime state names: the hostname of its UTS namespace.
  tree_->put("kubepods.slice/kubepods-pod" + systemd_uid(uid_c) + ".slice/cri-containerd-" +
                 hex_id('c') + ".scope",
             hostname_pod.pid());
  tree_->put("system.slice/docker-" + hex_id('d') + ".scope", docker.pid());
  tree_->put("machine.slice/libpod-" + hex_id('e') + ".scope", podman.pid());
  tree_->put("machine.slice/systemd-nspawn@web\\x2d1.service/payload", nspawn.pid());

  const auto found = owners();
  EXPECT_EQ(found.at(containerd_pod.inode()),
            owner("containerd", hex_id('a'), pod(uid_a, "web-0", "shop", "annotations")));
  EXPECT_EQ(found.at(crio_pod.inode()),
            owner("cri-o", hex_id('b'), pod(uid_b, "db-1", "data", "annotations")));
  EXPECT_EQ(found.at(hostname_pod.inode()),
            owner("containerd", hex_id('c'), pod(uid_c, "cache-3", nullptr, "hostname")));
  EXPECT_EQ(found.at(docker.inode()), owner("docker", hex_id('d')));
  EXPECT_EQ(found.at(podman.inode()), owner("podman", hex_id('e')));
  EXPECT_EQ(found.at(nspawn.inode()), owner("systemd-nspawn", "web-1"));
  EXPECT_EQ(found.at(bare.inode()), owner("", "")); // nothing says: null, never a guess

  // --where by owner.
  EXPECT_EQ(owners({"--where", "pod-namespace=shop"}).size(), 1u);
  const auto docker_only = owners({"--where", "runtime=docker"});
  ASSERT_EQ(docker_only.size(), 1u);
  EXPECT_EQ(docker_only.begin()->first, docker.inode());
  const auto pods = owners({"--where", "owner=pod"});
  EXPECT_EQ(pods.size(), 3u);
  const auto none = owners({"--where", "owner=none"});
  EXPECT_EQ(none.size(), 1u);
  EXPECT_EQ(none.count(bare.inode()), 1u);

  // Prometheus labels carry the pod.
  const RunResult metrics = run_kaltune({"show", "--all-netns", "--format", "prometheus"});
  EXPECT_NE(metrics.out.find("runtime=\"containerd\",container=\"" + hex_id('a') +
                             "\",pod=\"web-0\",pod_namespace=\"shop\""),
            std::string::npos)
      << metrics.out;
}

TEST_F(Owners, CgroupV1CgroupfsShapes) {
  const auto v1 = cgroup_mount("cgroup", "pids");
  if (!v1) {
    GTEST_SKIP() << "no writable cgroup v1 pids hierarchy mounted";
  }
  CgroupTree tree(*v1 / ("kaltune-test-" + std::to_string(::time(nullptr))));
  Holder docker;
  Holder podman;
  Holder lxc;
  tree.put("docker/" + hex_id('f'), docker.pid());
  tree.put("libpod_parent/libpod-" + hex_id('9'), podman.pid());
  tree.put("lxc/web", lxc.pid());
  const auto found = owners();
  EXPECT_EQ(found.at(docker.inode()), owner("docker", hex_id('f')));
  EXPECT_EQ(found.at(podman.inode()), owner("podman", hex_id('9')));
  EXPECT_EQ(found.at(lxc.inode()), owner("lxc", "web"));
}

// A pod whose process never left the host's UTS namespace (a hostNetwork pod keeps the node's
// hostname): its hostname is the node's, so the pod's name is null, never the node's name.
TEST_F(Owners, APodInTheHostsUtsNamespaceHasNoName) {
  const std::string uid = "22222222-3333-4444-8555-666666666666";
  Holder shares_host_uts; // a network namespace of its own, the host's UTS namespace
  tree_->put("kubepods/besteffort/pod" + uid + "/" + hex_id('f'), shares_host_uts.pid());
  const auto found = owners();
  EXPECT_EQ(found.at(shares_host_uts.inode()),
            owner("", hex_id('f'), pod(uid, nullptr, nullptr, nullptr)));
}

} // namespace
} // namespace kaltune::itest
