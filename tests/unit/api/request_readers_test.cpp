// The OpenAI and TGI request readers: fields as typed values, absent ones left for the server's
// defaults, and the checks that need no model, each naming its parameter.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <functional>

#include "api/openai_request.h"
#include "api/tgi.h"
#include "base/error.h"

namespace gatehouse::api {
namespace {

namespace bj = boost::json;

bj::object body(std::string_view json) { return bj::parse(json).as_object(); }

ChatRequest chat(std::string_view json) {
  const bj::object object = body(json);
  RequestFields fields(object);
  return read_chat_request(fields);
}

CompletionRequest completion(std::string_view json) {
  const bj::object object = body(json);
  RequestFields fields(object);
  return read_completion_request(fields);
}

// The parameter an InvalidParameter names, and its message.
std::pair<std::string, std::string> rejection(const std::function<void()>& read) {
  try {
    read();
  } catch (const InvalidParameter& error) {
    return {error.parameter(), error.what()};
  }
  ADD_FAILURE() << "accepted";
  return {};
}

TEST(OpenAiRequestReader, ChatFieldsAndWhatWasLeftUnread) {
  const bj::object object = body(R"({"model":"m","messages":[{"role":"user","content":[{"type":"text","text":"a"},{"type":"text","text":"b"}]}],
      "temperature":0.5,"stop":"END","stream":true,"stream_options":{},"logprobs":true,"top_logprobs":2,
      "max_completion_tokens":7,"max_tokens":9,"chat_template_kwargs":{"x":1,"chat_template":"T"},"novel":1})");
  RequestFields fields(object);
  const ChatRequest request = read_chat_request(fields);
  EXPECT_EQ(request.model, "m");
  EXPECT_EQ(request.temperature, 0.5);
  EXPECT_FALSE(request.top_p);  // the server's default
  EXPECT_EQ(request.stop, std::vector<std::string>{"END"});
  EXPECT_TRUE(request.include_usage);  // stream_options given: usage unless it says otherwise
  EXPECT_EQ(request.top_logprobs, 2);
  EXPECT_EQ(request.max_tokens, 7);
  EXPECT_EQ(request.max_tokens_param, "max_completion_tokens");
  EXPECT_EQ(request.prompt.messages[0].at("content"), "a\nb");
  EXPECT_EQ(request.prompt.content_bytes, 3u);
  EXPECT_EQ(request.prompt.chat_template, "T");
  EXPECT_EQ(request.prompt.template_kwargs, body(R"({"x":1})"));
  const RequestFields::Unread unread = fields.unread(5);
  EXPECT_EQ(unread.first, std::vector<std::string>{"novel"});
}

TEST(OpenAiRequestReader, ChecksThatNeedNoModel) {
  EXPECT_EQ(rejection([] { chat(R"({"messages":[]})"); }).first, "messages");
  EXPECT_EQ(rejection([] { chat(R"({"messages":[{"content":"x"}]})"); }).first, "messages[0].role");
  EXPECT_EQ(rejection([] { chat(R"({"messages":[{"role":"user","content":"x"}],"top_logprobs":2})"); }).second,
            "when using top_logprobs, logprobs must be set to true");
  EXPECT_EQ(rejection([] { chat(R"({"messages":[{"role":"user","content":"x"}],"logprobs":true,"top_logprobs":21})"); }).first,
            "top_logprobs");
  EXPECT_EQ(rejection([] { completion(R"({"prompt":"x","stream_options":{"include_usage":true}})"); }).second,
            "stream_options can only be set when stream is true");
  EXPECT_EQ(rejection([] { completion(R"({"prompt":"x","stop":["a",""]})"); }).first, "stop");
  EXPECT_EQ(rejection([] { completion(R"({"prompt":"x","temperature":"hot"})"); }).second, "temperature: expected a number, got a string");
  EXPECT_EQ(rejection([] { completion(R"({"prompt":"x","logit_bias":{"x":1}})"); }).first, "logit_bias");
  EXPECT_EQ(rejection([] { completion(R"({"prompt":"x","stream":true,"prompt_logprobs":1})"); }).first, "prompt_logprobs");
}

TEST(OpenAiRequestReader, CompletionPromptForms) {
  const CompletionRequest texts = completion(R"({"prompt":["a",[1,2]]})");
  ASSERT_EQ(texts.prompts.size(), 2u);
  EXPECT_EQ(texts.prompts[0].text, "a");
  EXPECT_EQ(texts.prompts[1].param, "prompt[1]");
  EXPECT_EQ(texts.prompts[1].token_ids, (std::vector<int64_t>{1, 2}));
  EXPECT_EQ(completion(R"({"prompt":[5,6]})").prompts[0].token_ids, (std::vector<int64_t>{5, 6}));
  EXPECT_EQ(rejection([] { completion(R"({"prompt":[[]]})"); }).second, "prompt[0] must not be empty");
  EXPECT_EQ(rejection([] { completion(R"({"prompt":{}})"); }).first, "prompt");
  EXPECT_EQ(rejection([] { completion(R"({})"); }).second, "prompt is required");
}

TEST(TgiRequestReader, ParametersAndTgiLimits) {
  const TgiRequest request = read_tgi_request(body(R"({"inputs":"x","parameters":{"top_k":5,"stop":["a"],"details":true,
      "max_new_tokens":3,"seed":18446744073709551615}})"), false);
  EXPECT_EQ(request.inputs, "x");
  EXPECT_TRUE(request.parameters.sample);  // top_k asks for sampling
  EXPECT_EQ(request.parameters.seed, UINT64_MAX);
  EXPECT_EQ(request.parameters.max_new_tokens, 3);
  EXPECT_FALSE(read_tgi_request(body(R"({"inputs":"x","parameters":{"temperature":1.0}})"), false).parameters.sample);

  auto refused = [](std::string_view json, bool stream) { return rejection([&] { read_tgi_request(body(json), stream); }); };
  EXPECT_EQ(refused(R"({"inputs":""})", false).second, "`inputs` cannot be empty");
  EXPECT_EQ(refused(R"({"inputs":"x","parameters":{"top_p":1}})", false).second, "`top_p` must be > 0.0 and < 1.0");
  EXPECT_EQ(refused(R"({"inputs":"x","parameters":{"best_of":2}})", false).second, "you must use sampling when `best_of` is > 1");
  EXPECT_EQ(refused(R"({"inputs":"x","parameters":{"best_of":2,"do_sample":true}})", true).first, "best_of");
  EXPECT_EQ(refused(R"({"inputs":"x","parameters":{"stop":["a","b","c","d","e"]}})", false).second,
            "`stop` supports up to 4 stop sequences. Given: 5");
  EXPECT_EQ(refused(R"({"inputs":"x","parameters":{"top_n_tokens":6}})", false).first, "top_n_tokens");
  EXPECT_EQ(refused(R"({"inputs":"x","parameters":{"decoder_input_details":true}})", true).first, "decoder_input_details");
  EXPECT_EQ(refused(R"({"inputs":"x","parameters":[]})", false).first, "parameters");
}

TEST(TgiAnswerShapes, TokensDetailsAndStreamEvents) {
  const TgiToken token{7, "hi", -0.25f, false};
  EXPECT_EQ(bj::value(tgi_token_json(token)), bj::parse(R"({"id":7,"text":"hi","logprob":-0.25,"special":false})"));
  EXPECT_EQ(bj::value(tgi_token_json({1, "<s>", std::nullopt, std::nullopt})), bj::parse(R"({"id":1,"text":"<s>","logprob":null})"));

  const TgiDetails details{"length", 1, 42, {}, {token}, std::nullopt};
  EXPECT_EQ(bj::value(tgi_details_json(details)),
            bj::parse(R"({"finish_reason":"length","generated_tokens":1,"seed":42,"prefill":[],
                          "tokens":[{"id":7,"text":"hi","logprob":-0.25,"special":false}]})"));

  TgiStreamEvent event{1, token, std::nullopt, std::nullopt, std::nullopt};
  EXPECT_EQ(bj::value(tgi_stream_event_json(event)),
            bj::parse(R"({"index":1,"token":{"id":7,"text":"hi","logprob":-0.25,"special":false},"generated_text":null,"details":null})"));
  event.generated_text = "hi";
  event.details = TgiStreamEvent::Details{"eos_token", 1, std::nullopt, 3};
  EXPECT_EQ(tgi_stream_event_json(event).at("details"),
            bj::parse(R"({"finish_reason":"eos_token","generated_tokens":1,"seed":null,"input_length":3})"));
}

}  // namespace
}  // namespace gatehouse::api
