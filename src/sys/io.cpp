#include "sys/io.hpp"

#include <fcntl.h>

namespace kaltune {

int open_retrying(const std::filesystem::path& path, int flags, mode_t mode) {
  return retry_eintr([&] { return ::open(path.c_str(), flags | O_CLOEXEC, mode); });
}

} // namespace kaltune
