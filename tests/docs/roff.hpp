#pragma once

#include <string>
#include <vector>

namespace kaltune::testing {

// Just enough of man(7) to check what a hand-written page documents: sections, .TP tags and
// their bodies, .SY synopsis blocks and .EX examples, each turned into plain text.
struct RoffItem {
  std::string section;    // the .SH it is in, e.g. "OPTIONS"
  std::string subsection; // the .SS it is in, e.g. "show [options]"; empty if none
  std::string tag;        // plain text of the tag line(s) of a .TP (or .TQ)
  std::string body;       // plain text of the paragraph under the tag, words joined by one space
};

struct RoffPage {
  std::vector<std::string> sections;    // every .SH, in order
  std::vector<std::string> subsections; // every .SS, in order
  std::vector<RoffItem> items;          // every .TP, in order
  std::vector<std::string> synopses;    // each .SY … .YS block as one line of plain text
  std::vector<std::string> examples;    // each line inside .EX … .EE, plain text
  std::string text;                     // the whole page as plain text, one line per input line
};

// Plain text of one input line: escapes resolved (\- is -, fonts dropped), font macros such as
// .BR replaced by their joined arguments, other requests and comments dropped.
std::string roff_plain(const std::string& line);

RoffPage parse_roff(const std::string& source);

// Words separated by any whitespace, joined by one space.
std::string squeeze(const std::string& text);

} // namespace kaltune::testing
