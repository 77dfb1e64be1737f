#pragma once

// Writes that must not corrupt (after ccache's core/atomicfile.cpp and systemd's
// write_string_file_atomic_at): a temp file in the target's directory, write, fsync, the
// original's mode and owner, rename over the target, fsync of the directory. On any failure the
// original stays byte-identical and the temp file is removed. Every call goes through the Posix
// seam so tests can fail each step.

#include "base/error.hpp"
#include "sys/posix.hpp"

#include <filesystem>
#include <string>
#include <string_view>
#include <sys/types.h>
#include <vector>

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

// `path`'s mode and owner (content left empty), or that it does not exist: for a file that is
// replaced whole and never restored (an --output file), whose old bytes need not be read. Not
// opened: an O_PATH descriptor is examined. Throws Error (exit 4) when it is not a regular file.
FileState stat_file_state(Posix& posix, const std::filesystem::path& path);

// Replaces `path` with `content` (temp file, fsync, `attributes`' mode and owner, rename, fsync
// of the directory) without any way back: a failed directory fsync leaves the new content in
// place and says so (exit 4). For output files, whose old content is not kept.
void publish_file(Posix& posix, const std::filesystem::path& path, std::string_view content,
                  const FileState& attributes);

// Replaces `path` atomically with `content`, giving it the mode and owner of `original` (for a new
// file: 0644 and the caller's ids). Throws SystemError naming the path and the failed step; the
// target is then as it was and no temp file is left.
void write_atomically(Posix& posix, const std::filesystem::path& path, std::string_view content,
                      const FileState& original);

// Removes the temp files write_atomically and publish_file name after `path`
// (".NAME.kaltune-PID-N" beside it) whose process is gone: what a run killed with SIGKILL leaves.
// A live writer's file is never touched (its PID exists), so no lock is needed: persist calls it
// holding the lock, `--output` after its write. Returns the names removed.
std::vector<std::string> remove_stale_temps(Posix& posix, const std::filesystem::path& path);

// Removes `path` and makes the removal durable (fsync of the directory). When the directory's
// fsync fails, `original` (what `path` held) is put back and the error says so, or says what is
// left when that fails too.
void remove_durably(Posix& posix, const std::filesystem::path& path, const FileState& original);

// Checks, writing nothing, that this process could do what replacing, creating or removing
// `path` takes: write and search access to its directory (for the temp file and the rename, or
// the unlink), or to the directory's parent when the directory itself is missing (it will be
// created). Decided by faccessat(AT_EACCESS), so a read-only mount (EROFS) and a directory the
// caller may not write (EACCES) are refused as the real write would be. Throws SystemError
// "cannot write SHOWN: no write access to the directory DIR" with the errno.
void check_writable(const std::filesystem::path& path, std::string_view shown);

// Creates the directory `dir` with exactly `mode` (whatever the umask) and makes the new entry
// durable (fsync of its parent); its parent must exist. Returns false, doing nothing, when `dir`
// already exists. Throws SystemError "cannot create the directory SHOWN" with the errno; nothing
// is left behind then.
bool create_directory(Posix& posix, const std::filesystem::path& dir, mode_t mode,
                      std::string_view shown);

// Removes the empty directory `dir` that create_directory made, durably (undoing it).
void remove_directory(Posix& posix, const std::filesystem::path& dir, std::string_view shown);

// A restore that failed, and how far it got: `in_place` when the original's bytes (or its
// absence) are back at the path and only the directory's fsync failed, so that the caller says
// what the file holds now, never more or less.
class RestoreError : public Error {
public:
  RestoreError(std::string message, bool in_place)
      : Error(ExitStatus::system, std::move(message)), in_place_(in_place) {}
  bool in_place() const { return in_place_; }
  // "PATH is as it was again, but that may not survive a crash either (why)", or "RESTORE OF
  // PATH FAILED (why): it LEFT" (LEFT: what the failed step left there, "holds the new content"
  // or "is gone").
  std::string consequence(const std::filesystem::path& path, std::string_view left) const;

private:
  bool in_place_;
};

// Puts `path` back as `original` says: its bytes, mode and owner, or absent. Used to undo a
// write when a later step of the same command fails. Throws RestoreError.
void restore_file(Posix& posix, const std::filesystem::path& path, const FileState& original);

} // namespace kaltune
