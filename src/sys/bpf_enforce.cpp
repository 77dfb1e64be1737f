#include "sys/bpf_enforce.hpp"

#include "base/error.hpp"
#include "sys/bpf/abi.h"
#include "sys/bpf/object.hpp"
#include "sys/fd.hpp"
#include "sys/io.hpp"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <memory>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

namespace kaltune {

namespace {
constexpr unsigned long bpffs_magic = 0xcafe4a11; // BPF_FS_MAGIC
constexpr const char* counts_map = "kaltune_counts";
constexpr const char* rodata_map = "kaltune.rodata"; // libbpf: object name + ".rodata"

// libbpf's warnings during one load, kept for the error message (the verifier's reason).
thread_local std::vector<std::string>* libbpf_lines = nullptr;

int keep_libbpf_line(enum libbpf_print_level level, const char* format, va_list args) {
  if (libbpf_lines == nullptr || level == LIBBPF_DEBUG) {
    return 0;
  }
  std::array<char, 4096> text{};
  std::vsnprintf(text.data(), text.size(), format, args);
  std::string_view rest(text.data());
  while (!rest.empty()) {
    const std::size_t end = std::min(rest.find('\n'), rest.size());
    if (end > 0) {
      libbpf_lines->emplace_back(rest.substr(0, end));
    }
    rest.remove_prefix(std::min(end + 1, rest.size()));
  }
  return 0;
}

bool starts_with(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

// Collects libbpf's messages while it lives; libbpf prints nothing to stderr itself.
class LibbpfLog {
public:
  LibbpfLog() {
    libbpf_set_print(keep_libbpf_line);
    libbpf_lines = &lines_;
  }
  ~LibbpfLog() { libbpf_lines = nullptr; }
  LibbpfLog(const LibbpfLog&) = delete;
  LibbpfLog& operator=(const LibbpfLog&) = delete;
  // The most telling line: the verifier's last words before its statistics, else libbpf's
  // first complaint.
  std::string reason() const {
    for (std::size_t i = 0; i < lines_.size(); ++i) {
      if (lines_[i].find("-- END PROG LOAD LOG --") == std::string::npos) {
        continue;
      }
      for (std::size_t j = i; j-- > 0;) {
        const std::string& line = lines_[j];
        if (!starts_with(line, "verification time") && !starts_with(line, "stack depth") &&
            !starts_with(line, "processed ") && !starts_with(line, "libbpf: ")) {
          return line;
        }
      }
    }
    return lines_.empty() ? std::string() : lines_.front();
  }

private:
  std::vector<std::string> lines_;
};

struct CloseObject {
  void operator()(bpf_object* object) const { bpf_object__close(object); }
};
using Object = std::unique_ptr<bpf_object, CloseObject>;

struct Loaded {
  Object object;
  int prog_fd = -1; // owned by the object
};

std::string permission_hint(int error_number) {
  return error_number == EPERM || error_number == EACCES
             ? " (loading BPF programs needs root, or CAP_BPF and CAP_NET_ADMIN; a kernel "
               "locked down or with kernel.unprivileged_bpf_disabled refuses it too)"
             : "";
}

[[noreturn]] void bpf_fail(int error_number, const std::string& call, const std::string& what,
                           const std::string& detail = "") {
  throw SystemError(error_number, call,
                    fmt::format("{}{}{}", what, detail.empty() ? "" : ": " + detail,
                                permission_hint(error_number)));
}

kaltune_enforce_config config_of(const EnforceProgram& program) {
  kaltune_enforce_config config{};
  config.abi = KALTUNE_ENFORCE_ABI;
  const EnforcedValues& values = program.values;
  config.flags = (values.set_timings ? KALTUNE_SET_TIMINGS : 0u) |
                 (values.override_choice ? KALTUNE_OVERRIDE : 0u);
  config.time = values.time;
  config.intvl = values.intvl;
  config.probes = values.probes;
  config.user_timeout_ms = values.user_timeout_ms;
  config.since = program.since;
  config.counting_since = program.counting_since;
  const std::size_t length = std::min(program.cgroup.size(), sizeof config.cgroup - 1);
  std::memcpy(config.cgroup, program.cgroup.data(), length);
  return config;
}

EnforceProgram program_of(const kaltune_enforce_config& config) {
  EnforceProgram program;
  program.values.set_timings = (config.flags & KALTUNE_SET_TIMINGS) != 0;
  program.values.override_choice = (config.flags & KALTUNE_OVERRIDE) != 0;
  program.values.time = config.time;
  program.values.intvl = config.intvl;
  program.values.probes = config.probes;
  program.values.user_timeout_ms = config.user_timeout_ms;
  program.since = config.since;
  program.counting_since = config.counting_since;
  program.cgroup.assign(config.cgroup, strnlen(config.cgroup, sizeof config.cgroup));
  return program;
}

// Opens the embedded object with `program`'s values and loads the one program that applies
// (the one that respects a connection's own choice reads kernel structures through BTF; the
// --override one does not). `counts_fd` >= 0: the new program counts in that existing map.
Loaded load(const EnforceProgram& program, int counts_fd = -1) {
  const LibbpfLog log;
  const auto bytes = sock_ops_object();
  bpf_object_open_opts opts{};
  opts.sz = sizeof opts;
  opts.object_name = "kaltune";
  Object object(bpf_object__open_mem(bytes.data(), bytes.size(), &opts));
  if (!object) {
    bpf_fail(errno, "bpf_object__open_mem", "cannot open kaltune's sock_ops object", log.reason());
  }
  bpf_map* rodata = bpf_object__find_map_by_name(object.get(), ".rodata");
  bpf_map* counts = bpf_object__find_map_by_name(object.get(), counts_map);
  bpf_program* respect = bpf_object__find_program_by_name(object.get(), "kaltune_enforce");
  bpf_program* override = bpf_object__find_program_by_name(object.get(), "kaltune_override");
  if (rodata == nullptr || counts == nullptr || respect == nullptr || override == nullptr) {
    bpf_fail(ENOENT, "bpf_object__find", "kaltune's sock_ops object lacks a part (a build error)");
  }
  const kaltune_enforce_config config = config_of(program);
  if (const int rc = bpf_map__set_initial_value(rodata, &config, sizeof config); rc != 0) {
    bpf_fail(-rc, "bpf_map__set_initial_value", "cannot set the program's values", log.reason());
  }
  const bool overriding = program.values.override_choice;
  bpf_program__set_autoload(overriding ? respect : override, false);
  if (counts_fd >= 0) {
    if (const int rc = bpf_map__reuse_fd(counts, counts_fd); rc != 0) {
      bpf_fail(-rc, "bpf_map__reuse_fd", "cannot reuse the counters of the attachment");
    }
  }
  if (const int rc = bpf_object__load(object.get()); rc != 0) {
    bpf_fail(-rc, "bpf_object__load", "the kernel refused kaltune's sock_ops program",
             log.reason());
  }
  const int prog_fd = bpf_program__fd(overriding ? override : respect);
  return {std::move(object), prog_fd};
}

UniqueFd open_pin(const std::filesystem::path& path) {
  UniqueFd fd(bpf_obj_get(path.c_str()));
  if (fd.get() < 0) {
    bpf_fail(errno, "bpf_obj_get",
             fmt::format("cannot open the pinned attachment {}", path.string()));
  }
  return fd;
}

bpf_link_info link_info(int link_fd, const std::filesystem::path& path) {
  bpf_link_info info{};
  __u32 size = sizeof info;
  if (bpf_obj_get_info_by_fd(link_fd, &info, &size) != 0) {
    bpf_fail(errno, "bpf_obj_get_info_by_fd", fmt::format("cannot read {}", path.string()));
  }
  return info;
}

// The maps of a program, by name: kaltune's read-only data and counters.
struct ProgramMaps {
  UniqueFd rodata;
  __u32 rodata_size = 0;
  UniqueFd counts;
};

ProgramMaps maps_of(int prog_fd) {
  std::array<__u32, 16> ids{};
  bpf_prog_info info{};
  info.nr_map_ids = ids.size();
  info.map_ids = reinterpret_cast<std::uintptr_t>(ids.data());
  __u32 size = sizeof info;
  if (bpf_obj_get_info_by_fd(prog_fd, &info, &size) != 0) {
    bpf_fail(errno, "bpf_obj_get_info_by_fd", "cannot read the attached program");
  }
  ProgramMaps maps;
  for (__u32 i = 0; i < std::min<__u32>(info.nr_map_ids, ids.size()); ++i) {
    UniqueFd map(bpf_map_get_fd_by_id(ids[i]));
    if (map.get() < 0) {
      continue;
    }
    bpf_map_info map_info{};
    __u32 map_size = sizeof map_info;
    if (bpf_obj_get_info_by_fd(map.get(), &map_info, &map_size) != 0) {
      continue;
    }
    if (std::strcmp(map_info.name, rodata_map) == 0) {
      maps.rodata_size = map_info.value_size;
      maps.rodata = std::move(map);
    } else if (std::strcmp(map_info.name, counts_map) == 0) {
      maps.counts = std::move(map);
    }
  }
  return maps;
}

EnforceCounts read_counts(int map_fd) {
  EnforceCounts counts;
  const int cpus = libbpf_num_possible_cpus();
  if (cpus <= 0) {
    return counts;
  }
  std::vector<__u64> values(static_cast<std::size_t>(cpus));
  const auto sum = [&](__u32 slot) {
    std::fill(values.begin(), values.end(), 0);
    if (bpf_map_lookup_elem(map_fd, &slot, values.data()) != 0) {
      return __u64{0};
    }
    __u64 total = 0;
    for (__u64 value : values) {
      total += value;
    }
    return total;
  };
  counts.set = sum(KALTUNE_COUNT_SET);
  counts.chosen = sum(KALTUNE_COUNT_CHOSEN);
  counts.failed = sum(KALTUNE_COUNT_FAILED);
  return counts;
}

PinnedAttachment read_pin(const std::filesystem::path& path) {
  PinnedAttachment attachment;
  attachment.pin = path.filename().string();
  const UniqueFd link = open_pin(path);
  const bpf_link_info info = link_info(link.get(), path);
  attachment.link_id = info.id;
  if (info.type != BPF_LINK_TYPE_CGROUP) {
    attachment.problem = "not a cgroup link";
    return attachment;
  }
  attachment.cgroup_id = info.cgroup.cgroup_id;
  attachment.prog_id = info.prog_id;
  const UniqueFd prog(bpf_prog_get_fd_by_id(info.prog_id));
  if (prog.get() < 0) {
    bpf_fail(errno, "bpf_prog_get_fd_by_id",
             fmt::format("cannot open the program of {}", path.string()));
  }
  const ProgramMaps maps = maps_of(prog.get());
  if (maps.rodata.get() < 0 || maps.rodata_size < sizeof(kaltune_enforce_config)) {
    attachment.problem = "not kaltune's program";
    return attachment;
  }
  std::vector<unsigned char> data(maps.rodata_size);
  const __u32 key = 0;
  if (bpf_map_lookup_elem(maps.rodata.get(), &key, data.data()) != 0) {
    bpf_fail(errno, "bpf_map_lookup_elem",
             fmt::format("cannot read the values of {}", path.string()));
  }
  kaltune_enforce_config config{};
  std::memcpy(&config, data.data(), sizeof config);
  if (config.abi != KALTUNE_ENFORCE_ABI) {
    attachment.problem =
        fmt::format("a program of another kaltune version (layout {})", config.abi);
    return attachment;
  }
  attachment.program = program_of(config);
  if (maps.counts.get() >= 0) {
    attachment.counts = read_counts(maps.counts.get());
  }
  return attachment;
}

bool is_bpffs(const std::filesystem::path& path) {
  struct statfs fs {};
  return ::statfs(path.c_str(), &fs) == 0 && static_cast<unsigned long>(fs.f_type) == bpffs_magic;
}

void make_dir(const std::filesystem::path& path) {
  if (::mkdir(path.c_str(), 0700) != 0 && errno != EEXIST) {
    bpf_fail(errno, "mkdir", fmt::format("cannot create {}", path.string()));
  }
}
} // namespace

std::filesystem::path default_pin_dir() {
  return "/sys/fs/bpf/kaltune/enforce";
}

BpfEnforcer::BpfEnforcer(std::filesystem::path pin_dir, std::filesystem::path bpffs)
    : pin_dir_(std::move(pin_dir)), bpffs_(std::move(bpffs)) {}

void BpfEnforcer::prepare_pin_dir() {
  if (!is_bpffs(bpffs_)) {
    if (::mount("bpf", bpffs_.c_str(), "bpf", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=0700") != 0) {
      bpf_fail(errno, "mount",
               fmt::format("cannot mount the BPF filesystem on {}", bpffs_.string()));
    }
  }
  // Each level below the bpffs, so that a fresh mount gets kaltune/enforce.
  std::filesystem::path path = bpffs_;
  for (const auto& part : std::filesystem::relative(pin_dir_, bpffs_)) {
    path /= part;
    make_dir(path);
  }
}

std::vector<PinnedAttachment> BpfEnforcer::list() {
  std::vector<PinnedAttachment> found;
  const int listed = for_each_entry(pin_dir_, [&](const DirEntry& entry) {
    if (entry.name.front() == '.') {
      return;
    }
    try {
      found.push_back(read_pin(pin_dir_ / entry.name));
    } catch (const SystemError& error) {
      if (error.error_number() == EPERM || error.error_number() == EACCES) {
        throw;
      }
      // Something else pinned here, or gone meanwhile: listed with the reason, not fatal.
      PinnedAttachment unreadable;
      unreadable.pin = entry.name;
      unreadable.problem = error.what();
      found.push_back(std::move(unreadable));
    }
  });
  if (listed != 0 && listed != ENOENT) {
    bpf_fail(listed, "opendir", fmt::format("cannot list {}", pin_dir_.string()));
  }
  std::sort(found.begin(), found.end(), [](const auto& a, const auto& b) { return a.pin < b.pin; });
  return found;
}

void BpfEnforcer::check_load(const EnforceProgram& program) {
  load(program);
}

void BpfEnforcer::attach(const std::filesystem::path& cgroup_dir, const std::string& pin,
                         const EnforceProgram& program) {
  prepare_pin_dir();
  const UniqueFd cgroup(open_retrying(cgroup_dir, O_RDONLY | O_DIRECTORY));
  if (cgroup.get() < 0) {
    bpf_fail(errno, "open", fmt::format("cannot open the cgroup {}", cgroup_dir.string()));
  }
  const Loaded loaded = load(program);
  const UniqueFd link(bpf_link_create(loaded.prog_fd, cgroup.get(), BPF_CGROUP_SOCK_OPS, nullptr));
  if (link.get() < 0) {
    bpf_fail(errno, "bpf_link_create",
             fmt::format("cannot attach to the cgroup {}", cgroup_dir.string()));
  }
  // Until it is pinned, the link lives by its descriptor alone: any failure (or a kill) before
  // this line detaches it.
  const std::filesystem::path path = pin_dir_ / pin;
  if (bpf_obj_pin(link.get(), path.c_str()) != 0) {
    bpf_fail(errno, "bpf_obj_pin", fmt::format("cannot pin the attachment as {}", path.string()));
  }
}

void BpfEnforcer::replace(const std::string& pin, const EnforceProgram& program) {
  const std::filesystem::path path = pin_dir_ / pin;
  const UniqueFd link = open_pin(path);
  const bpf_link_info info = link_info(link.get(), path);
  const UniqueFd old_prog(bpf_prog_get_fd_by_id(info.prog_id));
  if (old_prog.get() < 0) {
    bpf_fail(errno, "bpf_prog_get_fd_by_id",
             fmt::format("cannot open the program of {}", path.string()));
  }
  const ProgramMaps maps = maps_of(old_prog.get());
  const Loaded loaded = load(program, maps.counts.get());
  bpf_link_update_opts opts{};
  opts.sz = sizeof opts;
  opts.flags = BPF_F_REPLACE;
  opts.old_prog_fd = static_cast<__u32>(old_prog.get());
  if (bpf_link_update(link.get(), loaded.prog_fd, &opts) != 0) {
    bpf_fail(errno, "bpf_link_update",
             fmt::format("cannot replace the program of {}", path.string()));
  }
}

void BpfEnforcer::detach(const std::string& pin) {
  const std::filesystem::path path = pin_dir_ / pin;
  const UniqueFd link = open_pin(path);
  // A link whose cgroup is gone is detached already.
  if (bpf_link_detach(link.get()) != 0 && errno != ENOLINK) {
    bpf_fail(errno, "bpf_link_detach", fmt::format("cannot detach {}", path.string()));
  }
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
    bpf_fail(errno, "unlink", fmt::format("cannot remove the pin {}", path.string()));
  }
}

} // namespace kaltune
