#include "gateway/providers/tgi_translation.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <cmath>

#include "base/error.h"
#include "base/json.h"

namespace gatehouse::gateway::providers {
namespace {
namespace bj = boost::json;

bj::object object(std::string_view text) { return json::parse(text, "test").as_object(); }

// A TGI 2.x /generate answer with details, as recorded from text-generation-inference.
constexpr std::string_view kGenerate = R"({"generated_text":" Paris.","details":{"finish_reason":"eos_token",
  "generated_tokens":3,"seed":null,"prefill":[],"tokens":[
  {"id":12366,"text":" Paris","logprob":-0.5,"special":false},
  {"id":29889,"text":".","logprob":-0.25,"special":false},
  {"id":2,"text":"</s>","logprob":-0.125,"special":true}],
  "top_tokens":[[{"id":12366,"text":" Paris","logprob":-0.5,"special":false},{"id":450,"text":" The","logprob":-1.5,"special":false}],
                [{"id":29889,"text":".","logprob":-0.25,"special":false}],
                [{"id":2,"text":"</s>","logprob":-0.125,"special":true}]]}})";

const PromptCounter kNoCount = [] () -> std::int64_t { ADD_FAILURE() << "the reported count should be used"; return 0; };

TEST(TgiRequest, FollowsLiteLlmsParameterMap) {
  const bj::object body = object(R"({"model":"huggingface/http://h","messages":[],"temperature":0,"top_p":0.9,
    "max_tokens":0,"n":2,"stop":"\n","seed":7,"frequency_penalty":0.5,"logprobs":true,"top_logprobs":3,"user":"ignored"})");
  const bj::object tgi = tgi_request(body, Endpoint::chat, "PROMPT", false);
  EXPECT_EQ(tgi.at("inputs"), "PROMPT");
  EXPECT_EQ(tgi.at("stream"), false);
  const bj::object& p = tgi.at("parameters").as_object();
  EXPECT_EQ(p.at("temperature").as_double(), 0.01);
  EXPECT_EQ(p.at("top_p").as_double(), 0.9);
  EXPECT_EQ(p.at("max_new_tokens").as_int64(), 1);
  EXPECT_EQ(p.at("best_of").as_int64(), 2);
  EXPECT_EQ(p.at("do_sample"), true);
  EXPECT_EQ(p.at("stop"), (bj::array{"\n"}));
  EXPECT_EQ(p.at("seed").as_int64(), 7);
  EXPECT_EQ(p.at("frequency_penalty").as_double(), 0.5);
  EXPECT_EQ(p.at("top_n_tokens").as_int64(), 3);
  EXPECT_EQ(p.at("details"), true);
  EXPECT_EQ(p.at("return_full_text"), false);
  EXPECT_FALSE(p.contains("user"));
  EXPECT_EQ(tgi.at("add_special_tokens"), false) << "a rendered template holds its own BOS";
  EXPECT_FALSE(tgi_request(object(R"({"prompt":"x"})"), Endpoint::text, "x", false).contains("add_special_tokens"));
}

TEST(TgiRequest, KeepsWhatTgiWouldRejectOut) {
  const bj::object plain = tgi_request(object(R"({"top_p":1,"max_completion_tokens":12,"n":1,"temperature":0.7})"), Endpoint::chat, "x", true);
  const bj::object& p = plain.at("parameters").as_object();
  EXPECT_FALSE(p.contains("top_p"));
  EXPECT_FALSE(p.contains("best_of"));
  EXPECT_EQ(p.at("max_new_tokens").as_int64(), 12);
  EXPECT_EQ(p.at("temperature").as_double(), 0.7);
  EXPECT_EQ(plain.at("stream"), true);
  for (std::string_view bad : {R"({"tools":[{"type":"function"}]})", R"({"response_format":{"type":"json_object"}})",
                               R"({"n":2,"stream":true})", R"({"temperature":"hot"})", R"({"stop":[1]})", R"({"max_tokens":1.5})"}) {
    EXPECT_THROW(tgi_request(object(bad), Endpoint::chat, "x", true), InvalidParameter) << bad;
  }
}

TEST(OpenAiAnswer, HasTheSeedsShape) {
  AnswerShape shape = answer_shape(object(R"({"model":"huggingface/http://h"})"), Endpoint::chat);
  const bj::object answer = openai_answer(json::parse(kGenerate, "tgi"), shape, 14, kNoCount, "http://h/generate");
  EXPECT_EQ(answer.at("object"), "chat.completion");
  EXPECT_EQ(answer.at("model"), "huggingface/http://h");
  EXPECT_TRUE(answer.at("id").as_string().starts_with("chatcmpl-"));
  EXPECT_GT(answer.at("created").as_int64(), 1700000000);
  const bj::object& choice = answer.at("choices").as_array()[0].as_object();
  EXPECT_EQ(choice.at("finish_reason"), "stop");
  EXPECT_EQ(choice.at("index").as_int64(), 0);
  EXPECT_TRUE(choice.at("logprobs").is_null());
  const bj::object& message = choice.at("message").as_object();
  EXPECT_EQ(message.at("role"), "assistant");
  EXPECT_EQ(message.at("content"), " Paris.");
  EXPECT_DOUBLE_EQ(message.at("logprobs").as_double(), -0.875);
  const bj::object& usage = answer.at("usage").as_object();
  EXPECT_EQ(usage.at("prompt_tokens").as_int64(), 14);
  EXPECT_EQ(usage.at("completion_tokens").as_int64(), 3);
  EXPECT_EQ(usage.at("total_tokens").as_int64(), 17);
}

TEST(OpenAiAnswer, GivesOpenAisLogprobsWhenAsked) {
  AnswerShape shape = answer_shape(object(R"({"model":"m","logprobs":true,"top_logprobs":2})"), Endpoint::chat);
  const bj::object answer = openai_answer(json::parse(kGenerate, "tgi"), shape, 1, kNoCount, "u");
  const bj::array& content = answer.at("choices").as_array()[0].at("logprobs").at("content").as_array();
  ASSERT_EQ(content.size(), 3u);
  EXPECT_EQ(content[0].at("token"), " Paris");
  EXPECT_EQ(content[0].at("logprob").as_double(), -0.5);
  EXPECT_EQ(content[0].at("bytes"), (bj::array{32, 80, 97, 114, 105, 115}));
  ASSERT_EQ(content[0].at("top_logprobs").as_array().size(), 2u);
  EXPECT_EQ(content[0].at("top_logprobs").as_array()[1].at("token"), " The");

  AnswerShape text = answer_shape(object(R"({"model":"m","logprobs":1})"), Endpoint::text);
  const bj::object completion = openai_answer(json::parse(kGenerate, "tgi"), text, 1, kNoCount, "u");
  const bj::object& choice = completion.at("choices").as_array()[0].as_object();
  EXPECT_EQ(completion.at("object"), "text_completion");
  EXPECT_EQ(choice.at("text"), " Paris.");
  EXPECT_EQ(choice.at("logprobs").at("tokens"), (bj::array{" Paris", ".", "</s>"}));
  EXPECT_EQ(choice.at("logprobs").at("text_offset"), (bj::array{0, 6, 7}));
  EXPECT_EQ(choice.at("logprobs").at("top_logprobs").as_array()[0].as_object().size(), 1u);
}

TEST(OpenAiAnswer, BestOfSequencesBecomeChoicesAndLengthStaysLength) {
  const std::string tgi = R"([{"generated_text":"a b","details":{"finish_reason":"length","generated_tokens":2,
    "tokens":[{"text":"a","logprob":-1},{"text":" b","logprob":-1}],
    "best_of_sequences":[{"generated_text":"c","finish_reason":"stop_sequence","generated_tokens":1,"tokens":[{"text":"c","logprob":-3}]}]}}])";
  const bj::object answer = openai_answer(json::parse(tgi, "tgi"), answer_shape({}, Endpoint::chat), 5, kNoCount, "u");
  const bj::array& choices = answer.at("choices").as_array();
  ASSERT_EQ(choices.size(), 2u);
  EXPECT_EQ(choices[0].at("finish_reason"), "length");
  EXPECT_EQ(choices[1].at("finish_reason"), "stop");
  EXPECT_EQ(choices[1].at("index").as_int64(), 1);
  EXPECT_EQ(choices[1].at("message").at("content"), "c");
  EXPECT_EQ(answer.at("usage").at("completion_tokens").as_int64(), 3);
}

TEST(OpenAiAnswer, UnreadableAnswersAreUpstreamErrors) {
  for (std::string_view bad : {R"([])", R"({"details":{}})", R"({"generated_text":3})", R"("text")"}) {
    try {
      openai_answer(json::parse(bad, "tgi"), answer_shape({}, Endpoint::chat), 1, kNoCount, "http://h/generate");
      FAIL() << bad;
    } catch (const UpstreamError& error) {
      EXPECT_EQ(error.status(), 502);
    }
  }
  std::int64_t counted = 0;
  openai_answer(json::parse(R"({"generated_text":"x"})", "tgi"), answer_shape({}, Endpoint::chat), std::nullopt,
                [&] { return counted = 9; }, "u");
  EXPECT_EQ(counted, 9) << "without TGI's count, the fallback counts";
}

std::vector<bj::object> translate(const std::vector<std::string>& events, std::string_view request, bool finish = true) {
  std::vector<bj::object> chunks;
  TgiStreamTranslator translator(answer_shape(object(request), Endpoint::chat), "http://h/generate_stream", kNoCount,
                                 [&](bj::object chunk) { chunks.push_back(std::move(chunk)); });
  for (const std::string& event : events) translator.on_event(event);
  if (finish) translator.finish();
  return chunks;
}

// /generate_stream events as TGI 2.x sends them.
const std::vector<std::string> kEvents = {
    R"({"index":1,"token":{"id":12366,"text":" Paris","logprob":-0.5,"special":false},"generated_text":null,"details":null})",
    R"({"index":2,"token":{"id":29889,"text":".","logprob":-0.25,"special":false},"generated_text":null,"details":null})",
    R"({"index":3,"token":{"id":2,"text":"</s>","logprob":-0.125,"special":true},"generated_text":" Paris.",
        "details":{"finish_reason":"eos_token","generated_tokens":3,"seed":null,"input_length":14}})"};

TEST(TgiStream, RoleFirstThenTextThenFinishThenUsage) {
  const std::vector<bj::object> chunks = translate(kEvents, R"({"model":"huggingface/http://h","stream_options":{"include_usage":true}})");
  ASSERT_EQ(chunks.size(), 5u);  // role, " Paris", ".", finish, usage (the special token carries no text)
  for (const bj::object& chunk : chunks) {
    EXPECT_EQ(chunk.at("object"), "chat.completion.chunk");
    EXPECT_EQ(chunk.at("model"), "huggingface/http://h");
    EXPECT_EQ(chunk.at("id"), chunks[0].at("id"));
  }
  EXPECT_EQ(chunks[0].at("choices").as_array()[0].at("delta").at("role"), "assistant");
  EXPECT_EQ(chunks[1].at("choices").as_array()[0].at("delta").at("content"), " Paris");
  EXPECT_EQ(chunks[2].at("choices").as_array()[0].at("delta").at("content"), ".");
  EXPECT_EQ(chunks[3].at("choices").as_array()[0].at("finish_reason"), "stop");
  EXPECT_TRUE(chunks[4].at("choices").as_array().empty());
  EXPECT_EQ(chunks[4].at("usage").at("prompt_tokens").as_int64(), 14);
  EXPECT_EQ(chunks[4].at("usage").at("completion_tokens").as_int64(), 3);
  EXPECT_EQ(chunks[4].at("usage").at("total_tokens").as_int64(), 17);
  EXPECT_EQ(translate(kEvents, R"({"model":"m"})").size(), 4u) << "no usage chunk unless asked";
}

TEST(TgiStream, LogprobsPerTokenWhenAsked) {
  const std::vector<bj::object> chunks = translate(kEvents, R"({"model":"m","logprobs":true})");
  ASSERT_EQ(chunks.size(), 5u);  // the special token's logprob comes in a chunk without text
  EXPECT_EQ(chunks[1].at("choices").as_array()[0].at("logprobs").at("content").as_array()[0].at("logprob").as_double(), -0.5);
  EXPECT_EQ(chunks[3].at("choices").as_array()[0].at("delta").at("content"), "");
}

TEST(TgiStream, ErrorsCutsAndJunkAreUpstreamErrors) {
  try {
    translate({kEvents[0], R"({"error":"Request failed during generation: out of memory","error_type":"generation"})"}, "{}");
    FAIL();
  } catch (const UpstreamError& error) {
    EXPECT_EQ(error.status(), 500);
    EXPECT_NE(std::string(error.what()).find("out of memory"), std::string::npos);
  }
  try {
    translate({R"({"error":"Input validation error: `inputs` must have less than 10 tokens","error_type":"validation"})"}, "{}");
    FAIL();
  } catch (const UpstreamError& error) {
    EXPECT_EQ(error.status(), 422);
  }
  EXPECT_THROW(translate({kEvents[0], kEvents[1]}, "{}"), UpstreamError) << "no last event";
  EXPECT_THROW(translate({"{\"index\":1,"}, "{}", false), UpstreamError);
  EXPECT_THROW(translate({"[1]"}, "{}", false), UpstreamError);
  EXPECT_THROW(translate({kEvents[2], kEvents[0]}, "{}", false), UpstreamError) << "after the last event";
}

TEST(FinishReason, MapsTgisToOpenAis) {
  EXPECT_EQ(openai_finish_reason("eos_token"), "stop");
  EXPECT_EQ(openai_finish_reason("stop_sequence"), "stop");
  EXPECT_EQ(openai_finish_reason("length"), "length");
}

}  // namespace
}  // namespace gatehouse::gateway::providers
