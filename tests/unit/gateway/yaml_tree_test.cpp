#include "gateway/config/yaml_tree.h"

#include <gtest/gtest.h>

#include "base/error.h"

namespace gatehouse::gateway {
namespace {

std::string error_of(std::string_view text, const YamlLimits& limits = {}) {
  try {
    parse_yaml(text, "c.yaml", limits);
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), ErrorCode::invalid_argument);
    return error.what();
  }
  ADD_FAILURE() << "no error for:\n" << text;
  return "";
}

TEST(YamlTree, BlockAndFlowStylesWithLines) {
  const YamlNode root = parse_yaml(
      "# a comment\n"
      "a: plain   # trailing comment\n"
      "b: 'single'\n"
      "c: [1, \"two\", {k: v}]\n"
      "d:\n"
      "  - x\n"
      "  - y: z\n"
      "e: |\n"
      "  line one\n"
      "  line two\n"
      "f: !!str 12\n",
      "c.yaml");
  ASSERT_EQ(root.kind, YamlNode::Kind::mapping);
  ASSERT_EQ(root.entries.size(), 6u);
  EXPECT_EQ(root.entries[0].line, 2);
  EXPECT_EQ(root.find("a")->text, "plain");
  EXPECT_FALSE(root.find("a")->quoted);
  EXPECT_TRUE(root.find("b")->quoted);
  const YamlNode& flow = *root.find("c");
  ASSERT_EQ(flow.items.size(), 3u);
  EXPECT_EQ(flow.items[1].text, "two");
  EXPECT_EQ(flow.items[2].find("k")->text, "v");
  EXPECT_EQ(flow.line, 4);
  EXPECT_EQ(flow.column, 4);
  const YamlNode& block = *root.find("d");
  EXPECT_EQ(block.items[1].find("y")->line, 7);
  EXPECT_EQ(root.find("e")->text, "line one\nline two\n");
  EXPECT_TRUE(root.find("e")->quoted);
  EXPECT_TRUE(root.find("f")->quoted);
  EXPECT_EQ(root.find("missing"), nullptr);
}

TEST(YamlTree, NullsAndEmptyDocuments) {
  EXPECT_TRUE(parse_yaml("", "c.yaml").is_null());
  EXPECT_TRUE(parse_yaml("# only a comment\n", "c.yaml").is_null());
  const YamlNode root = parse_yaml("a:\nb: ~\nc: null\nd: ''\n", "c.yaml");
  EXPECT_TRUE(root.find("a")->is_null());
  EXPECT_TRUE(root.find("b")->is_null());
  EXPECT_TRUE(root.find("c")->is_null());
  EXPECT_FALSE(root.find("d")->is_null());  // a quoted empty string is a string
}

TEST(YamlTree, AnchorsAliasesAndMergeKeys) {
  const YamlNode root = parse_yaml(
      "base: &base {x: 1, y: 2}\n"
      "other: &other {y: 20, z: 30}\n"
      "copy: *base\n"
      "merged:\n"
      "  <<: [*base, *other]\n"
      "  x: 10\n",
      "c.yaml");
  EXPECT_EQ(root.find("copy")->find("y")->text, "2");
  const YamlNode& merged = *root.find("merged");
  EXPECT_EQ(merged.find("x")->text, "10");  // written explicitly: wins
  EXPECT_EQ(merged.find("y")->text, "2");   // the first merged mapping wins
  EXPECT_EQ(merged.find("z")->text, "30");
  EXPECT_EQ(merged.entries.size(), 3u);
}

TEST(YamlTree, Errors) {
  EXPECT_EQ(error_of("a: 1\nb: [1, 2\n"),
            "c.yaml:3: invalid YAML: did not find expected ',' or ']' while parsing a flow sequence");
  EXPECT_EQ(error_of("a: 1\na: 2\n"), "c.yaml:2: key \"a\" appears twice in the same mapping");
  EXPECT_EQ(error_of("a: *nowhere\n"), "c.yaml:1: alias *nowhere names no anchor defined before it");
  EXPECT_EQ(error_of("a: 1\n---\nb: 2\n"),
            "c.yaml:2: holds more than one YAML document (a line of ---); a config is one document");
  EXPECT_EQ(error_of("? [a, b]\n: c\n"), "c.yaml:1: a mapping key must be a plain value, not a list");
  EXPECT_EQ(error_of("a:\n  <<: plain\n"), "c.yaml:2: a << merge key takes a mapping or a list of mappings, not a string");
}

TEST(YamlTree, LimitsRefuseDeepNestingAndAliasBombs) {
  EXPECT_EQ(error_of(std::string(100, '[') + std::string(100, ']')), "c.yaml:1: nests deeper than 64 levels");
  // Each level doubles the previous one: 2^30 nodes if copied out.
  std::string bomb = "a0: &a0 [x, x]\n";
  for (int i = 1; i <= 30; ++i)
    bomb += "a" + std::to_string(i) + ": &a" + std::to_string(i) + " [*a" + std::to_string(i - 1) + ", *a" +
            std::to_string(i - 1) + "]\n";
  EXPECT_NE(error_of(bomb).find("has more than 200000 values (aliases and anchors counted as copies)"), std::string::npos);
  // Aliases cannot stack nesting past the depth limit either.
  std::string deep = "a0: &a0 " + std::string(40, '[') + std::string(40, ']') + "\n";
  deep += "a1: &a1 " + std::string(40, '[') + "*a0" + std::string(40, ']') + "\n";
  EXPECT_EQ(error_of(deep), "c.yaml:2: nests deeper than 64 levels through alias *a0");
  YamlLimits small;
  small.max_nodes = 3;
  EXPECT_NO_THROW(parse_yaml("[a, b]", "c.yaml", small));
  EXPECT_NE(error_of("[a, b, c]", small).find("has more than 3 values"), std::string::npos);
}

}  // namespace
}  // namespace gatehouse::gateway
