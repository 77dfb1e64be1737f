#pragma once

// `--output FILE` of the commands that print metrics (show, sockets, check): the output goes to
// FILE, replaced atomically (a hidden temp file in the same directory, fsync, rename), so that
// the node exporter's textfile collector never reads half a file. The directory must exist;
// that is checked before the command does anything. A symlink stays a link: the regular file it
// names is replaced (in that file's directory, keeping that file's mode and owner); a link that
// names nothing, a FIFO, a device (`--output /dev/stdout` on a pipe or a terminal) or a socket
// is refused (exit 4) and never opened. The old file's bytes are never read.

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kaltune {

class Posix;
struct Context;
} // namespace kaltune
namespace kaltune {

class OutputFile {
public:
  // Throws Error (exit 2) naming the path when its directory does not exist or is no directory,
  // or when the path names a directory; exit 4 when it is (or a symlink names) something other
  // than a regular file, or a symlink names nothing.
  OutputFile(Posix& posix, std::filesystem::path path);

  // Replaces the file with `content`; a file already there keeps its mode and owner, a new one
  // is 0644. Throws SystemError naming the path; the old file is then as it was. Then removes
  // the temp files of runs killed while writing it; returns their names.
  std::vector<std::string> write(std::string_view content) const;

  const std::filesystem::path& path() const { return path_; }
  // The file whose bytes change: `path`, or the regular file a symlink there names.
  const std::filesystem::path& target() const { return target_; }

private:
  Posix& posix_;
  std::filesystem::path path_;
  std::filesystem::path target_;
};

// Runs `command` with its data going to `output` when given (checked first, written atomically
// when the command returns, whatever its status; nothing is written when it throws), else to
// context.out. Diagnostics stay on context.err. Returns the command's status.
int run_with_output(Context& context, const std::optional<std::string>& output,
                    const std::function<int(Context&)>& command);

} // namespace kaltune
