// Reading chat and completion requests: defaults, prompt forms, limits, and errors that name the
// parameter.
#include "serve/openai_request.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "base/error.h"
#include "test_tokenizer.h"

namespace gatehouse::serve {
namespace {

using testing::ids;
using testing::llama3_tokenizer;

ServedModel model() {
  ServedModel served;
  served.names = {"org/model", "alias"};
  served.tokenizer = &llama3_tokenizer();
  served.chat_template = tokenizer::ChatTemplate::from_config(llama3_tokenizer().config(), false);
  served.max_model_len = 64;
  served.vocab_size = 128256;
  served.max_num_seqs = 8;
  return served;
}

boost::json::object body(std::string_view json) { return boost::json::parse(json).as_object(); }

// The parameter an InvalidParameter names, and its message.
std::pair<std::string, std::string> rejection(const std::function<void()>& parse) {
  try {
    parse();
  } catch (const InvalidParameter& error) {
    return {error.parameter(), error.what()};
  }
  ADD_FAILURE() << "accepted";
  return {};
}

TEST(OpenAiRequest, ChatRendersTheTemplateAndFillsTheRoomLeft) {
  const ServedModel served = model();
  OpenAiRequest request = parse_chat_request(body(R"({"model":"alias","messages":[{"role":"user","content":"Hi"}]})"), served);
  ASSERT_EQ(request.spec.prompts.size(), 1u);
  const std::vector<int32_t>& prompt = request.spec.prompts[0];
  // <|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|><|start_header_id|>assistant...
  EXPECT_EQ(prompt.front(), static_cast<int32_t>(*llama3_tokenizer().token_to_id("<|begin_of_text|>")));
  const std::vector<uint32_t> role(prompt.end() - 3, prompt.end() - 1);
  EXPECT_NE(llama3_tokenizer().decode(role, false).find("assistant"), std::string::npos);
  EXPECT_EQ(request.spec.params.max_tokens, 64 - static_cast<int64_t>(prompt.size()));
  EXPECT_EQ(request.spec.params.temperature, 1.0);
  EXPECT_FALSE(request.stream);
}

TEST(OpenAiRequest, ContentPartsAreJoinedAsText) {
  const ServedModel served = model();
  OpenAiRequest parts = parse_chat_request(
      body(R"({"messages":[{"role":"user","content":[{"type":"text","text":"a"},{"type":"text","text":"b"}]}]})"), served);
  OpenAiRequest text = parse_chat_request(body(R"({"messages":[{"role":"user","content":"a\nb"}]})"), served);
  EXPECT_EQ(parts.spec.prompts, text.spec.prompts);
  auto [param, message] = rejection([&] {
    parse_chat_request(body(R"({"messages":[{"role":"user","content":[{"type":"image_url","image_url":{}}]}]})"), served);
  });
  EXPECT_EQ(param, "messages[0].content");
}

TEST(OpenAiRequest, SamplingFieldsAndModelDefaults) {
  ServedModel served = model();
  served.defaults.temperature = 0.6;
  served.defaults.top_p = 0.9;
  OpenAiRequest request = parse_completion_request(
      body(R"({"prompt":"x","top_p":0.5,"top_k":5,"min_p":0.1,"seed":7,"stop":"END","stop_token_ids":[5],"n":2,
              "ignore_eos":true,"min_tokens":2,"max_tokens":10,"logprobs":3,"logit_bias":{"42":100.5}})"),
      served);
  const engine::SamplingParams& params = request.spec.params;
  EXPECT_EQ(params.temperature, 0.6);  // from generation_config.json
  EXPECT_EQ(params.top_p, 0.5);        // the request wins
  EXPECT_EQ(params.top_k, 5);
  EXPECT_EQ(params.seed, 7u);
  EXPECT_EQ(params.n, 2);
  EXPECT_EQ(params.max_tokens, 10);
  EXPECT_EQ(params.min_tokens, 2);
  EXPECT_EQ(params.logprobs, 3);
  EXPECT_EQ(params.stop_token_ids, std::vector<int32_t>{5});
  ASSERT_EQ(params.logit_bias.size(), 1u);
  EXPECT_EQ(params.logit_bias[0].second, 100.0f);  // clamped to OpenAI's range
  EXPECT_EQ(request.spec.stop.strings, std::vector<std::string>{"END"});
  EXPECT_EQ(request.spec.stop.min_tokens, 2);
}

TEST(OpenAiRequest, CompletionPromptForms) {
  const ServedModel served = model();
  EXPECT_EQ(parse_completion_request(body(R"({"prompt":[1,2,3]})"), served).spec.prompts, (std::vector<std::vector<int32_t>>{{1, 2, 3}}));
  EXPECT_EQ(parse_completion_request(body(R"({"prompt":[[1,2],[3]]})"), served).spec.prompts,
            (std::vector<std::vector<int32_t>>{{1, 2}, {3}}));
  OpenAiRequest texts = parse_completion_request(body(R"({"prompt":["a b","c"],"echo":true})"), served);
  ASSERT_EQ(texts.spec.prompts.size(), 2u);
  EXPECT_EQ(texts.prompt_texts, (std::vector<std::string>{"a b", "c"}));
  EXPECT_EQ(texts.spec.params.max_tokens, 16);  // OpenAI's default for completions
  EXPECT_EQ(rejection([&] { parse_completion_request(body(R"({"prompt":[1,-2]})"), served); }).first, "prompt");
  EXPECT_EQ(rejection([&] { parse_completion_request(body(R"({"prompt":[[1],[999999]]})"), served); }).first, "prompt[1]");
  EXPECT_EQ(rejection([&] { parse_completion_request(body(R"({"prompt":{}})"), served); }).first, "prompt");
  EXPECT_EQ(rejection([&] { parse_completion_request(body(R"({"max_tokens":3})"), served); }).first, "prompt");
}

TEST(OpenAiRequest, WrongTypesNameTheParameter) {
  const ServedModel served = model();
  auto [param, message] = rejection([&] { parse_completion_request(body(R"({"prompt":"x","temperature":"hot"})"), served); });
  EXPECT_EQ(param, "temperature");
  EXPECT_EQ(message, "temperature: expected a number, got a string");
  EXPECT_EQ(rejection([&] { parse_completion_request(body(R"({"prompt":"x","n":1.5})"), served); }).first, "n");
  EXPECT_EQ(rejection([&] { parse_completion_request(body(R"({"prompt":"x","stop":[1]})"), served); }).first, "stop");
  EXPECT_EQ(rejection([&] { parse_completion_request(body(R"({"prompt":"x","logit_bias":{"x":1}})"), served); }).first, "logit_bias");
  EXPECT_EQ(rejection([&] { parse_completion_request(body(R"({"prompt":"x","top_p":0})"), served); }).first, "top_p");
  EXPECT_EQ(rejection([&] { parse_chat_request(body(R"({"messages":[{"content":"x"}]})"), served); }).first, "messages[0].role");
  EXPECT_EQ(rejection([&] { parse_chat_request(body(R"({"messages":[]})"), served); }).first, "messages");
}

TEST(OpenAiRequest, LimitsGiveBothNumbers) {
  const ServedModel served = model();
  std::string long_prompt;
  for (int i = 0; i < 100; ++i) long_prompt += " word";
  auto [param, message] = rejection([&] { parse_completion_request(body(R"({"prompt":")" + long_prompt + R"("})"), served); });
  EXPECT_EQ(param, "prompt");
  EXPECT_NE(message.find("maximum context length is 64 tokens"), std::string::npos) << message;
  // Counted only as far as the context: a longer prompt is never tokenized to its end.
  EXPECT_NE(message.find("more than 64 input tokens"), std::string::npos) << message;
  auto too_many = rejection([&] { parse_completion_request(body(R"({"prompt":"x","max_tokens":1000000000})"), served); });
  EXPECT_EQ(too_many.first, "max_tokens");
  EXPECT_NE(too_many.second.find("1000000000"), std::string::npos);
  EXPECT_EQ(rejection([&] { parse_completion_request(body(R"({"prompt":"x","n":100000})"), served); }).first, "n");
  EXPECT_EQ(rejection([&] { parse_chat_request(body(R"({"messages":[{"role":"user","content":"x"}],"max_completion_tokens":0})"), served); }).first,
            "max_completion_tokens");
}

TEST(OpenAiRequest, PromptTextOverMaxPromptBytesIsRefusedNamingTheFlag) {
  ServedModel served = model();
  served.max_prompt_bytes = 100;
  const std::string text(101, 'a');
  for (const std::string& json : {R"({"prompt":")" + text + R"("})", R"({"prompt":["x",")" + text + R"("]})"}) {
    auto [param, message] = rejection([&] { parse_completion_request(body(json), served); });
    EXPECT_EQ(param, "prompt");
    EXPECT_NE(message.find("101 bytes"), std::string::npos) << message;
    EXPECT_NE(message.find("at most 100 bytes per prompt (--max-prompt-bytes)"), std::string::npos) << message;
  }
  auto chat = rejection([&] { parse_chat_request(body(R"({"messages":[{"role":"user","content":")" + text + R"("}]})"), served); });
  EXPECT_EQ(chat.first, "messages");
  EXPECT_NE(chat.second.find("--max-prompt-bytes"), std::string::npos) << chat.second;
  EXPECT_EQ(parse_completion_request(body(R"({"prompt":")" + std::string(20, 'a') + R"("})"), served).spec.prompts.size(), 1u);
}

TEST(OpenAiRequest, StreamOptionsNeedStream) {
  const ServedModel served = model();
  EXPECT_EQ(rejection([&] { parse_completion_request(body(R"({"prompt":"x","stream_options":{"include_usage":true}})"), served); }).first,
            "stream_options");
  OpenAiRequest request = parse_completion_request(body(R"({"prompt":"x","stream":true,"stream_options":{"include_usage":true}})"), served);
  EXPECT_TRUE(request.stream);
  EXPECT_TRUE(request.include_usage);
}

TEST(OpenAiRequest, UnknownModelIsNotFound) {
  const ServedModel served = model();
  try {
    parse_chat_request(body(R"({"model":"other","messages":[{"role":"user","content":"x"}]})"), served);
    FAIL() << "accepted";
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), ErrorCode::not_found);
    EXPECT_STREQ(error.what(), "The model `other` does not exist.");
  }
}

TEST(OpenAiRequest, TheNamesOfAnEndpointUrlAreTheServedModel) {
  const ServedModel served = model();
  for (const char* name : {"tgi", "http://127.0.0.1:8080", "HTTPS://endpoint.example/v1/"}) {
    EXPECT_NO_THROW(served.check_requested(std::string(name))) << name;
  }
  for (const char* name : {"tgi2", "Tgi", "http:", "ftp://x", ""}) {
    EXPECT_THROW(served.check_requested(std::string(name)), Error) << name;
  }
}

TEST(OpenAiRequest, UnsupportedFeaturesAreRefusedNotIgnored) {
  const ServedModel served = model();
  EXPECT_EQ(rejection([&] { parse_completion_request(body(R"({"prompt":"x","use_beam_search":true})"), served); }).first, "use_beam_search");
  EXPECT_EQ(rejection([&] {
              parse_chat_request(body(R"({"messages":[{"role":"user","content":"x"}],"response_format":{"type":"json_object"}})"), served);
            }).first,
            "response_format");
  // Fields nobody uses are ignored, as vLLM does.
  EXPECT_NO_THROW(parse_completion_request(body(R"({"prompt":"x","something_new":1})"), served));
}

}  // namespace
}  // namespace gatehouse::serve
