#include "grammar/choice.h"

#include <gtest/gtest.h>

#include "base/error.h"
#include "grammar/reference_recognizer.h"

namespace gatehouse::grammar {
namespace {

TEST(Choice, TheLanguageIsExactlyTheChoices) {
  Grammar grammar = compile_choice({"yes", "no", "yes!", "C++", "a \"quoted\" \\ word", "日本"});
  for (const char* text : {"yes", "no", "yes!", "C++", "a \"quoted\" \\ word", "日本"}) EXPECT_TRUE(matches(grammar, text)) << text;
  for (const char* text : {"", "ye", "yes!!", "No", "non", "C", "日"}) EXPECT_FALSE(matches(grammar, text)) << text;
  EXPECT_TRUE(is_viable_prefix(grammar, "ye"));
  EXPECT_FALSE(is_viable_prefix(grammar, "yo"));
}

TEST(Choice, EmptyStringsAndRepeatsAreKept) {
  Grammar grammar = compile_choice({"", "a", "a", "\n"});
  EXPECT_TRUE(matches(grammar, ""));
  EXPECT_TRUE(matches(grammar, "a"));
  EXPECT_TRUE(matches(grammar, "\n"));
  EXPECT_FALSE(matches(grammar, "aa"));
  EXPECT_EQ(grammar.rules()[grammar.root()].alternatives.size(), 3u);  // the repeated "a" once
}

TEST(Choice, AnEmptyListIsRefusedWithVllmsMessage) {
  try {
    compile_choice({});
    FAIL() << "no error";
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), ErrorCode::invalid_argument);
    EXPECT_STREQ(error.what(), "Choice '[]' cannot be an empty list");
  }
}

}  // namespace
}  // namespace gatehouse::grammar
