// LiteLLM's wildcard model names (router_utils/pattern_match_deployments.py).
#include "gateway/router/model_pattern.h"

#include <gtest/gtest.h>

namespace gatehouse::gateway {
namespace {

using Captures = std::vector<std::string>;

TEST(ModelPattern, StarsMatchAnyRunAndCaptureIt) {
  EXPECT_EQ(match_model_pattern("*", "gpt-4o"), Captures{"gpt-4o"});
  EXPECT_EQ(match_model_pattern("*", ""), Captures{""});
  EXPECT_EQ(match_model_pattern("openai/*", "openai/org/model"), Captures{"org/model"});
  EXPECT_EQ(match_model_pattern("openai/*", "anthropic/claude"), std::nullopt);
  EXPECT_EQ(match_model_pattern("llmengine/fo::*::static::*", "llmengine/fo::hi::static::there"), (Captures{"hi", "there"}));
  EXPECT_EQ(match_model_pattern("*meta.llama3*", "hello-world-meta.llama3-70b"), (Captures{"hello-world-", "-70b"}));
  EXPECT_EQ(match_model_pattern("a*b", "ab"), Captures{""});
  EXPECT_EQ(match_model_pattern("ab*ba", "aba"), std::nullopt);  // the literal ends may not overlap
  EXPECT_EQ(match_model_pattern("plain", "plain"), Captures{});
  EXPECT_EQ(match_model_pattern("plain", "plainer"), std::nullopt);
}

TEST(ModelPattern, TheLeftStarTakesAllItCan) {
  // As ^(.*)b(.*)$ does: the first group is greedy.
  EXPECT_EQ(match_model_pattern("*b*", "abab"), (Captures{"aba", ""}));
  EXPECT_EQ(match_model_pattern("*-*-*", "a-b-c-d"), (Captures{"a-b", "c", "d"}));
}

TEST(ModelPattern, LongNamesMatchNoPattern) {
  EXPECT_EQ(match_model_pattern("*", std::string(kMaxPatternMatchBytes + 1, 'x')), std::nullopt);
  EXPECT_TRUE(match_model_pattern("*", std::string(kMaxPatternMatchBytes, 'x')));
}

TEST(ModelPattern, UpstreamModelTakesTheCapturedParts) {
  EXPECT_EQ(upstream_model_for("*", "openai/*", "gpt-4o"), "openai/gpt-4o");
  EXPECT_EQ(upstream_model_for("openai/*", "openai/*", "openai/gpt-4o"), "openai/gpt-4o");
  EXPECT_EQ(upstream_model_for("llmengine/*", "openai/*", "llmengine/foo"), "openai/foo");
  EXPECT_EQ(upstream_model_for("llmengine/fo::*::static::*", "openai/fo::*::static::*", "llmengine/fo::a::static::b"),
            "openai/fo::a::static::b");
  EXPECT_EQ(upstream_model_for("*meta.llama3*", "bedrock/meta.llama3*", "hello-world-meta.llama3-70b"),
            "hello-world-meta.llama3-70b");  // more parts than stars: the name as asked
  EXPECT_EQ(upstream_model_for("*", "openai/fixed", "anything"), "openai/fixed");
  EXPECT_EQ(upstream_model_for("gpt", "openai/*", "gpt"), "openai/*");  // no star matched anything
  EXPECT_EQ(upstream_model_for("*", "openai/*", std::string(kMaxPatternMatchBytes + 1, 'x')), "openai/*");
}

}  // namespace
}  // namespace gatehouse::gateway
