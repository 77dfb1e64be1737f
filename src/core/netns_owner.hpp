#pragma once

// Who owns a network namespace, from what the node already has: the cgroup paths of its
// processes (runtime, container id, Kubernetes pod UID) and the runtime's OCI config.json
// annotations (pod name and namespace), else the pod's UTS hostname. Nothing is guessed: a field
// nothing names stays empty (null in JSON).

#include "sys/node_facts.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <sys/types.h>
#include <utility>
#include <vector>

namespace kaltune {

enum class Runtime { containerd, crio, docker, podman, nspawn, lxc };

// "containerd", "cri-o", "docker", "podman", "systemd-nspawn", "lxc"
std::string_view runtime_name(Runtime runtime);

// What one cgroup path says.
struct CgroupMatch {
  std::optional<Runtime> runtime;
  std::optional<std::string> container_id; // a 64-hex id, or a machine/container name
  std::optional<std::string> pod_uid;      // with dashes, as the API server prints it
  bool operator==(const CgroupMatch&) const = default;
};

// Pure: one cgroup path ("/kubepods.slice/…/cri-containerd-<id>.scope", "/docker/<id>", …),
// systemd and cgroupfs driver shapes.
CgroupMatch match_cgroup_path(std::string_view path);
// Pure: a /proc/PID/cgroup text (v2 "0::path" and v1 "N:controllers:path" lines): the match of
// the line that says most (a container id beats a pod UID alone).
CgroupMatch match_cgroup_file(std::string_view text);

struct PodName {
  std::string name;
  std::string ns;
};

// Pure: the pod name and namespace in an OCI config.json's annotations (containerd's
// io.kubernetes.cri.sandbox-name/-namespace, CRI-O's io.kubernetes.pod.name/.namespace);
// nullopt when the text is not JSON or has neither pair.
std::optional<PodName> pod_from_oci_config(std::string_view json_text);

// Where each runtime keeps a container's OCI config.json; empty for runtimes kaltune does not
// read.
std::vector<std::pair<Runtime, std::string>> oci_config_paths(std::optional<Runtime> runtime,
                                                              const std::string& id);

struct Owner {
  std::optional<Runtime> runtime;
  std::optional<std::string> container_id;
  std::optional<std::string> pod_uid;
  std::optional<std::string> pod_name;
  std::optional<std::string> pod_namespace;
  std::optional<std::string> pod_source; // "annotations" or "hostname"
  bool known() const { return runtime || container_id || pod_uid; }
  bool operator==(const Owner&) const = default;
};

// The owner of a namespace from the cgroup files of some of its processes (pid, text), lowest pid
// first; config files and hostnames are read through `facts` only when the cgroups name a pod or
// a container.
Owner attribute_owner(const std::vector<std::pair<pid_t, std::string>>& cgroups, NodeFacts& facts);

} // namespace kaltune
