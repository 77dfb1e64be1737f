#include "sys/io.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <memory>
#include <unistd.h>

namespace kaltune {

int open_retrying(const std::filesystem::path& path, int flags, mode_t mode) {
  return retry_eintr([&] { return ::open(path.c_str(), flags | O_CLOEXEC, mode); });
}

std::optional<std::string> read_link(const std::filesystem::path& path) {
  std::string target(256, '\0');
  for (;;) {
    const ssize_t n = ::readlink(path.c_str(), target.data(), target.size());
    if (n < 0) {
      return std::nullopt;
    }
    if (static_cast<std::size_t>(n) < target.size()) {
      target.resize(static_cast<std::size_t>(n));
      return target;
    }
    target.resize(target.size() * 2); // it filled the buffer: maybe cut, read it again
  }
}

int for_each_entry(const std::filesystem::path& dir,
                   const std::function<void(const DirEntry&)>& visit) {
  const std::unique_ptr<DIR, int (*)(DIR*)> handle(::opendir(dir.c_str()), ::closedir);
  if (!handle) {
    return errno;
  }
  const int fd = ::dirfd(handle.get());
  for (;;) {
    errno = 0;
    const dirent* entry = ::readdir(handle.get());
    if (entry == nullptr) {
      return errno;
    }
    const std::string_view name = entry->d_name;
    if (name != "." && name != "..") {
      visit(DirEntry{name, entry->d_type, fd});
    }
  }
}

} // namespace kaltune
