#include "sys/rootfs.hpp"

#include "core/error.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <deque>
#include <sys/stat.h>
#include <unistd.h>

namespace kaltune {

namespace {
constexpr int max_links = 40; // as the kernel's MAXSYMLINKS

std::deque<std::string> components(const std::filesystem::path& path) {
  std::deque<std::string> out;
  for (const auto& part : path.relative_path()) {
    if (!part.empty()) {
      out.push_back(part.string());
    }
  }
  return out;
}

std::filesystem::path on_host(const std::filesystem::path& root,
                              const std::filesystem::path& system) {
  return root / system.relative_path();
}
} // namespace

RootedPath resolve_in_root(const std::filesystem::path& root,
                           const std::filesystem::path& system_path) {
  RootedPath out;
  std::deque<std::string> rest = components(system_path);
  std::filesystem::path current = "/";
  int links = 0;
  while (!rest.empty()) {
    const std::string part = rest.front();
    rest.pop_front();
    if (part == ".") {
      continue;
    }
    if (part == "..") {
      current = current.parent_path(); // "/" stays "/"
      continue;
    }
    const std::filesystem::path next = current / part;
    struct stat st {};
    if (::lstat(on_host(root, next).c_str(), &st) != 0) {
      // Missing: the rest is where the file would be.
      current = next;
      for (const auto& left : rest) {
        current /= left;
      }
      out.system = current;
      out.host = on_host(root, current);
      return out;
    }
    if (!S_ISLNK(st.st_mode)) {
      current = next;
      continue;
    }
    if (++links > max_links) {
      throw Error(ExitStatus::system,
                  fmt::format("{}: too many levels of symbolic links", system_path.string()));
    }
    out.through_symlink = true;
    std::string target(4096, '\0');
    const ssize_t n = ::readlink(on_host(root, next).c_str(), target.data(), target.size());
    if (n < 0) {
      throw SystemError(errno, fmt::format("cannot read symlink {}", on_host(root, next).string()));
    }
    target.resize(static_cast<std::size_t>(n));
    const std::filesystem::path link_target = target;
    if (link_target.is_absolute()) {
      current = "/";
    }
    auto parts = components(link_target);
    rest.insert(rest.begin(), parts.begin(), parts.end());
  }
  out.system = current;
  out.host = on_host(root, current);
  struct stat st {};
  out.exists = ::stat(out.host.c_str(), &st) == 0;
  return out;
}

} // namespace kaltune
