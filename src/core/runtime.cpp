#include "core/runtime.hpp"

#include "base/text.hpp"

#include <fmt/format.h>

#include <charconv>

namespace kaltune {

namespace {
// Writes one key and verifies it by reading it back; throws on any failure.
void write_verified(ProcSys& proc, Key key, std::int64_t value) {
  const std::string text = fmt::format("{}", value);
  proc.write(sysctl_name(key), text);
  const std::int64_t back = read_integer(proc, sysctl_name(key));
  if (back != value) {
    throw Error(ExitStatus::system, fmt::format("{}: wrote {} but the kernel reads back {}",
                                                sysctl_name(key), value, back));
  }
}
} // namespace

Result<std::int64_t> parse_kernel_integer(std::string_view text) {
  const std::string_view trimmed = trim(text);
  std::int64_t value = 0;
  const char* begin = trimmed.data();
  const char* end = begin + trimmed.size();
  auto [ptr, ec] = std::from_chars(begin, end, value);
  if (trimmed.empty() || ec != std::errc() || ptr != end) {
    return Result<std::int64_t>::failure(fmt::format("not an integer: '{}'", trimmed));
  }
  return value;
}

std::int64_t read_integer(ProcSys& proc, std::string_view name) {
  auto value = parse_kernel_integer(proc.read(name));
  if (!value) {
    throw Error(ExitStatus::system, fmt::format("{}: {}", name, value.error()));
  }
  return *value;
}

Settings read_running(ProcSys& proc) {
  Settings out;
  for (Key key : all_keys) {
    out[key] = read_integer(proc, sysctl_name(key));
  }
  return out;
}

Settings merge(const Settings& current, const Request& request) {
  Settings out = current;
  for (Key key : all_keys) {
    if (request[index_of(key)]) {
      out[key] = *request[index_of(key)];
    }
  }
  return out;
}

std::vector<Change> plan_changes(const Settings& current, const Settings& target) {
  std::vector<Change> out;
  for (Key key : all_keys) {
    if (current[key] != target[key]) {
      out.push_back({key, current[key], target[key]});
    }
  }
  return out;
}

void apply_changes(ProcSys& proc, const std::vector<Change>& changes) {
  std::size_t done = 0;
  try {
    for (; done < changes.size(); ++done) {
      write_verified(proc, changes[done].key, changes[done].to);
    }
  } catch (const Error& error) {
    // A failed write may still have changed its key (a short or mis-verified write): restore it
    // too. Restore in reverse order, and report every key whose restore failed.
    std::vector<std::string> restored;
    std::vector<std::string> not_restored;
    for (std::size_t i = done + 1; i-- > 0;) {
      const Change& change = changes[i];
      try {
        if (i == done && read_integer(proc, sysctl_name(change.key)) == change.from) {
          continue; // the failed write left its key alone
        }
        write_verified(proc, change.key, change.from);
        restored.push_back(fmt::format("{} = {}", sysctl_name(change.key), change.from));
      } catch (const Error& restore_error) {
        not_restored.push_back(
            fmt::format("{} ({})", sysctl_name(change.key), restore_error.what()));
      }
    }
    std::string message = error.what();
    if (!not_restored.empty()) {
      message += fmt::format("; ROLLBACK FAILED for {}", fmt::join(not_restored, ", "));
    }
    if (!restored.empty()) {
      message += fmt::format("; rolled back {}", fmt::join(restored, ", "));
    } else if (not_restored.empty()) {
      message += "; nothing was changed";
    }
    // Permission denied before anything changed stays exit 3; any other failure is the system's.
    const ExitStatus status = (done == 0 && error.status() == ExitStatus::permission)
                                  ? ExitStatus::permission
                                  : ExitStatus::system;
    if (status == ExitStatus::permission) {
      message += " (writing these sysctls needs root, or CAP_NET_ADMIN over the network namespace)";
    }
    throw Error(status, message);
  }
}

} // namespace kaltune
