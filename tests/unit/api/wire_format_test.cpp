// The pieces every answer shares: the error envelopes of OpenAI and TGI, SSE framing, usage.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "api/error_envelope.h"
#include "api/openai_format.h"
#include "api/sse.h"

namespace gatehouse::api {
namespace {

namespace bj = boost::json;

TEST(ErrorEnvelope, OpenAiCarriesTypeParamAndCode) {
  const bj::value body = bj::parse(openai_error_json(400, "top_p must be in (0, 1]", "top_p"));
  EXPECT_EQ(body, bj::parse(R"({"error":{"message":"top_p must be in (0, 1]","type":"BadRequestError","param":"top_p","code":400}})"));
  EXPECT_TRUE(bj::parse(openai_error_json(404, "no such model")).at("error").at("param").is_null());
  EXPECT_EQ(openai_error_type(401), "AuthenticationError");
  EXPECT_EQ(openai_error_type(429), "RateLimitError");
  EXPECT_EQ(openai_error_type(502), "InternalServerError");
  EXPECT_EQ(openai_error_type(418), "BadRequestError");
}

TEST(ErrorEnvelope, TgiIsErrorAndType) {
  EXPECT_EQ(bj::parse(tgi_error_json("`inputs` cannot be empty", "validation")),
            bj::parse(R"({"error":"`inputs` cannot be empty","error_type":"validation"})"));
}

TEST(Sse, OpenAiAndTgiFraming) {
  EXPECT_EQ(sse_event(R"({"a":1})"), "data: {\"a\":1}\n\n");
  EXPECT_EQ(kSseDone, "data: [DONE]\n\n");
  EXPECT_EQ(tgi_sse_event(R"({"a":1})"), "data:{\"a\":1}\n\n");
}

TEST(OpenAiFormat, UsageIdsAndLogprobs) {
  EXPECT_EQ(bj::value(usage_json(3, 4, std::nullopt)),
            bj::parse(R"({"prompt_tokens":3,"total_tokens":7,"completion_tokens":4,"prompt_tokens_details":null})"));
  EXPECT_EQ(usage_json(3, 4, 2).at("prompt_tokens_details"), bj::parse(R"({"cached_tokens":2})"));
  const std::string id = random_id("chatcmpl-");
  EXPECT_EQ(id.size(), 9u + 32u);
  EXPECT_EQ(id.find_first_not_of("0123456789abcdef", 9), std::string::npos);
  EXPECT_NE(id, random_id("chatcmpl-"));
  EXPECT_EQ(json_logprob(-0.5f), -0.5);
  EXPECT_EQ(json_logprob(-std::numeric_limits<float>::infinity()), -9999.0);
  EXPECT_GT(unix_time(), 1700000000);
}

}  // namespace
}  // namespace gatehouse::api
