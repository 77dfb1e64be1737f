#pragma once

// The seam of `enforce` to the kernel's BPF: loading kaltune's sock_ops program (libbpf, CO-RE),
// attaching it to a cgroup through a bpf_link pinned in bpffs, replacing the program of a pinned
// link atomically (bpf_link_update: a kill -9 leaves the old or the new), detaching, and reading
// every pinned attachment back (values from the program's read-only data, counters from its map).
// `CgroupEnforcer` is the interface the core decides against; `BpfEnforcer` is the real one.

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace kaltune {

// What one loaded program does: the values it sets and what it records about itself.
struct EnforcedValues {
  bool set_timings = true; // false: --sysctl-values, only SO_KEEPALIVE (the sysctls decide)
  std::uint32_t time = 0;  // s
  std::uint32_t intvl = 0; // s
  std::uint32_t probes = 0;
  std::uint32_t user_timeout_ms = 0; // 0: TCP_USER_TIMEOUT left alone
  bool override_choice = false;      // also connections whose program chose its own keepalive
  bool operator==(const EnforcedValues&) const = default;
};

struct EnforceProgram {
  EnforcedValues values;
  std::string cgroup;              // relative to the cgroup2 mount, "/" for the root
  std::int64_t since = 0;          // Unix time these values were attached
  std::int64_t counting_since = 0; // Unix time the counters started
};

// Counted by the program itself, summed over the CPUs.
struct EnforceCounts {
  std::uint64_t set = 0;    // connections given keepalive
  std::uint64_t chosen = 0; // left alone: their program chose its own
  std::uint64_t failed = 0; // bpf_setsockopt refused an option
  bool operator==(const EnforceCounts&) const = default;
};

// One pinned link as the kernel reports it.
struct PinnedAttachment {
  std::string pin;                       // file name in the pin directory
  std::optional<EnforceProgram> program; // nullopt: not a program of ours (see `problem`)
  std::string problem;                   // why it could not be read, when it could not
  std::uint64_t cgroup_id = 0;           // 0: its cgroup was removed, nothing attached any more
  std::uint32_t link_id = 0;
  std::uint32_t prog_id = 0; // the kernel's program id (bpftool prog show id N)
  EnforceCounts counts;
};

class CgroupEnforcer {
public:
  virtual ~CgroupEnforcer() = default;
  // Every link pinned in the pin directory (none when it does not exist).
  virtual std::vector<PinnedAttachment> list() = 0;
  // Loads the program and closes it again: whether the kernel accepts it (a dry run).
  virtual void check_load(const EnforceProgram& program) = 0;
  // Loads `program`, attaches it to the cgroup directory through a new link and pins the link
  // as `pin`. A failure before the pin leaves nothing attached (the link dies with its fd).
  virtual void attach(const std::filesystem::path& cgroup_dir, const std::string& pin,
                      const EnforceProgram& program) = 0;
  // Puts `program` in place of the pinned link's program in one step; the counters carry over.
  virtual void replace(const std::string& pin, const EnforceProgram& program) = 0;
  // Detaches the pinned link and removes the pin.
  virtual void detach(const std::string& pin) = 0;
};

// kaltune's pins: /sys/fs/bpf/kaltune/enforce.
std::filesystem::path default_pin_dir();

class BpfEnforcer : public CgroupEnforcer {
public:
  // Pins live in `pin_dir`; the bpffs it is on is mounted at `bpffs` when it is not a bpffs yet
  // (only by the calls that pin).
  explicit BpfEnforcer(std::filesystem::path pin_dir = default_pin_dir(),
                       std::filesystem::path bpffs = "/sys/fs/bpf");
  std::vector<PinnedAttachment> list() override;
  void check_load(const EnforceProgram& program) override;
  void attach(const std::filesystem::path& cgroup_dir, const std::string& pin,
              const EnforceProgram& program) override;
  void replace(const std::string& pin, const EnforceProgram& program) override;
  void detach(const std::string& pin) override;

private:
  void prepare_pin_dir();
  std::filesystem::path pin_dir_;
  std::filesystem::path bpffs_;
};

} // namespace kaltune
