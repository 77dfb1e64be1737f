// This boot's sysctl.extra credential (/run/credentials/@system/sysctl.extra): systemd-sysctl
// parses it as one more file after every file. /run does not survive a reboot: the next boot gets
// the credential again from where this one came from (SMBIOS, fw_cfg, the container manager, the
// command line), so it stands for the next boot's unless that boot's command line sets one.

#include "config/boot_source_context.hpp"

#include <fmt/format.h>

namespace kaltune {

namespace {
constexpr const char* run_credential_path = "/run/credentials/@system/sysctl.extra";
} // namespace

void read_credential(BootReader& reader) {
  reader.read(run_credential_path);
}

void collect_credential(SourceContext& context) {
  const ConfNode* credential = context.tree.find(run_credential_path);
  if (credential != nullptr && credential->kind != NodeKind::regular) {
    credential = nullptr;
  }
  if (context.credential_taken) {
    if (credential != nullptr) {
      context.steps.push_back(BootStep{
          BootStage::credential, false,
          fmt::format("this boot's sysctl.extra credential ({}): the next boot takes it from its "
                      "kernel command line instead",
                      run_credential_path)});
    }
    return;
  }
  context.steps.push_back(BootStep{
      BootStage::credential, credential != nullptr,
      credential != nullptr
          ? fmt::format("the sysctl.extra credential ({}), after every file", run_credential_path)
          : "no sysctl.extra credential"});
  if (credential != nullptr) {
    context.texts.push_back(
        AppliedText{"credential sysctl.extra", credential->path, &credential->content, {}});
    context.credential_taken = true;
  }
}

} // namespace kaltune
