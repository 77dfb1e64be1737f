#include "cli/output.hpp"

#include "base/error.hpp"
#include "cli/context.hpp"
#include "sys/atomic_file.hpp"
#include "sys/file_kind.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <sstream>
#include <sys/stat.h>
#include <system_error>
#include <unistd.h>

namespace kaltune {

namespace {
// The file a symlink names in the end (every link followed), or an Error saying why there is
// none to replace. The link itself stays: only the file it names is replaced.
std::filesystem::path link_target(const std::filesystem::path& path) {
  std::error_code error;
  const std::filesystem::path link = std::filesystem::read_symlink(path, error);
  const std::string shown = fmt::format("--output {} (a symlink to {})", path.string(),
                                        error ? std::string("?") : link.string());
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    const int errno_value = errno;
    if (errno_value == ELOOP) {
      throw symlink_loop(fmt::format("--output {}", path.string()));
    }
    throw Error(ExitStatus::system,
                fmt::format("{}: {}; kaltune does not create a file through a symlink", shown,
                            std::strerror(errno_value)));
  }
  // A FIFO, a terminal, /dev/null (`--output /dev/stdout`): never a file to replace.
  if (file_kind(st) != FileKind::regular) {
    throw not_regular_file(shown, file_kind(st), "--output replaces only a regular file");
  }
  char resolved[PATH_MAX];
  if (::realpath(path.c_str(), resolved) == nullptr) {
    throw SystemError(errno, fmt::format("cannot resolve {}", shown));
  }
  return resolved;
}
} // namespace

OutputFile::OutputFile(Posix& posix, std::filesystem::path path)
    : posix_(posix), path_(std::move(path)), target_(path_) {
  struct stat st {};
  if (::lstat(path_.c_str(), &st) == 0) {
    if (S_ISLNK(st.st_mode)) {
      target_ = link_target(path_);
    } else if (S_ISDIR(st.st_mode)) {
      throw Error(ExitStatus::usage,
                  fmt::format("--output {}: is a directory; name a file in it", path_.string()));
    } else if (file_kind(st) != FileKind::regular) {
      // Never opened, never replaced: a device, a FIFO or a socket is refused as everywhere.
      throw not_regular_file(fmt::format("--output {}", path_.string()), file_kind(st),
                             "--output replaces only a regular file");
    }
  }
  std::filesystem::path directory = target_.parent_path();
  if (directory.empty()) {
    directory = ".";
  }
  std::error_code error;
  const auto status = std::filesystem::status(directory, error);
  if (!std::filesystem::is_directory(status)) {
    throw Error(ExitStatus::usage, fmt::format("--output {}: {} is not an existing directory",
                                               path_.string(), directory.string()));
  }
}

std::vector<std::string> OutputFile::write(std::string_view content) const {
  // The old bytes are never read: only its mode and owner are kept (a file of any size).
  publish_file(posix_, target_, content, stat_file_state(posix_, target_));
  // What a run killed while writing this file left: its process is gone, the name is its own.
  return remove_stale_temps(posix_, target_);
}

int run_with_output(Context& context, const std::optional<std::string>& output,
                    const std::function<int(Context&)>& command) {
  if (!output) {
    return command(context);
  }
  Posix posix;
  const OutputFile file(posix, *output);
  std::ostringstream buffer;
  Context buffered{context.global, context.format, context.proc,      buffer,
                   context.err,    Style(false),   context.err_style, context.err_terminal};
  const int status = command(buffered);
  for (const std::string& name : file.write(buffer.str())) {
    context.warn(fmt::format("removed {}, left by a kaltune run that was killed", name));
  }
  return status;
}

} // namespace kaltune
