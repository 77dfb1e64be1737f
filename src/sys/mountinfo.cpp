#include "sys/mountinfo.hpp"

#include <algorithm>

namespace kaltune {

namespace {
// Mountinfo escapes blanks, newlines and backslashes in paths as \ooo.
std::string unescape_mount_path(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\\' && i + 3 < text.size() &&
        std::all_of(text.begin() + static_cast<std::ptrdiff_t>(i) + 1,
                    text.begin() + static_cast<std::ptrdiff_t>(i) + 4,
                    [](char c) { return c >= '0' && c <= '7'; })) {
      out += static_cast<char>((text[i + 1] - '0') * 64 + (text[i + 2] - '0') * 8 +
                               (text[i + 3] - '0'));
      i += 3;
    } else {
      out += text[i];
    }
  }
  return out;
}

std::vector<std::string_view> split_fields(std::string_view line) {
  std::vector<std::string_view> fields;
  std::size_t start = 0;
  while (start < line.size()) {
    const std::size_t end = std::min(line.find(' ', start), line.size());
    if (end > start) {
      fields.push_back(line.substr(start, end - start));
    }
    start = end + 1;
  }
  return fields;
}
} // namespace

std::vector<MountinfoLine> parse_mountinfo(std::string_view mountinfo) {
  std::vector<MountinfoLine> lines;
  while (!mountinfo.empty()) {
    const std::size_t end = std::min(mountinfo.find('\n'), mountinfo.size());
    const auto fields = split_fields(mountinfo.substr(0, end));
    mountinfo.remove_prefix(std::min(end + 1, mountinfo.size()));
    const auto dash = std::find(fields.begin(), fields.end(), "-");
    if (fields.size() < 5 || dash == fields.end() || dash - fields.begin() < 5 ||
        dash + 1 == fields.end()) {
      continue;
    }
    MountinfoLine line;
    line.root = unescape_mount_path(fields[3]);
    line.mount_point = unescape_mount_path(fields[4]);
    line.fstype = std::string(*(dash + 1));
    if (dash + 2 != fields.end()) {
      line.source = std::string(*(dash + 2));
      if (dash + 3 != fields.end()) {
        line.super_options = std::string(*(dash + 3));
      }
    }
    lines.push_back(std::move(line));
  }
  return lines;
}

} // namespace kaltune
