#pragma once

// `--output FILE` of the commands that print metrics (show, sockets, check): the output goes to
// FILE, replaced atomically (a hidden temp file in the same directory, fsync, rename), so that
// the node exporter's textfile collector never reads half a file. The directory must exist;
// that is checked before the command does anything.

#include <filesystem>
#include <string>
#include <string_view>

namespace kaltune {

class Posix;

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

} // namespace kaltune
