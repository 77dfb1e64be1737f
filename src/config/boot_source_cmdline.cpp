// The kernel command line: the sysctl.* parameters the kernel writes before init, from the
// command line the next boot uses (the default Boot Loader Specification entry,
// /etc/kernel/cmdline, GRUB's defaults), else this boot's /proc/cmdline.

#include "config/boot_source_context.hpp"

#include "base/text.hpp"
#include "config/boot_sources.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace kaltune {

namespace {

// The command line the next boot will use, where the machine says so: the default Boot Loader
// Specification entry, else /etc/kernel/cmdline (kernel-install's), else GRUB's defaults.
std::optional<Cmdline> next_cmdline(const ConfTree& tree, std::vector<std::string>& warnings) {
  std::vector<const ConfNode*> entries;
  std::vector<const ConfNode*> grub_dropins;
  for (const ConfNode& node : tree.extra) {
    if (node.kind != NodeKind::regular) {
      continue;
    }
    if (node.path.rfind("/boot/loader/entries/", 0) == 0) {
      entries.push_back(&node);
    } else if (node.path.rfind("/etc/default/grub.d/", 0) == 0) {
      grub_dropins.push_back(&node);
    }
  }
  if (const ConfNode* entry = bls_default_entry(entries, tree.find("/boot/loader/loader.conf"))) {
    return Cmdline{entry->path, bls_options(*entry)};
  }
  if (const ConfNode* kernel = tree.find("/etc/kernel/cmdline")) {
    return Cmdline{kernel->path, kernel->content};
  }
  if (const ConfNode* grub = tree.find("/etc/default/grub")) {
    std::sort(grub_dropins.begin(), grub_dropins.end(),
              [](const ConfNode* a, const ConfNode* b) { return a->path < b->path; });
    grub_dropins.insert(grub_dropins.begin(), grub);
    return Cmdline{grub->path, grub_cmdline(grub_dropins, warnings)};
  }
  return std::nullopt;
}

std::vector<BootAssignment> cmdline_layer(const Cmdline& cmdline) {
  std::vector<BootAssignment> out;
  for (const CmdlineAssignment& c : cmdline_assignments(cmdline.text)) {
    BootAssignment a;
    a.key = c.key;
    a.stage = BootStage::kernel_cmdline;
    a.file = cmdline.where;
    a.target = cmdline.where;
    a.text = c.value.value_or("");
    if (c.value) {
      read_value(a);
    } else {
      a.kernel_note = "no value: the kernel rejects the parameter (-EINVAL)";
      a.notes.push_back(a.kernel_note);
    }
    a.notes.push_back(fmt::format("{}: written by the kernel before init, in the initial network "
                                  "namespace only",
                                  printable(c.param)));
    out.push_back(std::move(a));
  }
  return out;
}

std::string cmdline_summary(const std::vector<BootAssignment>& list) {
  std::string out;
  for (const BootAssignment& a : list) {
    out += fmt::format("{}{}={}", out.empty() ? "" : " ", sysctl_name(a.key), printable(a.text));
  }
  return out.empty() ? "none of the keys" : out;
}

} // namespace

// The command line that acts, and a warning when this boot's differs from the next one's.
void collect_kernel_cmdline(SourceContext& context) {
  const ConfTree& tree = context.tree;
  std::vector<BootStep>& steps = context.steps;
  std::vector<std::string>& warnings = context.warnings;
  const std::optional<Cmdline> next = next_cmdline(tree, warnings);
  std::optional<Cmdline> now;
  if (tree.proc_cmdline) {
    now = Cmdline{"/proc/cmdline", *tree.proc_cmdline};
  }
  const std::optional<Cmdline>& used = next ? next : now;
  if (!used) {
    steps.push_back(BootStep{BootStage::kernel_cmdline, false,
                             "kernel command line: unknown (no boot loader configuration)"});
    return;
  }
  context.cmdline = used;
  std::vector<BootAssignment> layer = cmdline_layer(*used);
  steps.push_back(
      BootStep{BootStage::kernel_cmdline, true,
               fmt::format("kernel command line{}, from {}: {}", next ? " of the next boot" : "",
                           used->where, cmdline_summary(layer))});
  if (next && now) {
    const std::string this_boot = cmdline_summary(cmdline_layer(*now));
    if (this_boot != cmdline_summary(layer)) {
      warnings.push_back(fmt::format("the kernel command line of this boot (/proc/cmdline) sets "
                                     "{}; the next boot's ({}) sets {}",
                                     this_boot, next->where, cmdline_summary(layer)));
    }
  }
  context.writes = std::move(layer);
}

void read_kernel_cmdline(BootReader& reader) {
  for (const char* path :
       {"/etc/kernel/cmdline", "/etc/default/grub", "/boot/loader/loader.conf"}) {
    reader.read(path);
  }
  reader.read_all("/etc/default/grub.d", ".cfg");
  reader.read_all("/boot/loader/entries", ".conf");
  if (reader.root() == "/") {
    const ConfNode cmdline = read_conf_node(reader.root(), "/proc/cmdline");
    if (cmdline.kind == NodeKind::regular) {
      reader.tree().proc_cmdline = cmdline.content;
    }
  }
}

std::string kernel_cmdline_origin(const BootAssignment& a) {
  return fmt::format("kernel command line ({})", a.file);
}

} // namespace kaltune
