#include "serve/openai_generation.h"

#include <boost/json.hpp>

#include "base/json.h"
#include "api/openai_format.h"

namespace gatehouse::serve {
namespace {

namespace bj = boost::json;
using api::json_logprob;

int64_t characters(std::string_view text) {
  int64_t count = 0;
  for (char c : text) count += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return count;
}

bj::array utf8_bytes(const std::string& text) {
  bj::array bytes;
  for (char c : text) bytes.push_back(static_cast<unsigned char>(c));
  return bytes;
}

// A token as logprobs show it: its text, or "token_id:N" with return_tokens_as_token_ids.
std::string token_text(const tokenizer::Tokenizer& tokenizer, int32_t token, bool as_token_ids) {
  if (as_token_ids) return "token_id:" + std::to_string(token);
  return tokenizer.decode({static_cast<uint32_t>(token)}, false);
}

}  // namespace

OpenAiGeneration::OpenAiGeneration(const ServedModel& model, std::string id, OpenAiRequest request, const char* chunk_object)
    : Generation(*model.tokenizer, std::move(id), request.spec),
      model_(model),
      request_(std::move(request)),
      created_(api::unix_time()),
      chunk_object_(chunk_object) {}

void OpenAiGeneration::on_progress(const Choice& choice, const std::string& text, size_t first_new_token) {
  if (!request_.stream) return;
  if (!started_) {
    started_ = true;
    on_first_chunk();
  }
  bj::object object = stream_choice(choice, text, first_new_token);
  if (!object.empty()) send_chunk(bj::array{std::move(object)}, request_.continuous_usage);
}

void OpenAiGeneration::on_complete() {
  release();
  if (!request_.stream) {
    stream().finish(http::Response::json(200, json::serialize(full_response())));
    return;
  }
  if (request_.include_usage) {
    send_event(json::serialize(bj::object{{"id", id()}, {"object", chunk_object_}, {"created", created_}, {"model", model_.name()},
                                        {"choices", bj::array{}}, {"usage", usage()}}));
  }
  send_done();
  stream().close();
}

void OpenAiGeneration::send_chunk(bj::array choices, bool with_usage) {
  bj::object chunk{{"id", id()}, {"object", chunk_object_}, {"created", created_}, {"model", model_.name()},
                   {"choices", std::move(choices)}};
  if (with_usage) chunk["usage"] = usage();
  send_event(json::serialize(chunk));
}

bj::value OpenAiGeneration::stop_reason(const Choice& choice) const {
  if (choice.stop_string) return bj::value(*choice.stop_string);
  if (choice.stop_token) return bj::value(*choice.stop_token);
  return nullptr;
}

bj::object OpenAiGeneration::usage() const {
  return api::usage_json(prompt_tokens(), completion_tokens(),
                    model_.enable_prompt_tokens_details ? std::optional<int64_t>(cached_prompt_tokens()) : std::nullopt);
}

bj::value OpenAiGeneration::vllm_prompt_logprobs(int64_t prompt) const {
  if (!request_.prompt_logprobs) return nullptr;
  bj::array out{nullptr};
  auto entry = [&](int32_t token, float logprob, int64_t rank) {
    return bj::object{{"logprob", json_logprob(logprob)}, {"rank", rank}, {"decoded_token", token_text(tokenizer(), token, request_.return_tokens_as_token_ids)}};
  };
  for (const engine::SampledToken& scored : prompt_logprobs(prompt)) {
    bj::object position;
    position[std::to_string(scored.token)] = entry(scored.token, scored.logprob, scored.rank);
    for (size_t k = 0; k < scored.top.size(); ++k) {
      const std::string key = std::to_string(scored.top[k].token);
      if (!position.contains(key)) position[key] = entry(scored.top[k].token, scored.top[k].logprob, static_cast<int64_t>(k) + 1);
    }
    out.push_back(std::move(position));
  }
  return out;
}

ChatGeneration::ChatGeneration(const ServedModel& model, OpenAiRequest request)
    : OpenAiGeneration(model, api::random_id("chatcmpl-"), std::move(request), "chat.completion.chunk") {
  if (!request_.stream) return;
  outputs_.reserve(choices().size());
  for (const Choice& choice : choices()) outputs_.emplace_back(request_.chat, choice.index);
}

void ChatGeneration::on_first_chunk() {
  for (const Choice& choice : choices()) {
    send_chunk(bj::array{bj::object{{"index", choice.index},
                                    {"delta", bj::object{{"role", "assistant"}, {"content", ""}}},
                                    {"logprobs", nullptr},
                                    {"finish_reason", nullptr}}},
               false);
  }
}

bj::object ChatGeneration::stream_choice(const Choice& choice, const std::string& text, size_t first_new_token) {
  ChatOutputStream& output = outputs_[static_cast<size_t>(choice.index)];
  ChatDelta delta = output.feed(text);
  if (choice.finish_reason) delta.append(output.finish());
  const bool has_logprobs = request_.logprobs && first_new_token < choice.logprobs.size();
  if (delta.empty() && !has_logprobs && !choice.finish_reason) return {};
  const bj::value finish_reason =
      choice.finish_reason ? bj::value(chat_finish_reason(request_.chat, *choice.finish_reason, output.called())) : bj::value(nullptr);
  bj::object object{{"index", choice.index},
                    {"delta", output.delta_json(delta)},
                    {"logprobs", request_.logprobs ? logprobs(choice, first_new_token) : bj::value(nullptr)},
                    {"finish_reason", finish_reason}};
  if (choice.finish_reason) object["stop_reason"] = stop_reason(choice);
  return object;
}

bj::value ChatGeneration::logprobs(const Choice& choice, size_t from) const {
  bj::array content;
  auto entry = [&](int32_t token, float logprob) {
    const std::string text = token_text(tokenizer(), token, request_.return_tokens_as_token_ids);
    return bj::object{{"token", text}, {"logprob", json_logprob(logprob)}, {"bytes", utf8_bytes(text)}};
  };
  for (size_t i = from; i < choice.logprobs.size(); ++i) {
    const engine::SampledToken& sampled = choice.logprobs[i];
    bj::object item = entry(sampled.token, sampled.logprob);
    bj::array top;
    for (size_t k = 0; k < sampled.top.size() && static_cast<int64_t>(k) < request_.top_logprobs; ++k) {
      top.push_back(entry(sampled.top[k].token, sampled.top[k].logprob));
    }
    item["top_logprobs"] = std::move(top);
    content.push_back(std::move(item));
  }
  return bj::object{{"content", std::move(content)}};
}

bj::object ChatGeneration::full_response() {
  bj::array out;
  for (const Choice& choice : choices()) {
    const ChatMessage message = shape_chat_message(request_.chat, choice.text->text());
    out.push_back(bj::object{{"index", choice.index},
                             {"message", chat_message_json(message)},
                             {"logprobs", request_.logprobs ? logprobs(choice, 0) : bj::value(nullptr)},
                             {"finish_reason", chat_finish_reason(request_.chat, choice.finish_reason.value_or("stop"), !message.tool_calls.empty())},
                             {"stop_reason", stop_reason(choice)}});
  }
  return bj::object{{"id", id()},           {"object", "chat.completion"}, {"created", created_},
                    {"model", model_.name()}, {"choices", std::move(out)},   {"usage", usage()},
                    {"prompt_logprobs", vllm_prompt_logprobs(0)}, {"kv_transfer_params", nullptr}};
}

CompletionGeneration::CompletionGeneration(const ServedModel& model, OpenAiRequest request)
    : OpenAiGeneration(model, api::random_id("cmpl-"), std::move(request), "text_completion") {
  for (const Choice& choice : choices()) {
    const size_t prompt = static_cast<size_t>(choice.prompt_index);
    // With echo and logprobs, the offsets run over the prompt's tokens first.
    text_offset_.push_back(request_.echo && !request_.logprobs ? characters(request_.prompt_texts[prompt]) : 0);
  }
  echoed_.assign(choices().size(), false);
  prompt_scored_.assign(choices().size(), false);
}

bj::object CompletionGeneration::stream_choice(const Choice& choice, const std::string& text, size_t first_new_token) {
  const size_t at = static_cast<size_t>(choice.index);
  std::string out = text;
  if (request_.echo && !echoed_[at]) {
    echoed_[at] = true;
    out = request_.prompt_texts[static_cast<size_t>(choice.prompt_index)] + out;
  }
  const bool has_logprobs = request_.logprobs && first_new_token < choice.logprobs.size();
  if (out.empty() && !has_logprobs && !choice.finish_reason) return {};
  return bj::object{{"index", choice.index},
                    {"text", out},
                    {"logprobs", request_.logprobs ? logprobs(choice, first_new_token) : bj::value(nullptr)},
                    {"finish_reason", choice.finish_reason ? bj::value(*choice.finish_reason) : bj::value(nullptr)},
                    {"stop_reason", choice.finish_reason ? stop_reason(choice) : bj::value(nullptr)}};
}

bj::value CompletionGeneration::logprobs(const Choice& choice, size_t from) {
  bj::array offsets, token_logprobs, tokens, top_logprobs;
  int64_t& offset = text_offset_[static_cast<size_t>(choice.index)];
  auto add = [&](int32_t token, const engine::SampledToken* scored) {
    const std::string text = token_text(tokenizer(), token, request_.return_tokens_as_token_ids);
    offsets.push_back(offset);
    offset += characters(text);
    tokens.push_back(bj::value(text));
    if (!scored) {  // the prompt's first token has nothing before it to be scored by
      token_logprobs.push_back(nullptr);
      top_logprobs.push_back(nullptr);
      return;
    }
    token_logprobs.push_back(json_logprob(scored->logprob));
    // As vLLM: the token itself and the top alternatives, by token text.
    bj::object top{{text, json_logprob(scored->logprob)}};
    for (size_t k = 0; k < scored->top.size() && static_cast<int64_t>(k) < request_.top_logprobs; ++k) {
      top[token_text(tokenizer(), scored->top[k].token, request_.return_tokens_as_token_ids)] = json_logprob(scored->top[k].logprob);
    }
    top_logprobs.push_back(std::move(top));
  };
  if (request_.echo && !prompt_scored_[static_cast<size_t>(choice.index)]) {
    prompt_scored_[static_cast<size_t>(choice.index)] = true;
    const std::vector<int32_t>& prompt = spec().prompts[static_cast<size_t>(choice.prompt_index)];
    const std::vector<engine::SampledToken>& scored = prompt_logprobs(choice.prompt_index);
    for (size_t i = 0; i < prompt.size(); ++i) add(prompt[i], i > 0 && i - 1 < scored.size() ? &scored[i - 1] : nullptr);
  }
  for (size_t i = from; i < choice.logprobs.size(); ++i) add(choice.logprobs[i].token, &choice.logprobs[i]);
  return bj::object{{"text_offset", std::move(offsets)},
                    {"token_logprobs", std::move(token_logprobs)},
                    {"tokens", std::move(tokens)},
                    {"top_logprobs", std::move(top_logprobs)}};
}

bj::object CompletionGeneration::full_response() {
  bj::array out;
  for (const Choice& choice : choices()) {
    std::string text = choice.text->text();
    if (request_.echo) text = request_.prompt_texts[static_cast<size_t>(choice.prompt_index)] + text;
    out.push_back(bj::object{{"index", choice.index},
                             {"text", std::move(text)},
                             {"logprobs", request_.logprobs ? logprobs(choice, 0) : bj::value(nullptr)},
                             {"finish_reason", choice.finish_reason.value_or("stop")},
                             {"stop_reason", stop_reason(choice)},
                             {"prompt_logprobs", vllm_prompt_logprobs(choice.prompt_index)}});
  }
  return bj::object{{"id", id()},     {"object", "text_completion"}, {"created", created_}, {"model", model_.name()},
                    {"choices", std::move(out)}, {"usage", usage()},  {"kv_transfer_params", nullptr}};
}

}  // namespace gatehouse::serve
