#include "gateway/proxy/request_reader.h"

#include <gtest/gtest.h>

#include "base/error.h"

namespace gatehouse::gateway {
namespace {

// The field InvalidParameter names for `body`, and that its message contains `words`.
std::string refused_field(std::string_view body, Endpoint endpoint, std::string_view words) {
  try {
    read_proxy_request(body, endpoint);
  } catch (const InvalidParameter& error) {
    EXPECT_NE(std::string(error.what()).find(words), std::string::npos) << error.what();
    return error.parameter();
  }
  ADD_FAILURE() << "accepted: " << body;
  return "";
}

TEST(GatewayRequestReader, ReadsAChatRequestAndKeepsEveryField) {
  ProxyRequest request = read_proxy_request(
      R"({"model":"m","messages":[{"role":"user","content":"Hi"}],"stream":true,"stream_options":{"include_usage":true},"tools":[],"x":1})",
      Endpoint::chat);
  EXPECT_EQ(request.model_name, "m");
  EXPECT_TRUE(request.stream);
  EXPECT_TRUE(request.include_usage);
  EXPECT_TRUE(request.body.contains("tools"));
  EXPECT_EQ(request.body.at("x").as_int64(), 1);
}

// Numbers as serve (and pydantic) read them: a whole number written with a fraction is an integer.
TEST(GatewayRequestReader, AcceptsWholeNumbersWrittenAsDecimals) {
  ProxyRequest request =
      read_proxy_request(R"({"model":"m","messages":[{"role":"user"}],"max_tokens":16.0,"n":1,"temperature":1})", Endpoint::chat);
  EXPECT_EQ(request.body.at("max_tokens").as_double(), 16.0);
}

TEST(GatewayRequestReader, ReadsACompletionRequest) {
  ProxyRequest request = read_proxy_request(R"({"model":"m","prompt":"Hello","max_tokens":null})", Endpoint::text);
  EXPECT_EQ(request.endpoint, Endpoint::text);
  EXPECT_FALSE(request.stream);
}

// A body as deep as any server here accepts (Boost's own default stops at 32 levels).
TEST(GatewayRequestReader, AcceptsDeeplyNestedFieldsAsServeDoes) {
  std::string deep = "1";
  for (int level = 0; level < 100; ++level) deep = R"({"a":)" + deep + "}";
  ProxyRequest request = read_proxy_request(R"({"model":"m","messages":[{"role":"user","content":"Hi"}],"metadata":)" + deep + "}",
                                            Endpoint::chat);
  EXPECT_TRUE(request.body.contains("metadata"));
}

TEST(GatewayRequestReader, NamesTheFieldThatIsWrong) {
  EXPECT_EQ(refused_field("{not json", Endpoint::chat, "the request body: invalid JSON near line 1 (byte 1)"), "body");
  EXPECT_EQ(refused_field("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"\xFF\"}]}", Endpoint::chat,
                          "invalid UTF-8"),
            "body");
  EXPECT_EQ(refused_field(std::string(513, '[') + std::string(513, ']'), Endpoint::chat, "deeper than 512"), "body");
  EXPECT_EQ(refused_field("[1]", Endpoint::chat, "JSON object"), "body");
  EXPECT_EQ(refused_field(R"({"messages":[{"role":"user"}]})", Endpoint::chat, "model is required"), "model");
  EXPECT_EQ(refused_field(R"({"model":7,"messages":[]})", Endpoint::chat, "expected a string, got an integer"), "model");
  EXPECT_EQ(refused_field(R"({"model":"m"})", Endpoint::chat, "messages is required"), "messages");
  EXPECT_EQ(refused_field(R"({"model":"m","messages":[]})", Endpoint::chat, "must not be empty"), "messages");
  EXPECT_EQ(refused_field(R"({"model":"m","messages":["hi"]})", Endpoint::chat, "got a string"), "messages[0]");
  EXPECT_EQ(refused_field(R"({"model":"m","messages":[{"content":"hi"}]})", Endpoint::chat, "required"), "messages[0].role");
  EXPECT_EQ(refused_field(R"({"model":"m","messages":[{"role":"user"}],"stream":"yes"})", Endpoint::chat, "a boolean"), "stream");
  EXPECT_EQ(refused_field(R"({"model":"m","messages":[{"role":"user"}],"max_tokens":1.5})", Endpoint::chat, "an integer"), "max_tokens");
  EXPECT_EQ(refused_field(R"({"model":"m","messages":[{"role":"user"}],"max_tokens":1e23})", Endpoint::chat, "1e+23 is too large"),
            "max_tokens");
  EXPECT_EQ(refused_field(R"({"model":"m","messages":[{"role":"user"}],"seed":18446744073709551615})", Endpoint::chat, "too large"),
            "seed");
  EXPECT_EQ(refused_field(R"({"model":"m","messages":[{"role":"user"}],"temperature":"hot"})", Endpoint::chat, "a number"), "temperature");
  EXPECT_EQ(refused_field(R"({"model":"m","messages":[{"role":"user"}],"stream_options":{"include_usage":1}})", Endpoint::chat,
                          "a boolean"),
            "stream_options.include_usage");
  EXPECT_EQ(refused_field(R"({"model":"m"})", Endpoint::text, "prompt is required"), "prompt");
  EXPECT_EQ(refused_field(R"({"model":"m","prompt":{}})", Endpoint::text, "a string or"), "prompt");
}

}  // namespace
}  // namespace gatehouse::gateway
