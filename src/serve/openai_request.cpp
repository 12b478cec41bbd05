#include "serve/openai_request.h"

#include <boost/json.hpp>
#include <charconv>

#include "base/error.h"
#include "base/log.h"
#include "base/utf8.h"
#include "serve/request_fields.h"

namespace gatehouse::serve {
namespace {

namespace bj = boost::json;

// Unknown fields named in the log line of a request, and how much of each name.
constexpr size_t kUnreadFieldsLogged = 3;
constexpr size_t kLoggedFieldNameBytes = 64;

// vLLM's cap on logprobs (max_logprobs) and OpenAI's on top_logprobs.
constexpr int64_t kMaxTopLogprobs = 20;

[[noreturn]] void invalid(const std::string& param, const std::string& message) { throw InvalidParameter(param, message); }

// Fields that would change the answer in ways this server does not implement: refused, not ignored.
void refuse_unsupported(RequestFields& fields) {
  if (fields.boolean("use_beam_search").value_or(false)) invalid("use_beam_search", "use_beam_search is not supported by this server");
  if (fields.integer("best_of").value_or(1) > 1) invalid("best_of", "best_of greater than 1 is not supported by this server; use n");
  if (const bj::value* format = fields.find("response_format")) {
    const bj::object* object = format->if_object();
    const bj::value* type = object ? object->if_contains("type") : nullptr;
    if (!type || !type->is_string() || type->get_string() != "text") {
      invalid("response_format", "response_format other than {\"type\": \"text\"} (structured output) is not supported by this server");
    }
  }
  for (const char* guided : {"guided_json", "guided_regex", "guided_choice", "guided_grammar", "structured_outputs"}) {
    if (fields.find(guided)) invalid(guided, std::string(guided) + " (structured output) is not supported by this server");
  }
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

// The template a request brings (chat_template, or chat_template_kwargs.chat_template as vLLM
// also reads it), or nullptr. Refused in vLLM's words unless --trust-request-chat-template.
const bj::value* request_template(RequestFields& fields, const bj::object& kwargs, const ServedModel& model) {
  const bj::value* given = fields.find("chat_template");
  if (!given) given = kwargs.if_contains("chat_template");
  if (!given || given->is_null()) return nullptr;
  if (!model.trust_request_chat_template) {
    invalid("chat_template", "Chat template is passed with request, but --trust-request-chat-template is not set. Refused request with "
                             "untrusted chat template.");
  }
  if (!given->is_string()) wrong_type("chat_template", "a string", *given);
  return given;
}

std::vector<std::pair<int32_t, float>> parse_logit_bias(RequestFields& fields) {
  std::vector<std::pair<int32_t, float>> bias;
  const bj::value* value = fields.find("logit_bias");
  if (!value) return bias;
  if (!value->is_object()) wrong_type("logit_bias", "an object of token id to bias", *value);
  for (const auto& entry : value->get_object()) {
    int64_t token = -1;
    const std::string_view key = entry.key();
    auto parsed = std::from_chars(key.data(), key.data() + key.size(), token);
    if (parsed.ec != std::errc() || parsed.ptr != key.data() + key.size() || token < 0 || token > INT32_MAX) {
      invalid("logit_bias", "logit_bias keys must be token ids, got \"" + std::string(key) + "\"");
    }
    if (!entry.value().is_number()) wrong_type("logit_bias", "numbers as biases", entry.value());
    // OpenAI's range; vLLM clamps to it.
    const double b = std::clamp(entry.value().to_number<double>(), -100.0, 100.0);
    bias.emplace_back(static_cast<int32_t>(token), static_cast<float>(b));
  }
  return bias;
}

// The model, the refused features and the sampling fields both endpoints share, over the model's
// defaults.
OpenAiRequest parse_common(RequestFields& fields, const ServedModel& model) {
  model.check_requested(fields.string("model"));
  refuse_unsupported(fields);
  OpenAiRequest request;
  engine::SamplingParams& params = request.spec.params;
  const engine::GenerationConfig& defaults = model.defaults;
  params.n = fields.integer("n").value_or(1);
  params.temperature = fields.number("temperature").value_or(defaults.temperature.value_or(1.0));
  params.top_p = fields.number("top_p").value_or(defaults.top_p.value_or(1.0));
  params.top_k = fields.integer("top_k").value_or(defaults.top_k.value_or(0));
  params.min_p = fields.number("min_p").value_or(defaults.min_p.value_or(0.0));
  params.repetition_penalty = fields.number("repetition_penalty").value_or(defaults.repetition_penalty.value_or(1.0));
  params.frequency_penalty = fields.number("frequency_penalty").value_or(0.0);
  params.presence_penalty = fields.number("presence_penalty").value_or(0.0);
  if (std::optional<int64_t> seed = fields.integer("seed")) params.seed = static_cast<uint64_t>(*seed);
  params.ignore_eos = fields.boolean("ignore_eos").value_or(false);
  params.min_tokens = fields.integer("min_tokens").value_or(0);
  for (int64_t token : fields.integers("stop_token_ids").value_or(std::vector<int64_t>{})) {
    if (token < 0 || token >= model.vocab_size) {
      invalid("stop_token_ids", "stop_token_ids contains token id " + std::to_string(token) + ", outside the vocabulary [0, " +
                                    std::to_string(model.vocab_size) + ")");
    }
    params.stop_token_ids.push_back(static_cast<int32_t>(token));
  }
  params.logit_bias = parse_logit_bias(fields);
  if (params.n > model.max_num_seqs) {
    invalid("n", "n must be at most --max-num-seqs (" + std::to_string(model.max_num_seqs) + "), got " + std::to_string(params.n));
  }

  request.spec.stop.strings = fields.strings("stop").value_or(std::vector<std::string>{});
  for (const std::string& s : request.spec.stop.strings) {
    if (s.empty()) invalid("stop", "stop strings must not be empty");
  }
  request.spec.stop.include_in_output = fields.boolean("include_stop_str_in_output").value_or(false);
  request.spec.stop.min_tokens = params.min_tokens;
  request.spec.skip_special_tokens = fields.boolean("skip_special_tokens").value_or(true);
  fields.boolean("spaces_between_special_tokens");  // every tokenizer here decodes added tokens as they are

  request.stream = fields.boolean("stream").value_or(false);
  if (const bj::value* options = fields.find("stream_options")) {
    if (!request.stream) invalid("stream_options", "stream_options can only be set when stream is true");
    if (!options->is_object()) wrong_type("stream_options", "an object", *options);
    RequestFields stream_fields(options->get_object());
    request.include_usage = stream_fields.boolean("include_usage").value_or(true);
    request.continuous_usage = stream_fields.boolean("continuous_usage_stats").value_or(false);
  }
  request.return_tokens_as_token_ids = fields.boolean("return_tokens_as_token_ids").value_or(model.return_tokens_as_token_ids);
  if (std::optional<int64_t> prompt_logprobs = fields.integer("prompt_logprobs")) {
    if (request.stream) invalid("prompt_logprobs", "prompt_logprobs is not available when streaming");
    params.prompt_logprobs = *prompt_logprobs;  // its range is checked with the others
    request.prompt_logprobs = true;
  }
  fields.string("user");
  fields.string("request_id");
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

// Message content as the template sees it: a string, or text parts joined by newlines (vLLM's
// "string" content format).
bj::value message_content(const bj::value& content, size_t index) {
  if (content.is_null() || content.is_string()) return content;
  const std::string param = "messages[" + std::to_string(index) + "].content";
  if (!content.is_array()) wrong_type(param, "a string or an array of content parts", content);
  std::string text;
  for (const bj::value& part : content.get_array()) {
    const bj::object* object = part.if_object();
    const bj::value* type = object ? object->if_contains("type") : nullptr;
    const bj::value* part_text = object ? object->if_contains("text") : nullptr;
    if (!type || !type->is_string() || type->get_string() != "text" || !part_text || !part_text->is_string()) {
      invalid(param, param + ": only text parts ({\"type\": \"text\", \"text\": ...}) are supported by this server");
    }
    if (!text.empty()) text += "\n";
    text += part_text->get_string();
  }
  return bj::value(text);
}

}  // namespace

std::string render_chat(const boost::json::object& body, const ServedModel& model) {
  RequestFields fields(body);
  const bj::value* messages = fields.find("messages");
  if (!messages) invalid("messages", "messages is required");
  if (!messages->is_array() || messages->get_array().empty()) invalid("messages", "messages must be a non-empty array of messages");
  bj::array rendered_messages;
  size_t content_bytes = 0;
  for (size_t i = 0; i < messages->get_array().size(); ++i) {
    const bj::value& message = messages->get_array()[i];
    const std::string param = "messages[" + std::to_string(i) + "]";
    if (!message.is_object()) wrong_type(param, "an object", message);
    bj::object copy = message.get_object();
    const bj::value* role = copy.if_contains("role");
    if (!role || !role->is_string()) invalid(param + ".role", param + ".role must be a string");
    if (const bj::value* content = copy.if_contains("content")) {
      copy["content"] = message_content(*content, i);
      if (copy["content"].is_string()) content_bytes += copy["content"].get_string().size();
    }
    rendered_messages.push_back(std::move(copy));
  }
  model.check_prompt_bytes(content_bytes, "messages");  // before the template copies it around
  bj::object inputs;
  if (const bj::value* kwargs = fields.find("chat_template_kwargs")) {
    if (!kwargs->is_object()) wrong_type("chat_template_kwargs", "an object", *kwargs);
    inputs = kwargs->get_object();
  }
  // Parsed per request; the interpreter's budgets hold for it as for the model's own template.
  std::optional<tokenizer::ChatTemplate> requested;
  if (const bj::value* source = request_template(fields, inputs, model)) {
    requested.emplace(source->get_string(), model.tokenizer->config());
  }
  inputs.erase("chat_template");
  const tokenizer::ChatTemplate* chat_template = requested ? &*requested : model.chat_template ? &*model.chat_template : nullptr;
  if (!chat_template) {
    invalid("messages", "this model's tokenizer has no chat template, so chat requests cannot be rendered; start the server with "
                        "--chat-template FILE");
  }
  const bool continue_final = fields.boolean("continue_final_message").value_or(false);
  const bool add_generation_prompt = fields.boolean("add_generation_prompt").value_or(!continue_final);
  if (continue_final && add_generation_prompt) {
    invalid("continue_final_message", "continue_final_message and add_generation_prompt cannot both be true");
  }
  inputs["messages"] = rendered_messages;
  inputs["add_generation_prompt"] = add_generation_prompt;
  if (const bj::value* tools = fields.find("tools")) inputs["tools"] = *tools;
  if (const bj::value* documents = fields.find("documents")) inputs["documents"] = *documents;
  std::string text = chat_template->render(inputs);
  if (continue_final) {
    // As transformers does: cut after the final message's content, so the model continues it.
    const bj::value& last = rendered_messages.back().get_object().at("content");
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
  OpenAiRequest request = parse_common(fields, model);
  if (fields.boolean("echo").value_or(false)) invalid("echo", "echo is not supported for chat completions by this server");
  const bj::value* tool_choice = fields.find("tool_choice");
  if (tool_choice && !(tool_choice->is_string() && tool_choice->get_string() == "none")) {
    invalid("tool_choice", "tool_choice other than \"none\" needs tool-call parsing, which this server does not do yet");
  }
  fields.boolean("parallel_tool_calls");
  request.logprobs = fields.boolean("logprobs").value_or(false);
  request.top_logprobs = fields.integer("top_logprobs").value_or(0);
  if (request.top_logprobs < 0 || request.top_logprobs > kMaxTopLogprobs) {
    invalid("top_logprobs", "top_logprobs must be in [0, 20], got " + std::to_string(request.top_logprobs));
  }
  if (fields.find("top_logprobs") && request.top_logprobs > 0 && !request.logprobs) {
    invalid("top_logprobs", "when using top_logprobs, logprobs must be set to true");
  }
  if (request.logprobs) request.spec.params.logprobs = request.top_logprobs;

  const bool add_special_tokens = fields.boolean("add_special_tokens").value_or(false);
  const std::string prompt = render_chat(body, model);
  // The rest of the chat fields were read by render_chat on its own reader.
  for (const char* key :
       {"messages", "continue_final_message", "add_generation_prompt", "chat_template_kwargs", "chat_template", "tools", "documents"}) {
    fields.find(key);
  }
  std::vector<uint32_t> ids = model.encode_prompt(prompt, add_special_tokens, "messages");
  request.spec.prompts.emplace_back(ids.begin(), ids.end());

  std::optional<int64_t> max_tokens = fields.integer("max_completion_tokens");
  const char* max_name = "max_completion_tokens";
  if (!max_tokens) {
    max_tokens = fields.integer("max_tokens");
    max_name = "max_tokens";
  } else {
    fields.integer("max_tokens");
  }
  resolve_max_tokens(max_tokens, max_name, 0, "messages", model, request.spec.prompts, request.spec.params);
  finish_parsing(fields, request, model.vocab_size);
  return request;
}

OpenAiRequest parse_completion_request(const boost::json::object& body, const ServedModel& model) {
  RequestFields fields(body);
  OpenAiRequest request = parse_common(fields, model);
  if (fields.find("suffix")) invalid("suffix", "suffix is not supported");
  request.echo = fields.boolean("echo").value_or(false);
  if (std::optional<int64_t> logprobs = fields.integer("logprobs")) {
    if (*logprobs < 0 || *logprobs > kMaxTopLogprobs) invalid("logprobs", "logprobs must be in [0, 20], got " + std::to_string(*logprobs));
    request.logprobs = true;
    request.top_logprobs = *logprobs;
    request.spec.params.logprobs = *logprobs;
  }
  // With echo, the prompt's tokens come first in the logprobs, scored like the output's.
  if (request.echo && request.logprobs && !request.spec.params.prompt_logprobs) request.spec.params.prompt_logprobs = request.top_logprobs;

  const bool add_special_tokens = fields.boolean("add_special_tokens").value_or(true);
  const bj::value* prompt = fields.find("prompt");
  if (!prompt) invalid("prompt", "prompt is required");
  auto add_ids = [&](const bj::array& ids, const std::string& param) {
    std::vector<int32_t> tokens;
    for (const bj::value& id : ids) {
      if (!id.is_int64()) wrong_type(param, "token ids (integers)", id);
      if (id.get_int64() < 0 || id.get_int64() >= model.vocab_size) {
        invalid(param, param + " contains token id " + std::to_string(id.get_int64()) + ", outside the vocabulary [0, " +
                           std::to_string(model.vocab_size) + ")");
      }
      tokens.push_back(static_cast<int32_t>(id.get_int64()));
    }
    if (tokens.empty()) invalid(param, param + " must not be empty");
    request.spec.prompts.push_back(std::move(tokens));
    if (request.echo) {
      const std::vector<int32_t>& last = request.spec.prompts.back();
      request.prompt_texts.push_back(model.tokenizer->decode(std::vector<uint32_t>(last.begin(), last.end()), false));
    }
  };
  auto add_text = [&](std::string_view text) {
    std::vector<uint32_t> ids = model.encode_prompt(text, add_special_tokens, "prompt");
    request.spec.prompts.emplace_back(ids.begin(), ids.end());
    if (request.echo) request.prompt_texts.emplace_back(text);
  };
  // Before any tokenizing: a list of prompts is as many sequences.
  const bool many = prompt->is_array() && !prompt->get_array().empty() && !prompt->get_array().front().is_int64();
  const int64_t prompts = many ? static_cast<int64_t>(prompt->get_array().size()) : 1;
  if (prompts * request.spec.params.n > model.max_num_seqs) {
    invalid("prompt", "the request asks for " + std::to_string(prompts) + " prompts × n=" + std::to_string(request.spec.params.n) +
                          " sequences; the limit is --max-num-seqs (" + std::to_string(model.max_num_seqs) + ")");
  }
  if (prompt->is_string()) {
    add_text(prompt->get_string());
  } else if (prompt->is_array() && !prompt->get_array().empty()) {
    const bj::array& items = prompt->get_array();
    if (items.front().is_int64()) {
      add_ids(items, "prompt");
    } else {
      for (size_t i = 0; i < items.size(); ++i) {
        if (items[i].is_string()) {
          add_text(items[i].get_string());
        } else if (items[i].is_array()) {
          add_ids(items[i].get_array(), "prompt[" + std::to_string(i) + "]");
        } else {
          wrong_type("prompt", "a string, an array of strings, token ids, or an array of token id arrays", items[i]);
        }
      }
    }
  } else {
    invalid("prompt", "prompt must be a non-empty string, array of strings, token ids, or array of token id arrays");
  }
  resolve_max_tokens(fields.integer("max_tokens"), "max_tokens", 16, "prompt", model, request.spec.prompts, request.spec.params);
  finish_parsing(fields, request, model.vocab_size);
  return request;
}

}  // namespace gatehouse::serve
