#include "sys/atomic_file.hpp"

#include "base/error.hpp"
#include "sys/file_kind.hpp"
#include "sys/io.hpp"
#include "sys/read_fd.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <csignal>
#include <fcntl.h>
#include <sys/stat.h>
#include <system_error>
#include <unistd.h>

namespace kaltune {

namespace {
// Closes through the seam on every path out.
class SeamFd {
public:
  SeamFd(Posix& posix, int fd) : posix_(posix), fd_(fd) {}
  SeamFd(const SeamFd&) = delete;
  SeamFd& operator=(const SeamFd&) = delete;
  ~SeamFd() { reset(); }
  int get() const { return fd_; }
  // Holds `fd` from now on (closing what it held).
  void adopt(int fd) {
    reset();
    fd_ = fd;
  }
  // Closes now and reports the result (a close can fail with EIO on some file systems).
  int reset() {
    const int rc = fd_ >= 0 ? posix_.close(fd_) : 0;
    fd_ = -1;
    return rc;
  }

private:
  Posix& posix_;
  int fd_;
};

[[noreturn]] void fail(int error, const std::filesystem::path& path, std::string_view step,
                       std::string_view verb = "write") {
  throw SystemError(error, fmt::format("cannot {} {}: {}", verb, path.string(), step));
}

int seam_open_retrying(Posix& posix, const std::filesystem::path& path, int flags, mode_t mode) {
  return retry_eintr([&] { return posix.open(path.c_str(), flags | O_CLOEXEC, mode); });
}

void sync_directory(Posix& posix, const std::filesystem::path& dir,
                    const std::filesystem::path& path, std::string_view verb = "write") {
  SeamFd fd(posix, seam_open_retrying(posix, dir, O_RDONLY | O_DIRECTORY, 0));
  if (fd.get() < 0) {
    fail(errno, path, fmt::format("open of directory {}", dir.string()), verb);
  }
  if (posix.fsync(fd.get()) != 0) {
    fail(errno, path, fmt::format("fsync of directory {}", dir.string()), verb);
  }
}

std::filesystem::path directory_of(const std::filesystem::path& path) {
  return path.has_parent_path() ? path.parent_path() : std::filesystem::path(".");
}

// Creates the temp file beside the target; its name is hidden and does not end in ".conf", so
// neither boot-time applier ever reads it.
std::filesystem::path create_temp(Posix& posix, const std::filesystem::path& path, int& fd) {
  for (int attempt = 0; attempt < 100; ++attempt) {
    auto temp = directory_of(path) /
                fmt::format(".{}.kaltune-{}-{}", path.filename().string(), ::getpid(), attempt);
    fd = seam_open_retrying(posix, temp, O_WRONLY | O_CREAT | O_EXCL, 0600);
    if (fd >= 0) {
      return temp;
    }
    if (errno != EEXIST) {
      fail(errno, path, fmt::format("creation of temporary file {}", temp.string()));
    }
  }
  fail(EEXIST, path, "creation of a temporary file");
}
} // namespace

namespace {
// Opens `path` with `flags` into `fd` and, when it is a regular file, fills in `state` (exists,
// mode and owner); false, with `fd` empty, when it does not exist. Throws SystemError naming the
// path, or Error (exit 4) for anything but a regular file.
bool open_regular(Posix& posix, const std::filesystem::path& path, int flags, SeamFd& fd,
                  FileState& state) {
  fd.adopt(seam_open_retrying(posix, path, flags, 0));
  if (fd.get() < 0) {
    if (errno == ENOENT) {
      return false;
    }
    throw SystemError(errno, fmt::format("cannot open {}", path.string()));
  }
  struct stat st {};
  if (posix.fstat(fd.get(), &st) != 0) {
    throw SystemError(errno, fmt::format("cannot stat {}", path.string()));
  }
  if (!S_ISREG(st.st_mode)) {
    throw not_regular_file(path.string(), file_kind(st));
  }
  state.exists = true;
  state.mode = st.st_mode & 07777;
  state.uid = st.st_uid;
  state.gid = st.st_gid;
  return true;
}
} // namespace

FileState read_file_state(Posix& posix, const std::filesystem::path& path) {
  FileState state;
  SeamFd fd(posix, -1);
  // Non-blocking: a FIFO put there since the caller looked must not hang the run.
  if (!open_regular(posix, path, O_RDONLY | O_NOCTTY | O_NONBLOCK, fd, state)) {
    return state;
  }
  state.content = read_fd(
      fd.get(), path.string(),
      [&posix](int file, void* buffer, std::size_t size) { return posix.read(file, buffer, size); },
      max_config_bytes + 1);
  if (state.content.size() > max_config_bytes) {
    throw Error(ExitStatus::system,
                fmt::format("{} is larger than {}: not read, and kaltune does not edit it",
                            path.string(), max_config_text));
  }
  return state;
}

FileState stat_file_state(Posix& posix, const std::filesystem::path& path) {
  FileState state;
  SeamFd fd(posix, -1);
  open_regular(posix, path, O_PATH, fd, state); // O_PATH: nothing is opened for reading
  return state;
}

namespace {
// Temp file, write, fsync, owner and mode, rename: the target holds `content` afterwards, or
// (on a throw) is untouched and the temp file is gone. The directory is not synced yet.
void replace_file(Posix& posix, const std::filesystem::path& path, std::string_view content,
                  const FileState& original) {
  int raw_fd = -1;
  const std::filesystem::path temp = create_temp(posix, path, raw_fd);
  SeamFd fd(posix, raw_fd);
  try {
    if (const int error = write_all(fd.get(), content,
                                    [&posix](int file, const void* data, std::size_t size) {
                                      return posix.write(file, data, size);
                                    });
        error != 0) {
      fail(error, path, "write of the temporary file");
    }
    if (posix.fsync(fd.get()) != 0) {
      fail(errno, path, "fsync of the temporary file");
    }
    if (original.exists) {
      // Only when it differs: a user may keep ownership of their own file without CAP_CHOWN.
      struct stat st {};
      if (posix.fstat(fd.get(), &st) != 0) {
        fail(errno, path, "stat of the temporary file");
      }
      if ((st.st_uid != original.uid || st.st_gid != original.gid) &&
          posix.fchown(fd.get(), original.uid, original.gid) != 0) {
        fail(errno, path, fmt::format("chown to {}:{}", original.uid, original.gid));
      }
    }
    // After fchown, which clears set-id bits.
    if (posix.fchmod(fd.get(), original.mode) != 0) {
      fail(errno, path, fmt::format("chmod to {:04o}", original.mode));
    }
    if (fd.reset() != 0) {
      fail(errno, path, "close of the temporary file");
    }
    if (posix.rename(temp.c_str(), path.c_str()) != 0) {
      fail(errno, path, fmt::format("rename of {}", temp.string()));
    }
  } catch (...) {
    fd.reset();
    posix.unlink(temp.c_str());
    throw;
  }
}
} // namespace

void publish_file(Posix& posix, const std::filesystem::path& path, std::string_view content,
                  const FileState& attributes) {
  replace_file(posix, path, content, attributes);
  try {
    sync_directory(posix, directory_of(path), path);
  } catch (const SystemError& error) {
    throw Error(ExitStatus::system,
                fmt::format("{}; {} holds the new content, which may not survive a crash",
                            error.what(), path.string()));
  }
}

void write_atomically(Posix& posix, const std::filesystem::path& path, std::string_view content,
                      const FileState& original) {
  replace_file(posix, path, content, original);
  try {
    sync_directory(posix, directory_of(path), path);
  } catch (const SystemError& error) {
    // The new content is in place but may not survive a crash: put the original back so the
    // command fails with nothing changed, as promised.
    try {
      restore_file(posix, path, original);
    } catch (const RestoreError& restore) {
      // A double fault, said as what the file holds now, never as a plain failed write.
      throw Error(
          ExitStatus::system,
          fmt::format("{}; {}", error.what(), restore.consequence(path, "holds the new content")));
    }
    throw error.noted(fmt::format("{} put back as it was", path.string()));
  }
}

std::vector<std::string> remove_stale_temps(Posix& posix, const std::filesystem::path& path) {
  std::vector<std::string> removed;
  const std::string prefix = fmt::format(".{}.kaltune-", path.filename().string());
  const std::filesystem::path directory = directory_of(path);
  // A directory that cannot be listed has no temp file kaltune could remove: nothing to do.
  for_each_entry(directory, [&](const DirEntry& entry) {
    const std::string name(entry.name);
    if (name.compare(0, prefix.size(), prefix) != 0) {
      return;
    }
    // ".NAME.kaltune-PID-N": only when PID is gone (ESRCH), never a running writer's file.
    const std::string rest = name.substr(prefix.size());
    const auto dash = rest.find('-');
    const auto digits = [](std::string_view text) {
      return !text.empty() && text.size() <= 9 &&
             text.find_first_not_of("0123456789") == std::string_view::npos;
    };
    if (dash == std::string::npos || !digits(std::string_view(rest).substr(0, dash)) ||
        !digits(std::string_view(rest).substr(dash + 1))) {
      return;
    }
    const pid_t pid = static_cast<pid_t>(std::stol(rest.substr(0, dash)));
    if (::kill(pid, 0) == 0 || errno != ESRCH) {
      return;
    }
    if (posix.unlink((directory / name).c_str()) == 0) {
      removed.push_back(name);
    }
  });
  return removed;
}

void remove_durably(Posix& posix, const std::filesystem::path& path, const FileState& original) {
  if (posix.unlink(path.c_str()) != 0) {
    throw SystemError(errno, fmt::format("cannot remove {}", path.string()));
  }
  try {
    sync_directory(posix, directory_of(path), path, "remove");
  } catch (const SystemError& error) {
    // Gone, but the removal may not survive a crash: put the file back so the command fails
    // with nothing changed.
    try {
      restore_file(posix, path, original);
    } catch (const RestoreError& restore) {
      throw Error(ExitStatus::system,
                  fmt::format("{}; {}", error.what(), restore.consequence(path, "is gone")));
    }
    throw error.noted(fmt::format("{} put back as it was", path.string()));
  }
}

std::string RestoreError::consequence(const std::filesystem::path& path,
                                      std::string_view left) const {
  if (in_place_) {
    return fmt::format("{} is as it was again, but that may not survive a crash either ({})",
                       path.string(), what());
  }
  return fmt::format("RESTORE OF {} FAILED ({}): it {}", path.string(), what(), left);
}

void restore_file(Posix& posix, const std::filesystem::path& path, const FileState& original) {
  try {
    if (original.exists) {
      replace_file(posix, path, original.content, original);
    } else if (posix.unlink(path.c_str()) != 0 && errno != ENOENT) {
      throw SystemError(errno, fmt::format("cannot remove {}", path.string()));
    }
  } catch (const Error& error) {
    throw RestoreError(error.what(), false);
  }
  try {
    sync_directory(posix, directory_of(path), path);
  } catch (const Error& error) {
    throw RestoreError(error.what(), true);
  }
}

void check_writable(const std::filesystem::path& path, std::string_view shown) {
  std::filesystem::path dir = directory_of(path);
  std::string shown_dir(directory_of(std::filesystem::path(shown)).string());
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0 && errno == ENOENT) {
    dir = directory_of(dir); // created first: its parent must take the new directory
    shown_dir = directory_of(shown_dir).string();
  }
  if (::faccessat(AT_FDCWD, dir.c_str(), W_OK | X_OK, AT_EACCESS) != 0) {
    throw SystemError(errno, fmt::format("cannot write {}: no write access to the directory {}",
                                         shown, shown_dir));
  }
}

bool create_directory(Posix& posix, const std::filesystem::path& dir, mode_t mode,
                      std::string_view shown) {
  if (posix.mkdir(dir.c_str(), mode) != 0) {
    if (errno == EEXIST) {
      return false;
    }
    throw SystemError(errno, fmt::format("cannot create the directory {}", shown));
  }
  try {
    // mkdir's mode is masked by the umask: set it as asked.
    SeamFd fd(posix, seam_open_retrying(posix, dir, O_RDONLY | O_DIRECTORY, 0));
    if (fd.get() < 0 || posix.fchmod(fd.get(), mode) != 0) {
      throw SystemError(
          errno, fmt::format("cannot create the directory {}: chmod to {:04o}", shown, mode));
    }
    sync_directory(posix, directory_of(dir), dir);
  } catch (const Error&) {
    posix.rmdir(dir.c_str());
    throw;
  }
  return true;
}

void remove_directory(Posix& posix, const std::filesystem::path& dir, std::string_view shown) {
  if (posix.rmdir(dir.c_str()) != 0) {
    throw SystemError(errno, fmt::format("cannot remove the directory {}", shown));
  }
  sync_directory(posix, directory_of(dir), dir);
}

} // namespace kaltune
