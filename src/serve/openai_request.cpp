#include "serve/openai_request.h"

#include <boost/json.hpp>

#include "api/request_fields.h"
#include "base/error.h"
#include "base/log.h"
#include "base/utf8.h"
#include "serve/structured_output.h"
#include "serve/tool_choice.h"

namespace gatehouse::serve {
namespace {

namespace bj = boost::json;
using api::RequestFields;

// Unknown fields named in the log line of a request, and how much of each name.
constexpr size_t kUnreadFieldsLogged = 3;
constexpr size_t kLoggedFieldNameBytes = 64;

[[noreturn]] void invalid(const std::string& param, const std::string& message) { throw InvalidParameter(param, message); }

// Fields that would change the answer in ways this server does not implement: refused, not ignored.
void refuse_unsupported(RequestFields& fields) {
  if (fields.boolean("use_beam_search").value_or(false)) invalid("use_beam_search", "use_beam_search is not supported by this server");
  if (fields.integer("best_of").value_or(1) > 1) invalid("best_of", "best_of greater than 1 is not supported by this server; use n");
  if (fields.integer("truncate_prompt_tokens")) invalid("truncate_prompt_tokens", "truncate_prompt_tokens is not supported by this server");
  // vLLM's token controls, prompt embeddings, OpenAI's legacy functions and audio output: each
  // changes the answer when given (empty lists and null change nothing).
  for (const char* key : {"allowed_token_ids", "bad_words", "logits_processors", "vllm_xargs", "prompt_embeds", "functions", "audio"}) {
    const bj::value* value = fields.find(key);
    const bool empty = value && ((value->is_array() && value->get_array().empty()) || (value->is_object() && value->get_object().empty()));
    if (value && !empty) invalid(key, std::string(key) + " is not supported by this server; leave it out");
  }
  const bj::value* call = fields.find("function_call");
  if (call && !(call->is_string() && (call->get_string() == "none" || call->get_string() == "auto"))) {
    invalid("function_call", "function_call other than \"none\" or \"auto\" needs function calling, which this server does not do");
  }
  if (const bj::value* modalities = fields.find("modalities");
      modalities && !(modalities->is_array() && modalities->get_array().size() == 1 && modalities->get_array()[0] == "text")) {
    invalid("modalities", "this server answers with text only: modalities must be [\"text\"]");
  }
}

// The model, the refused features and the sampling fields both endpoints share, over the model's
// defaults.
OpenAiRequest convert_common(RequestFields& fields, const api::OpenAiCommon& wire, const ServedModel& model) {
  model.check_requested(wire.model);
  refuse_unsupported(fields);
  OpenAiRequest request;
  request.spec.constraint = read_output_constraint(fields);
  engine::SamplingParams& params = request.spec.params;
  const engine::GenerationConfig& defaults = model.defaults;
  params.n = wire.n.value_or(1);
  params.temperature = wire.temperature.value_or(defaults.temperature.value_or(1.0));
  params.top_p = wire.top_p.value_or(defaults.top_p.value_or(1.0));
  params.top_k = wire.top_k.value_or(defaults.top_k.value_or(0));
  params.min_p = wire.min_p.value_or(defaults.min_p.value_or(0.0));
  params.repetition_penalty = wire.repetition_penalty.value_or(defaults.repetition_penalty.value_or(1.0));
  params.frequency_penalty = wire.frequency_penalty;
  params.presence_penalty = wire.presence_penalty;
  if (wire.seed) params.seed = static_cast<uint64_t>(*wire.seed);
  params.ignore_eos = wire.ignore_eos;
  params.min_tokens = wire.min_tokens;
  for (int64_t token : wire.stop_token_ids) {
    if (token < 0 || token >= model.vocab_size) {
      invalid("stop_token_ids", "stop_token_ids contains token id " + std::to_string(token) + ", outside the vocabulary [0, " +
                                    std::to_string(model.vocab_size) + ")");
    }
    params.stop_token_ids.push_back(static_cast<int32_t>(token));
  }
  params.logit_bias = wire.logit_bias;
  if (params.n > model.max_num_seqs) {
    invalid("n", "n must be at most --max-num-seqs (" + std::to_string(model.max_num_seqs) + "), got " + std::to_string(params.n));
  }

  request.spec.stop.strings = wire.stop;
  request.spec.stop.include_in_output = wire.include_stop_str_in_output;
  request.spec.stop.min_tokens = params.min_tokens;
  request.spec.skip_special_tokens = wire.skip_special_tokens;
  request.stream = wire.stream;
  request.include_usage = wire.include_usage;
  request.continuous_usage = wire.continuous_usage;
  request.return_tokens_as_token_ids = wire.return_tokens_as_token_ids.value_or(model.return_tokens_as_token_ids);
  if (wire.prompt_logprobs) {
    params.prompt_logprobs = *wire.prompt_logprobs;  // its range is checked with the others
    request.prompt_logprobs = true;
  }
  return request;
}

// max_tokens: the request's (checked against the room left), else what the room allows (chat) or
// OpenAI's 16 (completions), capped by generation_config.json's max_new_tokens.
void resolve_max_tokens(std::optional<int64_t> asked, const char* asked_name, int64_t fallback, const char* prompt_name,
                        const ServedModel& model, const std::vector<std::vector<int32_t>>& prompts, engine::SamplingParams& params) {
  int64_t longest = 0;
  for (const auto& prompt : prompts) longest = std::max<int64_t>(longest, static_cast<int64_t>(prompt.size()));
  if (longest >= model.max_model_len) {
    invalid(prompt_name,
            "This model's maximum context length is " + std::to_string(model.max_model_len) + " tokens. However, your request has " +
                std::to_string(longest) + " input tokens. Please reduce the length of the input.");
  }
  const int64_t room = model.max_model_len - longest;
  if (asked) {
    if (*asked < 1) invalid(asked_name, std::string(asked_name) + " must be at least 1, got " + std::to_string(*asked));
    if (*asked > room) {
      invalid(asked_name, "'" + std::string(asked_name) + "' is too large: " + std::to_string(*asked) +
                              ". This model's maximum context length is " + std::to_string(model.max_model_len) +
                              " tokens and your request has " + std::to_string(longest) + " input tokens (" +
                              std::to_string(*asked) + " > " + std::to_string(model.max_model_len) + " - " +
                              std::to_string(longest) + ").");
    }
    params.max_tokens = *asked;
  } else {
    params.max_tokens = std::min(fallback > 0 ? fallback : room, room);
    if (model.defaults.max_new_tokens) params.max_tokens = std::min(params.max_tokens, *model.defaults.max_new_tokens);
  }
}

// A field name as the log shows it: quoted, and cut (between characters) past kLoggedFieldNameBytes.
std::string logged_name(std::string_view key) {
  const size_t kept = utf8::complete_prefix_length(key.substr(0, kLoggedFieldNameBytes));
  return "\"" + std::string(key.substr(0, kept)) + (kept < key.size() ? "...\"" : "\"");
}

void finish_parsing(RequestFields& fields, OpenAiRequest& request, int64_t vocab_size) {
  request.spec.params.validate(vocab_size);
  // One line per request, however many fields it carries; the log escapes what they contain.
  const RequestFields::Unread unread = fields.unread(kUnreadFieldsLogged);
  if (unread.count == 0) return;
  std::string names;
  for (const std::string& key : unread.first) names += (names.empty() ? "" : ", ") + logged_name(key);
  if (unread.count > unread.first.size()) names += " and " + std::to_string(unread.count - unread.first.size()) + " more";
  GH_LOG(warn) << (unread.count == 1 ? "request field " + names + " is" : std::to_string(unread.count) + " request fields (" + names + ") are")
               << " not used by this server and ignored";
}

// How the chat's answer is shaped: the reasoning parser and the tool calls. A named or required
// tool choice constrains the answer (over any response_format) and, as vLLM's parsers do, keeps
// special tokens in the text; tools the template must not see are dropped from the prompt.
void shape_chat(RequestFields& fields, api::ChatRequest& wire, const ServedModel& model, OpenAiRequest& request) {
  ChatShaping& chat = request.chat;
  chat.tool_choice = read_tool_choice(fields, wire.prompt.tools, model);
  chat.tool_parser = model.tool_parser;
  chat.parallel_tool_calls = wire.parallel_tool_calls.value_or(true);
  if (chat.tool_choice.mode != ToolChoice::Mode::none) {
    request.spec.skip_special_tokens = false;
    if (auto constraint = tool_choice_constraint(chat.tool_choice, *wire.prompt.tools)) request.spec.constraint = std::move(constraint);
  }
  chat.reasoning = model.reasoning_parser;
  chat.include_reasoning = fields.boolean("include_reasoning").value_or(true);
  const bj::value* thinking = wire.prompt.template_kwargs.if_contains("enable_thinking");
  chat.reasoning_options.thinking = !(thinking && thinking->is_bool() && !thinking->get_bool());
}

}  // namespace

std::string render_chat(const api::ChatPrompt& chat, const ServedModel& model) {
  model.check_prompt_bytes(chat.content_bytes, "messages");  // before the template copies it around
  // Parsed per request; the interpreter's budgets hold for it as for the model's own template.
  std::optional<tokenizer::ChatTemplate> requested;
  if (chat.chat_template) {
    if (!model.trust_request_chat_template) {
      invalid("chat_template", "Chat template is passed with request, but --trust-request-chat-template is not set. Refused request "
                               "with untrusted chat template.");
    }
    requested.emplace(*chat.chat_template, model.tokenizer->config());
  }
  const tokenizer::ChatTemplate* chat_template = requested ? &*requested : model.chat_template ? &*model.chat_template : nullptr;
  if (!chat_template) {
    invalid("messages", "this model's tokenizer has no chat template, so chat requests cannot be rendered; start the server with "
                        "--chat-template FILE");
  }
  bj::object inputs = chat.template_kwargs;
  inputs["messages"] = chat.messages;
  inputs["add_generation_prompt"] = chat.add_generation_prompt;
  if (chat.tools) inputs["tools"] = *chat.tools;
  if (chat.documents) inputs["documents"] = *chat.documents;
  std::string text = chat_template->render(inputs);
  if (chat.continue_final_message) {
    // As transformers does: cut after the final message's content, so the model continues it.
    const bj::value& last = chat.messages.back().get_object().at("content");
    if (last.is_string()) {
      const std::string content(last.get_string());
      const size_t at = text.rfind(content);
      if (!content.empty() && at != std::string::npos) text.resize(at + content.size());
    }
  }
  return text;
}

OpenAiRequest parse_chat_request(const boost::json::object& body, const ServedModel& model) {
  RequestFields fields(body);
  api::ChatRequest wire = api::read_chat_request(fields);
  OpenAiRequest request = convert_common(fields, wire, model);
  if (fields.boolean("echo").value_or(false)) invalid("echo", "echo is not supported for chat completions by this server");
  shape_chat(fields, wire, model, request);
  request.logprobs = wire.logprobs;
  request.top_logprobs = wire.top_logprobs;
  if (request.logprobs) request.spec.params.logprobs = request.top_logprobs;

  std::vector<uint32_t> ids = model.encode_prompt(render_chat(wire.prompt, model), wire.add_special_tokens, "messages");
  request.spec.prompts.emplace_back(ids.begin(), ids.end());
  resolve_max_tokens(wire.max_tokens, wire.max_tokens_param.c_str(), 0, "messages", model, request.spec.prompts, request.spec.params);
  // Structured output applies to the answer, after any reasoning (vLLM's default).
  model.constrain(request.spec, request.chat.reasoning && request.chat.reasoning_options.thinking ? "</think>" : "");
  finish_parsing(fields, request, model.vocab_size);
  return request;
}

OpenAiRequest parse_completion_request(const boost::json::object& body, const ServedModel& model) {
  RequestFields fields(body);
  const api::CompletionRequest wire = api::read_completion_request(fields);
  OpenAiRequest request = convert_common(fields, wire, model);
  if (fields.find("suffix")) invalid("suffix", "suffix is not supported");
  request.echo = wire.echo;
  if (wire.logprobs) {
    request.logprobs = true;
    request.top_logprobs = *wire.logprobs;
    request.spec.params.logprobs = *wire.logprobs;
  }
  // With echo, the prompt's tokens come first in the logprobs, scored like the output's.
  if (request.echo && request.logprobs && !request.spec.params.prompt_logprobs) request.spec.params.prompt_logprobs = request.top_logprobs;

  // Before any tokenizing: a list of prompts is as many sequences.
  const int64_t prompts = static_cast<int64_t>(wire.prompts.size());
  if (prompts * request.spec.params.n > model.max_num_seqs) {
    invalid("prompt", "the request asks for " + std::to_string(prompts) + " prompts × n=" + std::to_string(request.spec.params.n) +
                          " sequences; the limit is --max-num-seqs (" + std::to_string(model.max_num_seqs) + ")");
  }
  for (const api::CompletionPrompt& prompt : wire.prompts) {
    if (prompt.text) {
      std::vector<uint32_t> ids = model.encode_prompt(*prompt.text, wire.add_special_tokens, "prompt");
      request.spec.prompts.emplace_back(ids.begin(), ids.end());
      if (request.echo) request.prompt_texts.push_back(*prompt.text);
      continue;
    }
    std::vector<int32_t> tokens;
    for (int64_t id : prompt.token_ids) {
      if (id < 0 || id >= model.vocab_size) {
        invalid(prompt.param, prompt.param + " contains token id " + std::to_string(id) + ", outside the vocabulary [0, " +
                                  std::to_string(model.vocab_size) + ")");
      }
      tokens.push_back(static_cast<int32_t>(id));
    }
    if (request.echo) request.prompt_texts.push_back(model.tokenizer->decode(std::vector<uint32_t>(tokens.begin(), tokens.end()), false));
    request.spec.prompts.push_back(std::move(tokens));
  }
  resolve_max_tokens(wire.max_tokens, "max_tokens", 16, "prompt", model, request.spec.prompts, request.spec.params);
  model.constrain(request.spec);
  finish_parsing(fields, request, model.vocab_size);
  return request;
}

}  // namespace gatehouse::serve
