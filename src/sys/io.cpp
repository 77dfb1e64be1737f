#include "sys/io.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <memory>

namespace kaltune {

int open_retrying(const std::filesystem::path& path, int flags, mode_t mode) {
  return retry_eintr([&] { return ::open(path.c_str(), flags | O_CLOEXEC, mode); });
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
