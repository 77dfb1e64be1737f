#pragma once

// Writes that must not corrupt (after ccache's core/atomicfile.cpp and systemd's
// write_string_file_atomic_at): a temp file in the target's directory, write, fsync, the
// original's mode and owner, rename over the target, fsync of the directory. On any failure the
// original stays byte-identical and the temp file is removed. Every call goes through the Posix
// seam so tests can fail each step.

#include "sys/posix.hpp"

#include <filesystem>
#include <string>
#include <string_view>
#include <sys/types.h>

namespace kaltune {

// A regular file as it is now: its bytes, mode and owner, or that it does not exist.
struct FileState {
  bool exists = false;
  std::string content;
  mode_t mode = 0644; // permission bits only
  uid_t uid = 0;
  gid_t gid = 0;
};

// Reads `path` (no symlink resolution of its own: the caller passes the final target). A missing
// file is `exists = false`; other failures throw SystemError naming the path.
FileState read_file_state(Posix& posix, const std::filesystem::path& path);

// Replaces `path` atomically with `content`, giving it the mode and owner of `original` (for a new
// file: 0644 and the caller's ids). Throws SystemError naming the path and the failed step; the
// target is then as it was and no temp file is left.
void write_atomically(Posix& posix, const std::filesystem::path& path, std::string_view content,
                      const FileState& original);

// Removes `path` and makes the removal durable (fsync of the directory).
void remove_durably(Posix& posix, const std::filesystem::path& path);

// Creates the directory `dir` with exactly `mode` (whatever the umask) and makes the new entry
// durable (fsync of its parent); its parent must exist. Returns false, doing nothing, when `dir`
// already exists. Throws SystemError "cannot create the directory SHOWN" with the errno; nothing
// is left behind then.
bool create_directory(Posix& posix, const std::filesystem::path& dir, mode_t mode,
                      std::string_view shown);

// Removes the empty directory `dir` that create_directory made, durably (undoing it).
void remove_directory(Posix& posix, const std::filesystem::path& dir, std::string_view shown);

// Puts `path` back as `original` says: its bytes, mode and owner, or absent. Used to undo a
// write when a later step of the same command fails.
void restore_file(Posix& posix, const std::filesystem::path& path, const FileState& original);

} // namespace kaltune
