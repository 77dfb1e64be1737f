#pragma once

// The inode of a socket descriptor: what sock_diag and /proc/PID/fd name a socket by.

#include <gtest/gtest.h>

#include <cstdint>
#include <sys/stat.h>

namespace kaltune {

inline std::uint32_t inode_of(int fd) {
  struct stat st {};
  EXPECT_EQ(::fstat(fd, &st), 0);
  return static_cast<std::uint32_t>(st.st_ino);
}

} // namespace kaltune
