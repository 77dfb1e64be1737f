#include "roff.hpp"

#include <map>
#include <sstream>

namespace kaltune::testing {

namespace {
std::string unescape(const std::string& in) {
  static const std::map<std::string, std::string> named{
      {"mu", "\u00d7"}, {"en", "\u2013"}, {"em", "\u2014"}, {"->", "\u2192"}, {"aq", "'"}};
  std::string out;
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '\\' || i + 1 == in.size()) {
      out += in[i];
      continue;
    }
    const char c = in[++i];
    if (c == 'f') { // font: \fB, \f(XX, \f[XX]
      if (i + 1 < in.size() && in[i + 1] == '(') {
        i += 3;
      } else if (i + 1 < in.size() && in[i + 1] == '[') {
        i = in.find(']', i);
      } else {
        ++i;
      }
    } else if (c == '(' && i + 2 < in.size()) {
      const std::string name = in.substr(i + 1, 2);
      out += named.count(name) ? named.at(name) : "?";
      i += 2;
    } else if (c == '-') {
      out += '-';
    } else if (c == 'e') {
      out += '\\';
    } else if (c == ' ') {
      out += ' ';
    } else if (c == '&' || c == '/' || c == ',') {
      // zero-width
    } else if (c == '"') {
      break; // comment to the end of the line
    } else {
      out += c;
    }
  }
  return out;
}

std::vector<std::string> macro_args(const std::string& rest) {
  std::vector<std::string> args;
  std::size_t i = 0;
  while (i < rest.size()) {
    while (i < rest.size() && rest[i] == ' ') {
      ++i;
    }
    if (i == rest.size()) {
      break;
    }
    std::string arg;
    if (rest[i] == '"') {
      for (++i; i < rest.size() && rest[i] != '"'; ++i) {
        arg += rest[i];
      }
      ++i;
    } else {
      for (; i < rest.size() && rest[i] != ' '; ++i) {
        arg += rest[i];
      }
    }
    args.push_back(arg);
  }
  return args;
}

bool is_request(const std::string& line) {
  return !line.empty() && (line[0] == '.' || line[0] == '\'');
}

std::string macro_name(const std::string& line) {
  const auto end = line.find(' ');
  return line.substr(1, end == std::string::npos ? std::string::npos : end - 1);
}

std::string macro_rest(const std::string& line) {
  const auto space = line.find(' ');
  return space == std::string::npos ? "" : line.substr(space + 1);
}
} // namespace

std::string squeeze(const std::string& text) {
  std::istringstream in(text);
  std::string word;
  std::string out;
  while (in >> word) {
    out += out.empty() ? "" : " ";
    out += word;
  }
  return out;
}

std::string roff_plain(const std::string& line) {
  if (!is_request(line)) {
    return unescape(line);
  }
  const std::string name = macro_name(line);
  const auto args = macro_args(macro_rest(line));
  std::string out;
  if (name == "B" || name == "I" || name == "SM" || name == "SB") {
    for (const auto& arg : args) {
      out += (out.empty() ? "" : " ") + unescape(arg);
    }
  } else if (name.size() == 2 && std::string("BIR").find(name[0]) != std::string::npos &&
             std::string("BIR").find(name[1]) != std::string::npos) {
    for (const auto& arg : args) {
      out += unescape(arg);
    }
  }
  return out;
}

RoffPage parse_roff(const std::string& source) {
  RoffPage page;
  std::istringstream in(source);
  std::string line;
  std::string section;
  std::string subsection;
  enum class Mode { text, tag, body, synopsis, example } mode = Mode::text;
  RoffItem* item = nullptr;
  while (std::getline(in, line)) {
    if (line.starts_with(".\\\"")) {
      continue;
    }
    const std::string plain = roff_plain(line);
    page.text += plain + "\n";
    const std::string name = is_request(line) ? macro_name(line) : "";
    if (name == "SH" || name == "SS") {
      const auto args = macro_args(macro_rest(line));
      std::string title;
      for (const auto& arg : args) {
        title += (title.empty() ? "" : " ") + unescape(arg);
      }
      if (name == "SH") {
        section = title;
        subsection.clear();
        page.sections.push_back(title);
      } else {
        subsection = title;
        page.subsections.push_back(title);
      }
      mode = Mode::text;
      continue;
    }
    if (name == "TP") {
      page.items.push_back({section, subsection, "", ""});
      item = &page.items.back();
      mode = Mode::tag;
      continue;
    }
    if (name == "TQ" && item != nullptr) {
      mode = Mode::tag;
      continue;
    }
    if (name == "PP" || name == "P" || name == "LP" || name == "IP") {
      mode = Mode::text;
      continue;
    }
    if (name == "SY") {
      page.synopses.push_back(unescape(macro_rest(line)));
      mode = Mode::synopsis;
      continue;
    }
    if (name == "YS") {
      mode = Mode::text;
      continue;
    }
    if (name == "EX") {
      mode = Mode::example;
      continue;
    }
    if (name == "EE") {
      mode = Mode::text;
      continue;
    }
    switch (mode) {
    case Mode::tag:
      item->tag += (item->tag.empty() ? "" : " ") + plain;
      mode = Mode::body;
      break;
    case Mode::body:
      item->body = squeeze(item->body + " " + plain);
      break;
    case Mode::synopsis:
      page.synopses.back() += " " + plain;
      break;
    case Mode::example:
      page.examples.push_back(plain);
      break;
    case Mode::text:
      break;
    }
  }
  for (auto& synopsis : page.synopses) {
    synopsis = squeeze(synopsis);
  }
  return page;
}

} // namespace kaltune::testing
