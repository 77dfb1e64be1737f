#include "render/unified.hpp"

#include "base/text.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <vector>

namespace kaltune {

namespace {
constexpr std::size_t context = 3;
// Above this many cells the middle is shown as replaced wholesale rather than aligned.
constexpr std::size_t max_table = 4'000'000;

struct Line {
  std::string_view text; // without its '\n'
  bool newline = true;
  bool operator==(const Line& other) const {
    return text == other.text && newline == other.newline;
  }
};

std::vector<Line> split(std::string_view text) {
  std::vector<Line> out;
  while (!text.empty()) {
    const std::size_t end = text.find('\n');
    if (end == std::string_view::npos) {
      out.push_back({text, false});
      break;
    }
    out.push_back({text.substr(0, end), true});
    text.remove_prefix(end + 1);
  }
  return out;
}

enum class Op { same, del, ins };
struct Step {
  Op op;
  std::size_t a; // index into the old lines (same, del)
  std::size_t b; // index into the new lines (same, ins)
};

// The edit script: common prefix and suffix, and a longest common subsequence in between.
std::vector<Step> edit_script(const std::vector<Line>& a, const std::vector<Line>& b) {
  std::size_t prefix = 0;
  while (prefix < a.size() && prefix < b.size() && a[prefix] == b[prefix]) {
    ++prefix;
  }
  std::size_t suffix = 0;
  while (suffix < a.size() - prefix && suffix < b.size() - prefix &&
         a[a.size() - 1 - suffix] == b[b.size() - 1 - suffix]) {
    ++suffix;
  }
  const std::size_t n = a.size() - prefix - suffix;
  const std::size_t m = b.size() - prefix - suffix;
  std::vector<Step> steps;
  for (std::size_t i = 0; i < prefix; ++i) {
    steps.push_back({Op::same, i, i});
  }
  if ((n + 1) * (m + 1) <= max_table) {
    // lcs[i][j]: the LCS length of a[prefix+i..] and b[prefix+j..].
    std::vector<std::size_t> lcs((n + 1) * (m + 1), 0);
    auto at = [&](std::size_t i, std::size_t j) -> std::size_t& { return lcs[i * (m + 1) + j]; };
    for (std::size_t i = n; i-- > 0;) {
      for (std::size_t j = m; j-- > 0;) {
        at(i, j) = a[prefix + i] == b[prefix + j] ? at(i + 1, j + 1) + 1
                                                  : std::max(at(i + 1, j), at(i, j + 1));
      }
    }
    std::size_t i = 0;
    std::size_t j = 0;
    while (i < n || j < m) {
      if (i < n && j < m && a[prefix + i] == b[prefix + j]) {
        steps.push_back({Op::same, prefix + i++, prefix + j++});
      } else if (j == m || (i < n && at(i + 1, j) >= at(i, j + 1))) {
        steps.push_back({Op::del, prefix + i++, 0});
      } else {
        steps.push_back({Op::ins, 0, prefix + j++});
      }
    }
  } else {
    for (std::size_t i = 0; i < n; ++i) {
      steps.push_back({Op::del, prefix + i, 0});
    }
    for (std::size_t j = 0; j < m; ++j) {
      steps.push_back({Op::ins, 0, prefix + j});
    }
  }
  for (std::size_t k = 0; k < suffix; ++k) {
    steps.push_back({Op::same, a.size() - suffix + k, b.size() - suffix + k});
  }
  return steps;
}

// "start,count" of a hunk side; diff writes the line before for an empty side.
std::string range(std::size_t first, std::size_t count) {
  if (count == 1) {
    return fmt::format("{}", first + 1);
  }
  return fmt::format("{},{}", count == 0 ? first : first + 1, count);
}
} // namespace

std::string unified_text_diff(std::string_view from_label, std::string_view to_label,
                              std::string_view from, std::string_view to, const Style& style) {
  if (from == to) {
    return {};
  }
  const std::vector<Line> a = split(from);
  const std::vector<Line> b = split(to);
  const std::vector<Step> steps = edit_script(a, b);
  std::string out = style.bold(fmt::format("--- {}", printable(from_label))) + "\n" +
                    style.bold(fmt::format("+++ {}", printable(to_label))) + "\n";
  std::size_t k = 0;
  while (k < steps.size()) {
    // The next change, and the hunk around it: changes closer than 2 × context share one.
    while (k < steps.size() && steps[k].op == Op::same) {
      ++k;
    }
    if (k == steps.size()) {
      break;
    }
    const std::size_t begin = k > context ? k - context : 0;
    std::size_t end = k;
    std::size_t same_run = 0;
    while (end < steps.size() && same_run <= 2 * context) {
      same_run = steps[end].op == Op::same ? same_run + 1 : 0;
      ++end;
    }
    end -= same_run > context ? same_run - context : 0;
    // First line numbers and counts of each side.
    std::size_t a_first = 0;
    std::size_t b_first = 0;
    std::size_t a_count = 0;
    std::size_t b_count = 0;
    // The old/new position before the hunk: count what came before.
    for (std::size_t s = 0; s < begin; ++s) {
      a_first += steps[s].op != Op::ins ? 1 : 0;
      b_first += steps[s].op != Op::del ? 1 : 0;
    }
    std::string body;
    for (std::size_t s = begin; s < end; ++s) {
      const Step& step = steps[s];
      const Line& line = step.op == Op::ins ? b[step.b] : a[step.a];
      a_count += step.op != Op::ins ? 1 : 0;
      b_count += step.op != Op::del ? 1 : 0;
      const char mark = step.op == Op::same ? ' ' : step.op == Op::del ? '-' : '+';
      // A file's bytes reach a terminal: escaped like every text from outside (a lone CR or an
      // escape sequence in a config line shows as \r or \x1B); the CR of a CRLF ending stays,
      // as diff(1) prints it: before the newline it moves nothing.
      const bool crlf = line.newline && line.text.ends_with('\r');
      const std::string text = fmt::format(
          "{}{}{}", mark, printable(line.text.substr(0, line.text.size() - (crlf ? 1 : 0))),
          crlf ? "\r" : "");
      body += step.op == Op::same ? text : step.op == Op::del ? style.bad(text) : style.good(text);
      body += "\n";
      if (!line.newline) {
        body += "\\ No newline at end of file\n";
      }
    }
    out +=
        style.dim(fmt::format("@@ -{} +{} @@", range(a_first, a_count), range(b_first, b_count)));
    out += "\n" + body;
    k = end;
  }
  return out;
}

} // namespace kaltune
