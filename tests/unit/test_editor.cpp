#include "config/editor.hpp"

#include "config/boot.hpp"

#include <gtest/gtest.h>

#include <string>

namespace kaltune {
namespace {

using namespace std::string_literals;

KeyValues values(std::optional<std::int64_t> time, std::optional<std::int64_t> intvl = {},
                 std::optional<std::int64_t> probes = {}) {
  return {time, intvl, probes};
}

struct EditCase {
  std::string name;
  std::string before;
  KeyValues values;
  std::string after; // exact bytes
};

class SetKeys : public ::testing::TestWithParam<EditCase> {};

TEST_P(SetKeys, ExactBytes) {
  const EditCase& c = GetParam();
  const EditResult result = set_keys(c.before, c.values);
  EXPECT_EQ(result.content, c.after);
  EXPECT_EQ(result.changed, c.before != c.after);
  // Idempotent: a second edit with the same values changes nothing.
  const EditResult again = set_keys(result.content, c.values);
  EXPECT_EQ(again.content, result.content);
  EXPECT_FALSE(again.changed);
}

INSTANTIATE_TEST_SUITE_P(
    Table, SetKeys,
    ::testing::Values(
        EditCase{"EmptyFileGetsAppendedKeys", "", values(600, 30, 4),
                 "net.ipv4.tcp_keepalive_time = 600\nnet.ipv4.tcp_keepalive_intvl = 30\n"
                 "net.ipv4.tcp_keepalive_probes = 4\n"},
        EditCase{"ValueReplacedInPlaceSpacingKept", "net.ipv4.tcp_keepalive_time\t=   7200   \n",
                 values(600), "net.ipv4.tcp_keepalive_time\t=   600   \n"},
        EditCase{"CommentsBlankLinesOrderAndOtherKeysKept",
                 "# header\n\n; other comment\nvm.swappiness = 10\n"
                 "net.ipv4.tcp_keepalive_time = 7200\nkernel.panic=5\n",
                 values(600, 30),
                 "# header\n\n; other comment\nvm.swappiness = 10\n"
                 "net.ipv4.tcp_keepalive_time = 600\nkernel.panic=5\n"
                 "net.ipv4.tcp_keepalive_intvl = 30\n"},
        EditCase{"CrlfKeptAndUsedForAppendedLines", "# c\r\nnet.ipv4.tcp_keepalive_time = 1\r\n",
                 values(600, 30),
                 "# c\r\nnet.ipv4.tcp_keepalive_time = 600\r\n"
                 "net.ipv4.tcp_keepalive_intvl = 30\r\n"},
        EditCase{"MissingFinalNewlineStaysMissingOnInPlaceEdit",
                 "a = 1\nnet.ipv4.tcp_keepalive_probes = 9", values({}, {}, 4),
                 "a = 1\nnet.ipv4.tcp_keepalive_probes = 4"},
        EditCase{"MissingFinalNewlineStaysMissingWhenAppending", "a = 1", values(600),
                 "a = 1\nnet.ipv4.tcp_keepalive_time = 600"},
        EditCase{"EveryDuplicateUpdated",
                 "net.ipv4.tcp_keepalive_time = 100\nx = 1\nnet.ipv4.tcp_keepalive_time = 200\n",
                 values(600),
                 "net.ipv4.tcp_keepalive_time = 600\nx = 1\nnet.ipv4.tcp_keepalive_time = 600\n"},
        EditCase{"SlashSpellingKeptAndUpdated",
                 "net/ipv4/tcp_keepalive_intvl = 75\n/net/ipv4/tcp_keepalive_probes=9\n",
                 values({}, 30, 4),
                 "net/ipv4/tcp_keepalive_intvl = 30\n/net/ipv4/tcp_keepalive_probes=4\n"},
        EditCase{"IgnoreFailureMarkKept", "-net.ipv4.tcp_keepalive_time = 7200\n", values(600),
                 "-net.ipv4.tcp_keepalive_time = 600\n"},
        EditCase{"GlobLineLeftAlone", "net.ipv4.tcp_keepalive_* = 5\n", values(600),
                 "net.ipv4.tcp_keepalive_* = 5\nnet.ipv4.tcp_keepalive_time = 600\n"},
        EditCase{"LineWithoutEqualsLeftAlone", "net.ipv4.tcp_keepalive_time\n", values(600),
                 "net.ipv4.tcp_keepalive_time\nnet.ipv4.tcp_keepalive_time = 600\n"},
        EditCase{"OctalLookalikeRewritten", "net.ipv4.tcp_keepalive_time = 0600\n", values(600),
                 "net.ipv4.tcp_keepalive_time = 600\n"},
        EditCase{"TrailingWordsArePartOfTheValue",
                 "net.ipv4.tcp_keepalive_time = 7200 # two hours\n", values(600),
                 "net.ipv4.tcp_keepalive_time = 600\n"},
        EditCase{"EmptyValueFilled", "net.ipv4.tcp_keepalive_time =\n", values(600),
                 "net.ipv4.tcp_keepalive_time = 600\n"},
        EditCase{"ByteOrderMarkLineSetsNothingSoTheKeyIsAppended",
                 "\xEF\xBB\xBFnet.ipv4.tcp_keepalive_time = 1\n", values(2),
                 "\xEF\xBB\xBFnet.ipv4.tcp_keepalive_time = 1\nnet.ipv4.tcp_keepalive_time = 2\n"},
        EditCase{"ByteOrderMarkOnACommentKept",
                 "\xEF\xBB\xBF# c\nnet.ipv4.tcp_keepalive_time = 1\n", values(2),
                 "\xEF\xBB\xBF# c\nnet.ipv4.tcp_keepalive_time = 2\n"},
        EditCase{"ExclusionLineLeftAlone",
                 "net.ipv4.tcp_keepalive_time = 1\n-net.ipv4.tcp_keepalive_time\n", values(2),
                 "net.ipv4.tcp_keepalive_time = 2\n-net.ipv4.tcp_keepalive_time\n"},
        EditCase{"AlreadySetChangesNothing", "# x\r\nnet.ipv4.tcp_keepalive_time = 600",
                 values(600), "# x\r\nnet.ipv4.tcp_keepalive_time = 600"},
        EditCase{"SimilarKeysUntouched",
                 "net.ipv4.tcp_keepalive_timex = 1\nnet.ipv6.tcp_keepalive_time = 1\n", values(600),
                 "net.ipv4.tcp_keepalive_timex = 1\nnet.ipv6.tcp_keepalive_time = 1\n"
                 "net.ipv4.tcp_keepalive_time = 600\n"},
        EditCase{"CommentedOutAssignmentUntouched",
                 "#net.ipv4.tcp_keepalive_time = 1\n; net.ipv4.tcp_keepalive_time = 2\n",
                 values(600),
                 "#net.ipv4.tcp_keepalive_time = 1\n; net.ipv4.tcp_keepalive_time = 2\n"
                 "net.ipv4.tcp_keepalive_time = 600\n"},
        EditCase{"NegativeValueWithForce", "net.ipv4.tcp_keepalive_time = 5\n", values(-1),
                 "net.ipv4.tcp_keepalive_time = -1\n"},
        // Lines that only look like ours: whatever reaches no key for both appliers keeps its
        // bytes, and a line both read as the key is appended after it, so it wins in both.
        EditCase{"MixedSeparatorsReachNothingSoTheKeyIsAppended",
                 "net.ipv4/tcp_keepalive_time = 1\n", values(600),
                 "net.ipv4/tcp_keepalive_time = 1\nnet.ipv4.tcp_keepalive_time = 600\n"},
        EditCase{"LeadingSlashWithDotsReachesNothing", "/net.ipv4.tcp_keepalive_intvl = 1\n",
                 values({}, 30),
                 "/net.ipv4.tcp_keepalive_intvl = 1\nnet.ipv4.tcp_keepalive_intvl = 30\n"},
        EditCase{"DoubleDashIsProcpsOnly", "--net.ipv4.tcp_keepalive_time = 1\n", values(600),
                 "--net.ipv4.tcp_keepalive_time = 1\nnet.ipv4.tcp_keepalive_time = 600\n"},
        EditCase{"TrailingSlashIsSystemdOnly", "net/ipv4/tcp_keepalive_probes/ = 1\n",
                 values({}, {}, 4),
                 "net/ipv4/tcp_keepalive_probes/ = 1\nnet.ipv4.tcp_keepalive_probes = 4\n"},
        EditCase{"LoneCarriageReturnSplitsTheLineForSystemd",
                 "net.ipv4.tcp_keepalive_time = 1\r# x\n", values(600),
                 "net.ipv4.tcp_keepalive_time = 1\r# x\nnet.ipv4.tcp_keepalive_time = 600\n"},
        // A lone CR that ends the file ends the last line for both appliers: the line is
        // edited in place and keeps its ending; a line appended goes before it (not after: a
        // line after a lone CR would be part of it for procps), so no ending changes.
        EditCase{"LoneCarriageReturnAtTheEndIsTheLastLinesEnding",
                 "net.ipv4.tcp_keepalive_time = 5\r", values(600),
                 "net.ipv4.tcp_keepalive_time = 600\r"},
        EditCase{"AppendedBeforeALastLineEndedByALoneCarriageReturn",
                 "a = 1\nnet.ipv4.tcp_keepalive_intvl = 5\r", values(600),
                 "a = 1\nnet.ipv4.tcp_keepalive_time = 600\nnet.ipv4.tcp_keepalive_intvl = 5\r"},
        // systemd ends `key=` at the NUL and applies the line after the one kaltune edited: the
        // canonical line is appended after it.
        EditCase{"LaterLineEndingInNulGetsALineAfterIt",
                 "net.ipv4.tcp_keepalive_time = 5\nnet.ipv4.tcp_keepalive_time=\0\n"s, values(600),
                 "net.ipv4.tcp_keepalive_time = 600\nnet.ipv4.tcp_keepalive_time=\0\n"
                 "net.ipv4.tcp_keepalive_time = 600\n"s},
        // procps compares a glob with the explicit key's text: a leading dot does not keep a
        // glob off the key, so that line is not edited; a canonical line is appended.
        EditCase{"LeadingDotIsNotEditedInPlace",
                 ".net.ipv4.tcp_keepalive_time = 5\nnet.ipv4.tcp_keepalive_* = 3\n", values(600),
                 ".net.ipv4.tcp_keepalive_time = 5\nnet.ipv4.tcp_keepalive_* = 3\n"
                 "net.ipv4.tcp_keepalive_time = 600\n"},
        EditCase{"OnlyBlankLinesFile", "\n\n", values({}, {}, 3),
                 "\n\nnet.ipv4.tcp_keepalive_probes = 3\n"}),
    [](const ::testing::TestParamInfo<EditCase>& info) { return info.param.name; });

TEST(SetKeys, ReportsWhatItDid) {
  const EditResult result =
      set_keys("net.ipv4.tcp_keepalive_time = 1\nnet.ipv4.tcp_keepalive_* = 5\n", values(600, 30));
  EXPECT_EQ(result.updated, std::vector<std::size_t>{1});
  EXPECT_EQ(result.appended, std::vector<Key>{Key::intvl});
  ASSERT_EQ(result.notes.size(), 2u);
  EXPECT_EQ(result.notes[0].line, 2u);
  EXPECT_EQ(result.notes[0].message, "glob 'net.ipv4.tcp_keepalive_*' also sets "
                                     "net.ipv4.tcp_keepalive_time; kaltune leaves glob lines as "
                                     "they are");
}

TEST(RemoveKeys, RemovesEveryAssignmentAndKeepsTheRest) {
  const std::string before =
      "# keep\r\nvm.x = 1\r\nnet.ipv4.tcp_keepalive_time = 5\r\n"
      "-net/ipv4/tcp_keepalive_intvl=3\r\n\r\nnet.ipv4.tcp_keepalive_* = 2\r\n"
      "net.ipv4.tcp_keepalive_probes = 4";
  const EditResult result = remove_keys(before, every_key());
  EXPECT_EQ(result.content, "# keep\r\nvm.x = 1\r\n\r\nnet.ipv4.tcp_keepalive_* = 2\r\n");
  EXPECT_EQ(result.removed, (std::vector<std::size_t>{3, 4, 7}));
  EXPECT_EQ(result.notes.size(), 3u);
  EXPECT_TRUE(result.changed);
}

TEST(RemoveKeys, LinesEitherApplierWritesToTheKey) {
  const EditResult result = remove_keys("--net.ipv4.tcp_keepalive_time = 1\n"
                                        "net/ipv4/tcp_keepalive_time/ = 2\n"
                                        "net.ipv4/tcp_keepalive_time = 3\n",
                                        every_key());
  EXPECT_EQ(result.content, "net.ipv4/tcp_keepalive_time = 3\n");
  EXPECT_EQ(result.removed, (std::vector<std::size_t>{1, 2}));
  // procps reads "--key" as the key, systemd as nothing: tcp_retries2's line goes the same way.
  const EditResult retries2 = remove_keys("--net.ipv4.tcp_retries2 = 5\n", every_key());
  EXPECT_EQ(retries2.content, "");
  EXPECT_TRUE(retries2.notes.empty());
}

// systemd reads "# note\rkey = 5" as a comment and an assignment: the whole line goes.
TEST(RemoveKeys, AssignmentAfterALoneCarriageReturn) {
  const EditResult edit =
      remove_keys("# note\rnet.ipv4.tcp_keepalive_time = 5\nx = 1\n", every_key());
  EXPECT_EQ(edit.content, "x = 1\n");
  EXPECT_EQ(edit.removed, (std::vector<std::size_t>{1}));
}

// One LF line, two lines for systemd: an unrelated setting shares it with a keepalive key through
// a lone CR. Removing the line would remove that setting too: the line stays whole, and a note
// says why (reset then warns that boot still applies the key).
TEST(RemoveKeys, AnotherSettingSharingTheLineThroughALoneCarriageReturnIsKept) {
  for (const std::string& before :
       {"net.ipv4.tcp_fin_timeout=33\rnet.ipv4.tcp_keepalive_time=600\nx = 1\n"s,
        "net.ipv4.tcp_keepalive_time=600\rnet.ipv4.tcp_fin_timeout=33\nx = 1\n"s,
        "net.ipv4.tcp_keepalive_time=600\0net.ipv4.tcp_fin_timeout=33\nx = 1\n"s}) {
    SCOPED_TRACE(::testing::PrintToString(before));
    const EditResult edit = remove_keys(before, every_key());
    EXPECT_EQ(edit.content, before);
    EXPECT_FALSE(edit.changed);
    EXPECT_TRUE(edit.removed.empty());
    EXPECT_EQ(edit.kept, (std::vector<std::size_t>{1}));
    ASSERT_EQ(edit.notes.size(), 1u);
    EXPECT_EQ(edit.notes[0].line, 1u);
    EXPECT_NE(edit.notes[0].message.find("assigns net.ipv4.tcp_keepalive_time but also '"),
              std::string::npos)
        << edit.notes[0].message;
    EXPECT_NE(edit.notes[0].message.find("net.ipv4.tcp_fin_timeout=33"), std::string::npos)
        << edit.notes[0].message;
  }
  // Only comments and removed keys share the line: it goes.
  const EditResult both = remove_keys(
      "net.ipv4.tcp_keepalive_intvl=3\rnet.ipv4.tcp_keepalive_time=600\r# why\n", every_key());
  EXPECT_EQ(both.content, "");
  EXPECT_TRUE(both.notes.empty());
  // A key kept from removal counts as something else.
  const EditResult one =
      remove_keys("net.ipv4.tcp_keepalive_intvl=3\rnet.ipv4.tcp_keepalive_time=600\n",
                  KeySet{true, false, false});
  EXPECT_EQ(one.kept, (std::vector<std::size_t>{1}));
}

TEST(RemoveKeys, OnlyTheChosenKeys) {
  const EditResult result =
      remove_keys("net.ipv4.tcp_keepalive_time = 5\nnet.ipv4.tcp_keepalive_probes = 4\n",
                  KeySet{false, false, true});
  EXPECT_EQ(result.content, "net.ipv4.tcp_keepalive_time = 5\n");
}

TEST(RemoveKeys, EveryKeyIsAlsoTcpRetries2) {
  const EditResult result = remove_keys(
      "a = 1\nnet.ipv4.tcp_retries2 = 8\nnet/ipv4/tcp_retries2=9\nnet.ipv4.tcp_retries1 = 3\n",
      every_key());
  EXPECT_EQ(result.content, "a = 1\nnet.ipv4.tcp_retries1 = 3\n");
  EXPECT_EQ(result.removed, (std::vector<std::size_t>{2, 3}));
}

TEST(RemoveKeys, NothingToRemove) {
  const EditResult result = remove_keys("a = 1\n", every_key());
  EXPECT_EQ(result.content, "a = 1\n");
  EXPECT_FALSE(result.changed);
}

TEST(OwnFile, HeaderIsOnlyComments) {
  EXPECT_TRUE(only_comments(own_file_header()));
  EXPECT_TRUE(only_comments(std::string(own_file_header()) + "\n# more\n"));
  EXPECT_FALSE(only_comments(std::string(own_file_header()) + "vm.x = 1\n"));
  const EditResult own = set_keys(own_file_header(), values(600));
  EXPECT_EQ(own.content, std::string(own_file_header()) + "net.ipv4.tcp_keepalive_time = 600\n");
}

TEST(AssignedKey, Spellings) {
  EXPECT_EQ(assigned_key("net.ipv4.tcp_keepalive_time = 1"), Key::time);
  EXPECT_EQ(assigned_key("-net/ipv4/tcp_keepalive_intvl=1"), Key::intvl);
  EXPECT_EQ(assigned_key("/net/ipv4/tcp_keepalive_probes = 1"), Key::probes);
  EXPECT_EQ(assigned_key("net.ipv4.tcp_keepalive_* = 1"), std::nullopt);
  EXPECT_EQ(assigned_key("net.ipv4.tcp_keepalive_time"), std::nullopt);
  // One applier only, or neither: not ours when setting.
  EXPECT_EQ(assigned_key("- net.ipv4.tcp_keepalive_time = 1"), std::nullopt);  // systemd only
  EXPECT_EQ(assigned_key("--net.ipv4.tcp_keepalive_time = 1"), std::nullopt);  // procps only
  EXPECT_EQ(assigned_key("net/ipv4/tcp_keepalive_time/ = 1"), std::nullopt);   // systemd only
  EXPECT_EQ(assigned_key("net.ipv4/tcp_keepalive_time = 1"), std::nullopt);    // neither
  EXPECT_EQ(assigned_key("/net.ipv4.tcp_keepalive_time = 1"), std::nullopt);   // neither
  EXPECT_EQ(assigned_key("net.ipv4.tcp_keepalive_time = 1\r2"), std::nullopt); // two lines
  EXPECT_TRUE(glob_sets("net.ipv4.tcp_keepalive_* = 1", Key::probes));
  EXPECT_TRUE(glob_sets("-net/ipv4/tcp_keepalive_[ti]* = 1", Key::intvl));
  EXPECT_FALSE(glob_sets("net.ipv4.tcp_keepalive_[ti]* = 1", Key::probes));
  EXPECT_FALSE(glob_sets("net.ipv4.tcp_keepalive_time = 1", Key::time));
  EXPECT_FALSE(glob_sets("-net.ipv4.tcp_keepalive_*", Key::time)); // an exclusion sets nothing
}

// A glob reaches a key only as the boot view reads it (config/boot_rules): `*` never crosses a
// separator, and a key whose first separator is '/' keeps its dots. Neither applier sets
// net.ipv4.tcp_keepalive_time from these lines, so the editor reports nothing either.
TEST(Editor, GlobsFollowTheBootViewsRule) {
  for (const char* line : {"net.* = 5", "net.ipv4* = 5", "net/ipv4.tcp_keepalive_* = 5"}) {
    SCOPED_TRACE(line);
    for (Key key : all_keys) {
      EXPECT_FALSE(glob_sets(line, key));
    }
    const EditResult edit = set_keys(std::string(line) + "\n", {600, std::nullopt, std::nullopt});
    EXPECT_TRUE(edit.notes.empty());
    EXPECT_EQ(edit.content, std::string(line) + "\nnet.ipv4.tcp_keepalive_time = 600\n");
    for (BootModel model : {BootModel::systemd, BootModel::procps}) {
      const BootView view =
          resolve_file(ConfNode{"/x.conf", "/x.conf", NodeKind::regular, line}, model);
      EXPECT_EQ(view.settings.settings(), kernel_defaults) << to_string(model);
    }
  }
  const EditResult edit = set_keys("net.ipv4.tcp_keepalive_* = 5\n", {600, 30, std::nullopt});
  ASSERT_EQ(edit.notes.size(), 2u);
  EXPECT_EQ(edit.notes[0].message, "glob 'net.ipv4.tcp_keepalive_*' also sets "
                                   "net.ipv4.tcp_keepalive_time; kaltune leaves glob lines as they "
                                   "are");
}

// The properties the fuzzer checked, over files that mix the spellings and line ends the two
// appliers read differently: after set_keys both models' view lands on the values asked; a
// second identical edit changes no byte; after remove_keys neither model applies the keys.
TEST(Editor, PropertiesHoldForBothModels) {
  const std::vector<std::string> files{
      "",
      "net.ipv4.tcp_keepalive_time = 5\r",
      "# note\rnet.ipv4.tcp_keepalive_time = 5\n",
      "net.ipv4.tcp_keepalive_time = 5\nnet.ipv4.tcp_keepalive_time=\0\n"s,
      "net.ipv4.tcp_keepalive_intvl = 5\0net.ipv4.tcp_keepalive_time = 9"s,
      ".net.ipv4.tcp_keepalive_time = 5\n",
      "-net.ipv4.tcp_keepalive_time = 5\r\n--net.ipv4.tcp_keepalive_intvl = 6\r\n",
      "net/ipv4/tcp_keepalive_probes/ = 1\nnet.ipv4.tcp_keepalive_probes = 2",
      "\xEF\xBB\xBFnet.ipv4.tcp_keepalive_time = 1\n\rnet.ipv4.tcp_keepalive_intvl=3\r",
      "a = 1\rnet.ipv4.tcp_keepalive_probes = 7\r\nnet.ipv4.tcp_keepalive_time = 8\r",
      "net.ipv4.tcp_fin_timeout=33\rnet.ipv4.tcp_keepalive_time=600\n",
  };
  const KeyValues wanted{600, 30, 4, 5};
  for (const std::string& file : files) {
    SCOPED_TRACE(::testing::PrintToString(file));
    const EditResult set = set_keys(file, wanted);
    EXPECT_EQ(set_keys(set.content, wanted).content, set.content);
    const EditResult removed = remove_keys(set.content, every_key());
    EXPECT_EQ(remove_keys(removed.content, every_key()).content, removed.content);
    for (BootModel model : {BootModel::systemd, BootModel::procps}) {
      SCOPED_TRACE(to_string(model));
      const BootView after_set =
          resolve_file(ConfNode{"/x.conf", "/x.conf", NodeKind::regular, set.content}, model);
      for (Key key : all_keys) {
        EXPECT_EQ(after_set.settings[key].value, *wanted[index_of(key)]) << sysctl_name(key);
      }
      const BootView after_remove =
          resolve_file(ConfNode{"/x.conf", "/x.conf", NodeKind::regular, removed.content}, model);
      for (const BootAssignment& assignment : after_remove.assignments) {
        // Only from a line kept because it sets something else too (noted).
        if (removed.kept.empty()) {
          ADD_FAILURE() << "still applies " << sysctl_name(assignment.key) << " from '"
                        << assignment.text << "'";
        }
      }
    }
  }
}

} // namespace
} // namespace kaltune
