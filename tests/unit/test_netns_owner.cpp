#include "core/netns_owner.hpp"

#include <gtest/gtest.h>

#include <map>
#include <set>

namespace kaltune {
namespace {

const std::string id_a(64, 'a');
const std::string id_b = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
const std::string uid = "6f1c2a9e-3b4d-4e5f-8a7b-9c0d1e2f3a4b";
const std::string uid_systemd = "6f1c2a9e_3b4d_4e5f_8a7b_9c0d1e2f3a4b";

struct PathCase {
  std::string path;
  CgroupMatch expected;
};

CgroupMatch m(std::optional<Runtime> runtime, std::optional<std::string> id,
              std::optional<std::string> pod = std::nullopt) {
  return CgroupMatch{runtime, std::move(id), std::move(pod)};
}

TEST(MatchCgroupPath, EveryDriverAndRuntimeShape) {
  const std::vector<PathCase> cases = {
      // Kubernetes, systemd driver: containerd, CRI-O (container and its conmon).
      {"/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" + uid_systemd +
           ".slice/cri-containerd-" + id_a + ".scope",
       m(Runtime::containerd, id_a, uid)},
      {"/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" + uid_systemd +
           ".slice/crio-" + id_b + ".scope",
       m(Runtime::crio, id_b, uid)},
      {"/kubepods.slice/kubepods-pod" + uid_systemd + ".slice/crio-conmon-" + id_b + ".scope",
       m(Runtime::crio, id_b, uid)},
      // Guaranteed QoS has no QoS slice; the pod slice alone names the pod.
      {"/kubepods.slice/kubepods-pod" + uid_systemd + ".slice", m(std::nullopt, std::nullopt, uid)},
      // cgroupfs driver: the id does not say which runtime.
      {"/kubepods/burstable/pod" + uid + "/" + id_a, m(std::nullopt, id_a, uid)},
      {"/kubepods/pod" + uid + "/" + id_b, m(std::nullopt, id_b, uid)},
      // A static pod's UID is the 32-hex hash of its manifest.
      {"/kubepods/besteffort/pod0123456789abcdef0123456789abcdef/" + id_a,
       m(std::nullopt, id_a, "0123456789abcdef0123456789abcdef")},
      // Under a kubelet that itself runs in a cgroup (kind, nested nodes).
      {"/system.slice/kaltune-test/kubepods/burstable/pod" + uid + "/" + id_a,
       m(std::nullopt, id_a, uid)},
      // Docker: systemd and cgroupfs drivers.
      {"/system.slice/docker-" + id_a + ".scope", m(Runtime::docker, id_a)},
      {"/docker/" + id_b, m(Runtime::docker, id_b)},
      // Podman: root (machine.slice), rootless (user slice), cgroupfs, conmon.
      {"/machine.slice/libpod-" + id_a + ".scope", m(Runtime::podman, id_a)},
      {"/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-" + id_b + ".scope",
       m(Runtime::podman, id_b)},
      {"/libpod_parent/libpod-" + id_a, m(Runtime::podman, id_a)},
      {"/machine.slice/libpod-conmon-" + id_a + ".scope", m(Runtime::podman, id_a)},
      {"/machine.slice/libpod-" + id_a + ".scope/container", m(Runtime::podman, id_a)},
      // containerd without Kubernetes: nerdctl's scope; ctr's cgroupfs /<namespace>/<id>.
      {"/system.slice/nerdctl-" + id_a + ".scope", m(Runtime::containerd, id_a)},
      {"/default/" + id_b, m(std::nullopt, id_b)},
      // systemd-nspawn: as a service, and registered with machined (escaped name).
      {"/machine.slice/systemd-nspawn@web\\x2d1.service/payload/system.slice/nginx.service",
       m(Runtime::nspawn, "web-1")},
      {"/machine.slice/machine-build\\x2dbox.scope/init.scope", m(Runtime::nspawn, "build-box")},
      // LXC 4+ (payload) and before (/lxc/<name>).
      {"/lxc.payload.c1/init.scope", m(Runtime::lxc, "c1")},
      {"/lxc/web", m(Runtime::lxc, "web")},
      // Nothing to say: the host, a session, a service, a bare unshare.
      {"/", m(std::nullopt, std::nullopt)},
      {"/user.slice/user-0.slice/session-3.scope", m(std::nullopt, std::nullopt)},
      {"/system.slice/ssh.service", m(std::nullopt, std::nullopt)},
      // Look-alikes: too short an id, not hex, a "pod" outside kubepods, a machine slice.
      {"/docker/" + id_a.substr(1), m(std::nullopt, std::nullopt)},
      {"/system.slice/docker-" + std::string(64, 'g') + ".scope", m(std::nullopt, std::nullopt)},
      {"/system.slice/pod" + uid + ".slice", m(std::nullopt, std::nullopt)},
      {"/machine.slice", m(std::nullopt, std::nullopt)},
      {"/kubepods.slice/kubepods-burstable.slice", m(std::nullopt, std::nullopt)},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(match_cgroup_path(c.path), c.expected) << c.path;
  }
}

TEST(MatchCgroupFile, TheLineThatSaysMostWins) {
  // cgroup v1 with a v2 line that is only "/" (hybrid), and v2 only.
  const std::string v1 = "12:pids:/docker/" + id_a + "\n11:memory:/docker/" + id_a +
                         "\n1:name=systemd:/docker/" + id_a + "\n0::/\n";
  EXPECT_EQ(match_cgroup_file(v1), m(Runtime::docker, id_a));
  const std::string v2 = "0::/kubepods.slice/kubepods-pod" + uid_systemd +
                         ".slice/cri-containerd-" + id_b + ".scope\n";
  EXPECT_EQ(match_cgroup_file(v2), m(Runtime::containerd, id_b, uid));
  // A controller that still has the pod alone loses to one that names the container.
  const std::string mixed =
      "4:cpu:/kubepods/pod" + uid + "\n3:pids:/kubepods/pod" + uid + "/" + id_a + "\n";
  EXPECT_EQ(match_cgroup_file(mixed), m(std::nullopt, id_a, uid));
  EXPECT_EQ(match_cgroup_file("garbage\n\n0::\n"), m(std::nullopt, std::nullopt));
}

TEST(PodFromOciConfig, ContainerdAndCrioAnnotations) {
  const auto containerd = pod_from_oci_config(
      R"({"ociVersion":"1.1.0","annotations":{"io.kubernetes.cri.container-type":"sandbox",
          "io.kubernetes.cri.sandbox-name":"web-0","io.kubernetes.cri.sandbox-namespace":"shop"}})");
  ASSERT_TRUE(containerd);
  EXPECT_EQ(containerd->name, "web-0");
  EXPECT_EQ(containerd->ns, "shop");
  const auto crio = pod_from_oci_config(
      R"({"annotations":{"io.kubernetes.pod.name":"db-1","io.kubernetes.pod.namespace":"data"}})");
  ASSERT_TRUE(crio);
  EXPECT_EQ(crio->name, "db-1");
  EXPECT_EQ(crio->ns, "data");
  EXPECT_FALSE(pod_from_oci_config(R"({"annotations":{"other":"x"}})"));
  EXPECT_FALSE(pod_from_oci_config(R"({"annotations":{"io.kubernetes.pod.name":7}})"));
  EXPECT_FALSE(pod_from_oci_config(R"({"annotations":[]})"));
  EXPECT_FALSE(pod_from_oci_config("{not json"));
  EXPECT_FALSE(pod_from_oci_config(""));
}

TEST(OciConfigPaths, OnlyForContainerIds) {
  EXPECT_EQ(oci_config_paths(Runtime::containerd, id_a).size(), 1u);
  EXPECT_EQ(oci_config_paths(std::nullopt, id_a).size(), 2u);
  EXPECT_TRUE(oci_config_paths(Runtime::docker, id_a).empty());
  EXPECT_TRUE(oci_config_paths(std::nullopt, "../../etc").empty());
}

class TableFacts : public NodeFacts {
public:
  std::map<std::string, std::string> files;
  std::map<pid_t, std::string> hostnames;
  std::vector<std::string> reads;
  std::optional<std::string> read_state_file(const std::string& path) override {
    reads.push_back(path);
    const auto it = files.find(path);
    return it == files.end() ? std::nullopt : std::optional(it->second);
  }
  std::set<pid_t> host_uts; // processes in the host's UTS namespace
  std::optional<UtsName> uts_name(pid_t pid) override {
    const auto it = hostnames.find(pid);
    if (it == hostnames.end()) {
      return std::nullopt;
    }
    return UtsName{it->second, host_uts.count(pid) != 0};
  }
};

TEST(AttributeOwner, PodNameFromContainerdAnnotations) {
  TableFacts facts;
  facts.files["/run/containerd/io.containerd.runtime.v2.task/k8s.io/" + id_a + "/config.json"] =
      R"({"annotations":{"io.kubernetes.cri.sandbox-name":"web-0",
          "io.kubernetes.cri.sandbox-namespace":"shop"}})";
  facts.hostnames[10] = "ignored";
  const auto owner =
      attribute_owner({{10, "0::/kubepods/burstable/pod" + uid + "/" + id_a + "\n"}}, facts);
  EXPECT_EQ(owner.runtime, Runtime::containerd); // the state file says which runtime
  EXPECT_EQ(owner.container_id, id_a);
  EXPECT_EQ(owner.pod_uid, uid);
  EXPECT_EQ(owner.pod_name, "web-0");
  EXPECT_EQ(owner.pod_namespace, "shop");
  EXPECT_EQ(owner.pod_source, "annotations");
}

TEST(AttributeOwner, PodNameFromCrioAnnotationsOfASecondContainer) {
  TableFacts facts;
  facts.files["/run/containers/storage/overlay-containers/" + id_b + "/userdata/config.json"] =
      R"({"annotations":{"io.kubernetes.pod.name":"db-1","io.kubernetes.pod.namespace":"data"}})";
  const std::string pod = "/kubepods.slice/kubepods-pod" + uid_systemd + ".slice/crio-";
  const auto owner = attribute_owner(
      {{5, "0::" + pod + id_a + ".scope\n"}, {9, "0::" + pod + id_b + ".scope\n"}}, facts);
  EXPECT_EQ(owner.runtime, Runtime::crio);
  EXPECT_EQ(owner.container_id, id_a); // the lowest pid's container: the sandbox's
  EXPECT_EQ(owner.pod_name, "db-1");
  EXPECT_EQ(owner.pod_namespace, "data");
}

TEST(AttributeOwner, HostnameWhenNoAnnotations) {
  TableFacts facts;
  facts.hostnames[7] = "web-0";
  const auto owner = attribute_owner({{7, "0::/kubepods.slice/kubepods-pod" + uid_systemd +
                                              ".slice/cri-containerd-" + id_a + ".scope\n"}},
                                     facts);
  EXPECT_EQ(owner.pod_name, "web-0");
  EXPECT_EQ(owner.pod_namespace, std::nullopt);
  EXPECT_EQ(owner.pod_source, "hostname");
}

// A pod in the host's UTS namespace (hostNetwork) has the node's hostname: not the pod's name.
TEST(AttributeOwner, TheHostsHostnameIsNoPodName) {
  TableFacts facts;
  facts.hostnames[7] = "node-4";
  facts.host_uts.insert(7);
  const auto owner = attribute_owner({{7, "0::/kubepods.slice/kubepods-pod" + uid_systemd +
                                              ".slice/cri-containerd-" + id_a + ".scope\n"}},
                                     facts);
  EXPECT_EQ(owner.pod_uid, uid);
  EXPECT_EQ(owner.pod_name, std::nullopt);
  EXPECT_EQ(owner.pod_source, std::nullopt);
}

TEST(AttributeOwner, NothingSaysNothingIsGuessed) {
  TableFacts facts;
  facts.hostnames[3] = "somehost";
  const auto bare = attribute_owner({{3, "0::/user.slice/user-0.slice/session-1.scope\n"}}, facts);
  EXPECT_FALSE(bare.known());
  EXPECT_EQ(bare, Owner{});
  EXPECT_TRUE(facts.reads.empty()); // no state file read without a container id
  // A Docker container: no pod, so no hostname and no annotations read.
  const auto docker = attribute_owner({{3, "0::/system.slice/docker-" + id_a + ".scope\n"}}, facts);
  EXPECT_EQ(docker.runtime, Runtime::docker);
  EXPECT_EQ(docker.pod_name, std::nullopt);
  // A bare id no runtime's state knows keeps a null runtime.
  const auto unknown = attribute_owner({{3, "0::/default/" + id_b + "\n"}}, facts);
  EXPECT_EQ(unknown.runtime, std::nullopt);
  EXPECT_EQ(unknown.container_id, id_b);
}

} // namespace
} // namespace kaltune
