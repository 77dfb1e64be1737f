#include "persist_fixture.hpp"

#include <sys/stat.h>

namespace kaltune::itest {

namespace fs = std::filesystem;

std::map<std::string, std::string> snapshot(const fs::path& root, bool times) {
  std::map<std::string, std::string> out;
  for (auto it = fs::recursive_directory_iterator(root); it != fs::recursive_directory_iterator();
       ++it) {
    const std::string name = fs::relative(it->path(), root).string();
    struct stat st {};
    ::lstat(it->path().c_str(), &st);
    const std::string meta =
        std::to_string(st.st_mode) + ":" + std::to_string(st.st_uid) + ":" +
        std::to_string(st.st_gid) + ":" +
        (times ? std::to_string(st.st_mtim.tv_sec) + "." + std::to_string(st.st_mtim.tv_nsec) + ":"
               : "");
    if (it->is_symlink()) {
      out[name] = meta + "-> " + fs::read_symlink(it->path()).string();
      it.disable_recursion_pending();
    } else if (it->is_regular_file() && st.st_size > (1 << 20)) {
      // A file over kaltune's read limit (a 2 GB sparse file): kaltune never opens it for
      // writing, so its inode, size and modification time say it is unchanged without reading
      // gigabytes.
      out[name] = meta + "big:" + std::to_string(st.st_ino) + ":" + std::to_string(st.st_size) +
                  ":" + std::to_string(st.st_mtim.tv_sec) + "." +
                  std::to_string(st.st_mtim.tv_nsec);
    } else if (it->is_regular_file()) {
      out[name] = meta + read_file(it->path());
    } else {
      out[name] = meta + "dir";
    }
  }
  return out;
}

std::vector<std::string> on_root(const fs::path& root, const std::string& model,
                                 const std::vector<std::string>& args) {
  std::vector<std::string> out{"--root", root.string(), "--boot-model", model};
  out.insert(out.end(), args.begin(), args.end());
  return out;
}

PersistedLayout::PersistedLayout(const layouts::Layout& layout, const std::string& model,
                                 const std::vector<std::string>& extra)
    : model_(model) {
  layouts::write_layout(layout, root_.path());
  before_ = now();
  args_ = on_root(root_.path(), model, set_asked);
  args_.insert(args_.end(), extra.begin(), extra.end());
  result_ = run_kaltune(args_);
}

void Persist::SetUp() {
  KALTUNE_REQUIRE_NETNS();
  if (!isolation().private_mountns) {
    GTEST_SKIP() << "no private mount namespace: " << isolation().reason;
  }
  // kaltune's lock is the host's /run/kaltune.lock even with --root: give each test its own.
  mounts.tmpfs("/run");
  layouts::write_layout(layouts::Layout{}, root.path());
}

RunResult Persist::kaltune(const std::vector<std::string>& args, const RunOptions& options) {
  return run_kaltune(on_root(root.path(), "systemd", args), options);
}

void PersistLive::SetUp() {
  if (const std::string why = replay_unavailable("systemd"); !why.empty()) {
    GTEST_SKIP() << why;
  }
  layouts::write_layout(layouts::Layout{}, layout.path());
  mounts = std::make_unique<Mounts>();
  install_layout(*mounts, layout.path());
  write_sysctl("net.ipv4.tcp_keepalive_time", 7200);
  write_sysctl("net.ipv4.tcp_keepalive_intvl", 75);
  write_sysctl("net.ipv4.tcp_keepalive_probes", 9);
}

} // namespace kaltune::itest
