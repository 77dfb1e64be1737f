#pragma once

// `--output FILE` of the commands that print metrics (show, sockets, check): the output goes to
// FILE, replaced atomically (a hidden temp file in the same directory, fsync, rename), so that
// the node exporter's textfile collector never reads half a file. The directory must exist;
// that is checked before the command does anything.

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace kaltune {

class Posix;
struct Context;
} // namespace kaltune
namespace kaltune {

class OutputFile {
public:
  // Throws Error (exit 2) naming the path when its directory does not exist or is no directory,
  // or when the path names a directory.
  OutputFile(Posix& posix, std::filesystem::path path);

  // Replaces the file with `content`; a file already there keeps its mode and owner, a new one
  // is 0644. Throws SystemError naming the path; the old file is then as it was.
  void write(std::string_view content) const;

  const std::filesystem::path& path() const { return path_; }

private:
  Posix& posix_;
  std::filesystem::path path_;
};

// Runs `command` with its data going to `output` when given (checked first, written atomically
// when the command returns, whatever its status; nothing is written when it throws), else to
// context.out. Diagnostics stay on context.err. Returns the command's status.
int run_with_output(Context& context, const std::optional<std::string>& output,
                    const std::function<int(Context&)>& command);

} // namespace kaltune
