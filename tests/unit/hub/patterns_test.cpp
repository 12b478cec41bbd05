#include "hub/patterns.h"

#include <gtest/gtest.h>

namespace gatehouse::hub {
namespace {

TEST(FnmatchTest, StarCrossesSlashes) {
  EXPECT_TRUE(fnmatch_case("config.json", "*.json"));
  EXPECT_TRUE(fnmatch_case("a/b.json", "*.json"));
  EXPECT_TRUE(fnmatch_case("a/b/c.json", "a/*"));
  EXPECT_TRUE(fnmatch_case("", "*"));
  EXPECT_TRUE(fnmatch_case("abc", "a**c"));
  EXPECT_FALSE(fnmatch_case("a/b.jsonl", "*.json"));
  EXPECT_FALSE(fnmatch_case("b.json", "a/*"));
}

TEST(FnmatchTest, QuestionMarkAndLiterals) {
  EXPECT_TRUE(fnmatch_case("model-1.bin", "model-?.bin"));
  EXPECT_TRUE(fnmatch_case("a/b", "a?b"));
  EXPECT_FALSE(fnmatch_case("model-10.bin", "model-?.bin"));
  EXPECT_TRUE(fnmatch_case("\xc3\xa9.txt", "?.txt"));  // one code point, two bytes
  EXPECT_FALSE(fnmatch_case("Config.json", "config.json"));  // case-sensitive
  EXPECT_TRUE(fnmatch_case("a.b", "a.b"));
  EXPECT_FALSE(fnmatch_case("axb", "a.b"));  // '.' is not a regex wildcard
  EXPECT_TRUE(fnmatch_case("a+b(c)", "a+b(c)"));
  EXPECT_TRUE(fnmatch_case("a\\b", "a\\b"));  // fnmatch has no escapes
}

TEST(FnmatchTest, Sets) {
  EXPECT_TRUE(fnmatch_case("model-3.bin", "model-[0-9].bin"));
  EXPECT_FALSE(fnmatch_case("model-x.bin", "model-[0-9].bin"));
  EXPECT_TRUE(fnmatch_case("model-x.bin", "model-[!0-9].bin"));
  EXPECT_FALSE(fnmatch_case("model-3.bin", "model-[!0-9].bin"));
  EXPECT_TRUE(fnmatch_case("b", "[abc]"));
  EXPECT_TRUE(fnmatch_case("]", "[]]"));
  EXPECT_TRUE(fnmatch_case("]", "[]a]"));
  EXPECT_TRUE(fnmatch_case("x", "[!]]"));
  EXPECT_FALSE(fnmatch_case("]", "[!]]"));
  EXPECT_TRUE(fnmatch_case("-", "[-a]"));
  EXPECT_TRUE(fnmatch_case("-", "[a-]"));
  EXPECT_TRUE(fnmatch_case("[", "["));  // unclosed '[' is literal
  EXPECT_TRUE(fnmatch_case("[ab", "[ab"));
  EXPECT_TRUE(fnmatch_case("[!]", "[!]"));  // "[!]" never closes: all three are literals
  EXPECT_FALSE(fnmatch_case("!", "[!]"));
}

TEST(FnmatchTest, SetRangesLikePython) {
  EXPECT_FALSE(fnmatch_case("a", "[z-a]"));  // empty range never matches
  EXPECT_FALSE(fnmatch_case("z", "[z-a]"));
  EXPECT_TRUE(fnmatch_case("-", "[a-b-c]"));  // '-' after a range is literal
  EXPECT_TRUE(fnmatch_case("c", "[a-b-c]"));
  EXPECT_FALSE(fnmatch_case("bb", "[a-b-c]"));
  EXPECT_TRUE(fnmatch_case("x", "[!b-a]"));  // negated empty range: any character
  EXPECT_TRUE(fnmatch_case("\xc3\xa9", "[\xc3\xa0-\xc3\xbf]"));  // ranges over code points
  EXPECT_TRUE(fnmatch_case("\\", "[\\]"));
  EXPECT_TRUE(fnmatch_case("x", "[c-a!]"));  // Python quirk: the emptied set leaves "!", i.e. any char
}

TEST(KeepFileTest, FilterRepoObjectsSemantics) {
  EXPECT_TRUE(keep_file("anything", {}, {}));
  EXPECT_TRUE(keep_file("a/b.json", {"*.json"}, {}));
  EXPECT_FALSE(keep_file("a/b.bin", {"*.json"}, {}));
  EXPECT_TRUE(keep_file("a/b.bin", {"*.json", "*.bin"}, {}));
  EXPECT_TRUE(keep_file("sub/x", {"sub/"}, {}));
  EXPECT_TRUE(keep_file("sub/deep/x", {"sub/"}, {}));
  EXPECT_FALSE(keep_file("subx", {"sub/"}, {}));
  EXPECT_TRUE(keep_file("sub/x", {"sub\\"}, {}));  // '\\' normalised to '/'
  EXPECT_TRUE(keep_file("sub\\x", {"sub/*"}, {}));
  EXPECT_FALSE(keep_file("model.safetensors", {"*.safetensors"}, {"model*"}));  // ignore wins
  EXPECT_FALSE(keep_file(".gitattributes", {}, {".*"}));
  EXPECT_TRUE(keep_file("aaa.pdf", {"*.pdf"}, {".*"}));
  EXPECT_FALSE(keep_file("aaa.PDF", {"*.pdf"}, {}));
  EXPECT_FALSE(keep_file("onnx/model.onnx", {}, {"onnx/"}));
  EXPECT_TRUE(keep_file("config.json", {}, {"onnx/"}));
}

TEST(KeepFileTest, NormalizePattern) {
  EXPECT_EQ(normalize_pattern("sub/"), "sub/*");
  EXPECT_EQ(normalize_pattern("sub\\dir\\"), "sub/dir/*");
  EXPECT_EQ(normalize_pattern("*.json"), "*.json");
  EXPECT_EQ(normalize_pattern(""), "");
}

}  // namespace
}  // namespace gatehouse::hub
