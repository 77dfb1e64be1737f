#pragma once

// What the rows of boot_source.hpp work with: the reader of their inputs (I/O, under --root) and
// the context in which they say what they set (pure). Only the rows and the resolver include it.

#include "config/boot.hpp"
#include "config/boot_source.hpp"

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kaltune {

// Reads the inputs of boot under a root into a ConfTree. A path that does not exist is simply
// absent; one that exists but cannot be read is a warning of the tree, not a failure of the view.
class BootReader {
public:
  BootReader(const std::filesystem::path& root, ConfTree& tree) : root_(root), tree_(tree) {}
  // One path into tree.extra; the node read (nullptr when it could not be read), valid until the
  // next read.
  const ConfNode* read(const std::string& path);
  // The names in `dir` ending in `suffix` (unsorted), remembered in tree.listings.
  std::vector<std::string> list(const std::string& dir, std::string_view suffix);
  // Every DIR/NAME of list(dir, suffix).
  void read_all(const std::string& dir, std::string_view suffix);
  const std::filesystem::path& root() const { return root_; }
  ConfTree& tree() { return tree_; }

private:
  const std::filesystem::path& root_;
  ConfTree& tree_;
};

// A text the applier parses with its line rules, as one more file.
struct AppliedText {
  std::string file;   // as assignments name it ("credential sysctl.extra", a path, …)
  std::string target; // where its bytes are
  const std::string* in_tree = nullptr; // the bytes, when they are a node's of the tree
  std::string own;                      // else the bytes themselves (a decoded credential)
  std::string_view content() const { return in_tree != nullptr ? *in_tree : own; }
};

// A kernel command line and the file it comes from.
struct Cmdline {
  std::string where;
  std::string text;
};

// The state in which each row, in the table's order, says what it sets.
struct SourceContext {
  SourceContext(const ConfTree& t, BootModel m) : tree(t), model(m) {}
  const ConfTree& tree;
  BootModel model;
  std::vector<std::string> warnings; // this row's diagnostics ("file:line: what")
  std::vector<BootStep> steps;       // this row's steps
  // What the row sets: assignments it writes (Simulated::written / tuned_writes) or texts the
  // applier parses (Simulated::applier_lines).
  std::vector<BootAssignment> writes;
  std::vector<AppliedText> texts;
  std::vector<BootFile> files; // every file the applier considered (the applier row)
  // What rows hand to later rows.
  std::optional<Cmdline> cmdline;    // the command line the next boot uses, if known
  bool credential_taken = false;     // sysctl.extra is already given (systemd keeps the first)
  std::optional<bool> tuned_reapply; // tuned runs: its reapply_sysctl
  bool tuned_loaded = false;         // and its profile loads
};

// What a node the applier cannot read means ("masked (a link to /dev/null): nothing applied").
std::string describe_unreadable(const ConfNode& node);

// What the kernel makes of `a.text`, with its note when that is not what it looks like.
void read_value(BootAssignment& a);

} // namespace kaltune
