#include "cli/output.hpp"

#include "base/error.hpp"
#include "sys/atomic_file.hpp"

#include <fmt/format.h>

#include <system_error>

namespace kaltune {

OutputFile::OutputFile(Posix& posix, std::filesystem::path path)
    : posix_(posix), path_(std::move(path)) {
  std::filesystem::path directory = path_.parent_path();
  if (directory.empty()) {
    directory = ".";
  }
  std::error_code error;
  const auto status = std::filesystem::status(directory, error);
  if (!std::filesystem::is_directory(status)) {
    throw Error(ExitStatus::usage, fmt::format("--output {}: {} is not an existing directory",
                                               path_.string(), directory.string()));
  }
  if (std::filesystem::is_directory(std::filesystem::status(path_, error))) {
    throw Error(ExitStatus::usage,
                fmt::format("--output {}: is a directory; name a file in it", path_.string()));
  }
}

void OutputFile::write(std::string_view content) const {
  write_atomically(posix_, path_, content, read_file_state(posix_, path_));
}

} // namespace kaltune
