#pragma once

// The sources boot applies, one row each, in the order boot applies them. The resolver
// (boot_resolve), persist's refusal (core/persist) and the renderer iterate this table; each
// source's reading and simulation input live in its own file (boot_source_NAME.cpp).
//
// Adding a source: an enumerator of BootStage, a row of boot_sources and the declarations of its
// three functions (all here), its file, and its line in CMakeLists.txt. A source whose winner
// the user escapes in a way no row has yet also adds a WayOut and its sentence in render/persist.

#include <array>
#include <string>
#include <string_view>

namespace kaltune {

struct BootAssignment;
struct SourceContext;
class BootReader;

// Which source makes an assignment, in the order they act: the kernel writes its command
// line's sysctl.* parameters before init; the applier (systemd-sysctl or procps) its files, then
// (systemd only) the lines of the one sysctl.extra credential, which the next boot takes from its
// command line when that sets it and otherwise is this boot's /run/credentials one; tuned, when
// enabled, its profile's [sysctl] options and then (reapply_sysctl = 1) the files of
// /run/sysctl.d, /etc/sysctl.d and /etc/sysctl.conf once more.
enum class BootStage {
  kernel_cmdline,
  applier,
  cmdline_credential,
  credential,
  tuned_profile,
  tuned_reapply,
};

// How the resolver simulates a row's assignments.
enum class Simulated {
  written,       // written to the kernel one by one, in order (before the applier)
  applier_lines, // texts parsed with the applier's line rules and simulated with its files
  tuned_writes,  // written one by one, "<N"/">N" only when the value in place allows it
};

// What a user can do when the row's assignment wins over the value `set --persist` writes.
enum class WayOut {
  edit_file,                   // a sysctl.d file: --file of it, or by hand
  remove_kernel_parameter,     // the sysctl.* parameter of the next boot's command line
  remove_credential_parameter, // systemd.set_credential=sysctl.extra:… of that command line
  change_credential,           // the sysctl.extra credential, where it is set
  change_tuned_profile,        // the profile's [sysctl] option, or another profile
};

struct BootSource {
  BootStage stage;
  std::string_view key;    // its name in JSON ("stage")
  std::string_view name;   // for people
  std::string_view reader; // what reads it at boot
  bool systemd_only;       // procps `sysctl --system` has no such source
  Simulated simulated;
  WayOut way_out;
  void (*read)(BootReader&);                    // reads its inputs into the tree (I/O)
  void (*collect)(SourceContext&);              // what it sets, from the tree (pure)
  std::string (*origin)(const BootAssignment&); // "file:line" or what names it better
};

// The rows' functions, each defined in the source's own file.
void read_kernel_cmdline(BootReader& reader);
void collect_kernel_cmdline(SourceContext& context);
std::string kernel_cmdline_origin(const BootAssignment& a);
void read_applier_files(BootReader& reader);
void collect_applier_files(SourceContext& context);
std::string line_origin(const BootAssignment& a); // "file:line"
void read_cmdline_credential(BootReader& reader);
void collect_cmdline_credential(SourceContext& context);
void read_credential(BootReader& reader);
void collect_credential(SourceContext& context);
void read_tuned(BootReader& reader);
void collect_tuned_profile(SourceContext& context);
std::string tuned_profile_origin(const BootAssignment& a);
void collect_tuned_reapply(SourceContext& context);
std::string tuned_reapply_origin(const BootAssignment& a);
void read_nothing(BootReader& reader);

inline constexpr std::array boot_sources{
    BootSource{BootStage::kernel_cmdline, "kernel_cmdline", "kernel command line", "the kernel",
               false, Simulated::written, WayOut::remove_kernel_parameter, read_kernel_cmdline,
               collect_kernel_cmdline, kernel_cmdline_origin},
    BootSource{BootStage::applier, "file", "sysctl.d files", "the applier", false,
               Simulated::applier_lines, WayOut::edit_file, read_applier_files,
               collect_applier_files, line_origin},
    BootSource{BootStage::cmdline_credential, "cmdline_credential",
               "sysctl.extra credential of the next boot's command line", "systemd-sysctl", true,
               Simulated::applier_lines, WayOut::remove_credential_parameter,
               read_cmdline_credential, collect_cmdline_credential, line_origin},
    BootSource{BootStage::credential, "credential", "sysctl.extra credential", "systemd-sysctl",
               true, Simulated::applier_lines, WayOut::change_credential, read_credential,
               collect_credential, line_origin},
    BootSource{BootStage::tuned_profile, "tuned_profile", "tuned profile", "tuned", false,
               Simulated::tuned_writes, WayOut::change_tuned_profile, read_tuned,
               collect_tuned_profile, tuned_profile_origin},
    BootSource{BootStage::tuned_reapply, "tuned_reapply", "files re-applied by tuned", "tuned",
               false, Simulated::tuned_writes, WayOut::edit_file, read_nothing,
               collect_tuned_reapply, tuned_reapply_origin},
};

// The row of `stage`.
const BootSource& boot_source(BootStage stage);
// Its place in the table: the order in which boot applies the sources.
std::size_t boot_source_index(BootStage stage);

} // namespace kaltune
