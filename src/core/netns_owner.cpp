#include "core/netns_owner.hpp"

#include "base/text.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>

namespace kaltune {

namespace {

constexpr std::array<std::pair<Runtime, std::string_view>, 6> runtime_names{{
    {Runtime::containerd, "containerd"},
    {Runtime::crio, "cri-o"},
    {Runtime::docker, "docker"},
    {Runtime::podman, "podman"},
    {Runtime::nspawn, "systemd-nspawn"},
    {Runtime::lxc, "lxc"},
}};

// systemd and cgroupfs name containers in a cgroup component as PREFIX<id>[.scope].
constexpr std::array<std::pair<std::string_view, Runtime>, 7> scope_prefixes{{
    {"cri-containerd-", Runtime::containerd},
    {"nerdctl-", Runtime::containerd},
    {"crio-conmon-", Runtime::crio},
    {"crio-", Runtime::crio},
    {"docker-", Runtime::docker},
    {"libpod-conmon-", Runtime::podman},
    {"libpod-", Runtime::podman},
}};

bool starts_with(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

std::string_view strip_suffix(std::string_view text, std::string_view suffix) {
  if (text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix) {
    text.remove_suffix(suffix.size());
  }
  return text;
}

bool is_hex_id(std::string_view text) {
  return text.size() == 64 && std::all_of(text.begin(), text.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

// systemd escapes unit names: "\x2d" is '-'.
std::string unescape_unit(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\\' && i + 3 < text.size() && text[i + 1] == 'x') {
      const auto hex = [](char c) {
        return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
      };
      const int high = hex(text[i + 2]);
      const int low = hex(text[i + 3]);
      if (high >= 0 && low >= 0) {
        out += static_cast<char>(high * 16 + low);
        i += 3;
        continue;
      }
    }
    out += text[i];
  }
  return out;
}

// "kubepods-burstable-pod<uid>.slice" (systemd, '_' for '-') or "pod<uid>" (cgroupfs).
std::optional<std::string> pod_uid_of(std::string_view component) {
  component = strip_suffix(component, ".slice");
  const std::size_t at = component.rfind("pod");
  if (at == std::string_view::npos || (at != 0 && component[at - 1] != '-')) {
    return std::nullopt;
  }
  const std::string_view uid = component.substr(at + 3);
  const bool uid_chars = std::all_of(uid.begin(), uid.end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || c == '-' || c == '_';
  });
  // A UUID (36) or, for a static pod, the 32-hex hash of its manifest.
  if (!uid_chars || (uid.size() != 36 && uid.size() != 32)) {
    return std::nullopt;
  }
  std::string out(uid);
  std::replace(out.begin(), out.end(), '_', '-');
  return out;
}

int weight(const CgroupMatch& match) {
  return (match.container_id ? 4 : 0) + (match.runtime ? 2 : 0) + (match.pod_uid ? 1 : 0);
}

std::optional<std::string> string_at(const nlohmann::json& object, const char* key) {
  const auto it = object.find(key);
  if (it == object.end() || !it->is_string() || it->get_ref<const std::string&>().empty()) {
    return std::nullopt;
  }
  return it->get<std::string>();
}

} // namespace

std::string_view runtime_name(Runtime runtime) {
  for (const auto& [value, name] : runtime_names) {
    if (value == runtime) {
      return name;
    }
  }
  return "?";
}

CgroupMatch match_cgroup_path(std::string_view path) {
  CgroupMatch match;
  const bool kubernetes = path.find("kubepods") != std::string_view::npos;
  std::string_view parent;
  for (const std::string_view component : split_path(path)) {
    if (component.empty()) {
      continue;
    }
    if (kubernetes && !match.pod_uid) {
      match.pod_uid = pod_uid_of(component);
    }
    const std::string_view unit = strip_suffix(component, ".scope");
    bool found = false;
    for (const auto& [prefix, runtime] : scope_prefixes) {
      if (starts_with(unit, prefix) && is_hex_id(unit.substr(prefix.size()))) {
        match.runtime = runtime;
        match.container_id = std::string(unit.substr(prefix.size()));
        found = true;
        break;
      }
    }
    if (found) {
    } else if (starts_with(component, "systemd-nspawn@") && component.size() > 23 &&
               component.substr(component.size() - 8) == ".service") {
      match.runtime = Runtime::nspawn;
      match.container_id = unescape_unit(component.substr(15, component.size() - 15 - 8));
    } else if (parent == "machine.slice" && starts_with(component, "machine-") &&
               component != unit && unit.size() > 8) {
      match.runtime = Runtime::nspawn; // a machine registered by nspawn without its own unit
      match.container_id = unescape_unit(unit.substr(8));
    } else if (starts_with(component, "lxc.payload.") && component.size() > 12) {
      match.runtime = Runtime::lxc;
      match.container_id = std::string(component.substr(12));
    } else if (parent == "lxc" || parent == "lxc.payload") {
      match.runtime = Runtime::lxc; // LXC before 4.0: /lxc/<name>
      match.container_id = std::string(component);
    } else if (is_hex_id(component)) {
      // cgroupfs driver: /docker/<id>; /kubepods/<qos>/pod<uid>/<id> and containerd's
      // /<namespace>/<id> do not say which runtime.
      match.runtime = parent == "docker" ? std::optional(Runtime::docker) : std::nullopt;
      match.container_id = std::string(component);
    }
    parent = component;
  }
  return match;
}

CgroupMatch match_cgroup_file(std::string_view text) {
  CgroupMatch best;
  while (!text.empty()) {
    const std::size_t end = std::min(text.find('\n'), text.size());
    const std::string_view line = text.substr(0, end);
    text.remove_prefix(std::min(end + 1, text.size()));
    const std::size_t first = line.find(':');
    const std::size_t second = first == std::string_view::npos ? first : line.find(':', first + 1);
    if (second == std::string_view::npos) {
      continue;
    }
    const CgroupMatch match = match_cgroup_path(line.substr(second + 1));
    if (weight(match) > weight(best)) {
      best = match;
    }
  }
  return best;
}

std::optional<PodName> pod_from_oci_config(std::string_view json_text) {
  const auto config = nlohmann::json::parse(json_text, nullptr, false);
  if (config.is_discarded() || !config.is_object()) {
    return std::nullopt;
  }
  const auto annotations = config.find("annotations");
  if (annotations == config.end() || !annotations->is_object()) {
    return std::nullopt;
  }
  constexpr std::array<std::pair<const char*, const char*>, 2> keys{{
      {"io.kubernetes.cri.sandbox-name", "io.kubernetes.cri.sandbox-namespace"}, // containerd
      {"io.kubernetes.pod.name", "io.kubernetes.pod.namespace"},                 // CRI-O
  }};
  for (const auto& [name_key, ns_key] : keys) {
    if (auto name = string_at(*annotations, name_key)) {
      return PodName{std::move(*name), string_at(*annotations, ns_key).value_or("")};
    }
  }
  return std::nullopt;
}

std::vector<std::pair<Runtime, std::string>> oci_config_paths(std::optional<Runtime> runtime,
                                                              const std::string& id) {
  std::vector<std::pair<Runtime, std::string>> paths;
  if (!is_hex_id(id)) {
    return paths; // never a path built from anything but a container id
  }
  if (!runtime || runtime == Runtime::containerd) {
    paths.emplace_back(Runtime::containerd,
                       "/run/containerd/io.containerd.runtime.v2.task/k8s.io/" + id +
                           "/config.json");
  }
  if (!runtime || runtime == Runtime::crio) {
    paths.emplace_back(Runtime::crio, "/run/containers/storage/overlay-containers/" + id +
                                          "/userdata/config.json");
  }
  return paths;
}

Owner attribute_owner(const std::vector<std::pair<pid_t, std::string>>& cgroups, NodeFacts& facts) {
  Owner owner;
  std::vector<std::pair<pid_t, CgroupMatch>> matches;
  for (const auto& [pid, text] : cgroups) {
    CgroupMatch match = match_cgroup_file(text);
    if (weight(match) > 0) {
      matches.emplace_back(pid, std::move(match));
    }
  }
  for (const auto& [pid, match] : matches) {
    if (!owner.container_id && match.container_id) {
      owner.runtime = match.runtime;
      owner.container_id = match.container_id;
    }
    if (!owner.pod_uid && match.pod_uid) {
      owner.pod_uid = match.pod_uid;
    }
  }
  // The runtime's own state says which runtime a bare id belongs to, and names the pod.
  for (const auto& [pid, match] : matches) {
    if (!match.container_id) {
      continue;
    }
    for (const auto& [runtime, path] : oci_config_paths(match.runtime, *match.container_id)) {
      const auto text = facts.read_state_file(path);
      if (!text) {
        continue;
      }
      if (!owner.runtime && owner.container_id == match.container_id) {
        owner.runtime = runtime;
      }
      if (const auto pod = owner.pod_uid ? pod_from_oci_config(*text) : std::nullopt) {
        owner.pod_name = pod->name;
        owner.pod_namespace = pod->ns.empty() ? std::nullopt : std::optional<std::string>(pod->ns);
        owner.pod_source = "annotations";
        return owner;
      }
    }
  }
  if (owner.pod_uid) {
    // Kubernetes sets a pod's hostname to its name (unless spec.hostname says otherwise), in
    // the pod's own UTS namespace: one that is the host's (hostNetwork pods keep the node's
    // name) says nothing of the pod.
    for (const auto& [pid, match] : matches) {
      const auto uts = match.pod_uid ? facts.uts_name(pid) : std::nullopt;
      if (uts && !uts->host) {
        owner.pod_name = uts->hostname;
        owner.pod_source = "hostname";
        break;
      }
    }
  }
  return owner;
}

} // namespace kaltune
