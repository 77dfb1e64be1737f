#pragma once

#include "base/error.hpp"
#include "sys/procsys.hpp"

#include <map>
#include <string>
#include <vector>

namespace kaltune::test {

// An in-memory /proc/sys that records every write and can fail a chosen one.
class FakeProcSys : public ProcSys {
public:
  std::map<std::string, std::string, std::less<>> values{
      {"net.ipv4.tcp_keepalive_time", "7200\n"},
      {"net.ipv4.tcp_keepalive_intvl", "75\n"},
      {"net.ipv4.tcp_keepalive_probes", "9\n"},
      {"net.ipv4.tcp_retries2", "15\n"},
  };
  std::vector<std::pair<std::string, std::string>> writes;
  // Fail the write with this 1-based index with `fail_errno` (0: never).
  std::size_t fail_write = 0;
  int fail_errno = 0;
  // Make this key read back this text after any write (a kernel that stores something else).
  std::map<std::string, std::string, std::less<>> read_back_override;

  std::string read(std::string_view name) override {
    auto it = values.find(name);
    if (it == values.end()) {
      throw SystemError(ENOENT, "cannot open " + std::string(name));
    }
    return it->second;
  }

  void write(std::string_view name, std::string_view text) override {
    writes.emplace_back(name, text);
    if (writes.size() == fail_write) {
      throw SystemError(fail_errno, "cannot write " + std::string(name));
    }
    auto override = read_back_override.find(name);
    values[std::string(name)] =
        override != read_back_override.end() ? override->second : std::string(text) + "\n";
  }
};

} // namespace kaltune::test
