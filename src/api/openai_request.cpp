#include "api/openai_request.h"

#include <boost/json.hpp>
#include <algorithm>
#include <charconv>
#include <climits>

#include "base/error.h"

namespace gatehouse::api {
namespace {

namespace bj = boost::json;

[[noreturn]] void invalid(const std::string& param, const std::string& message) { throw InvalidParameter(param, message); }

std::vector<std::pair<int32_t, float>> read_logit_bias(RequestFields& fields) {
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

void read_common(RequestFields& fields, OpenAiCommon& request) {
  request.model = fields.string("model");
  request.n = fields.integer("n");
  request.temperature = fields.number("temperature");
  request.top_p = fields.number("top_p");
  request.top_k = fields.integer("top_k");
  request.min_p = fields.number("min_p");
  request.repetition_penalty = fields.number("repetition_penalty");
  request.frequency_penalty = fields.number("frequency_penalty").value_or(0.0);
  request.presence_penalty = fields.number("presence_penalty").value_or(0.0);
  request.seed = fields.integer("seed");
  request.ignore_eos = fields.boolean("ignore_eos").value_or(false);
  request.min_tokens = fields.integer("min_tokens").value_or(0);
  request.stop_token_ids = fields.integers("stop_token_ids").value_or(std::vector<int64_t>{});
  request.logit_bias = read_logit_bias(fields);

  request.stop = fields.strings("stop").value_or(std::vector<std::string>{});
  for (const std::string& s : request.stop) {
    if (s.empty()) invalid("stop", "stop strings must not be empty");
  }
  request.include_stop_str_in_output = fields.boolean("include_stop_str_in_output").value_or(false);
  request.skip_special_tokens = fields.boolean("skip_special_tokens").value_or(true);
  fields.boolean("spaces_between_special_tokens");  // read for its type; decoding here keeps added tokens as they are

  request.stream = fields.boolean("stream").value_or(false);
  if (const bj::value* options = fields.find("stream_options")) {
    if (!request.stream) invalid("stream_options", "stream_options can only be set when stream is true");
    if (!options->is_object()) wrong_type("stream_options", "an object", *options);
    RequestFields stream_fields(options->get_object());
    request.include_usage = stream_fields.boolean("include_usage").value_or(true);
    request.continuous_usage = stream_fields.boolean("continuous_usage_stats").value_or(false);
  }
  request.return_tokens_as_token_ids = fields.boolean("return_tokens_as_token_ids");
  request.prompt_logprobs = fields.integer("prompt_logprobs");
  if (request.prompt_logprobs && request.stream) invalid("prompt_logprobs", "prompt_logprobs is not available when streaming");
  request.user = fields.string("user");
  request.request_id = fields.string("request_id");
}

// Message content as the template sees it: a string, or text parts joined by newlines.
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

std::optional<bj::value> raw(RequestFields& fields, std::string_view key) {
  const bj::value* value = fields.find(key);
  return value ? std::optional<bj::value>(*value) : std::nullopt;
}

}  // namespace

ChatPrompt read_chat_prompt(RequestFields& fields) {
  ChatPrompt prompt;
  const bj::value* messages = fields.find("messages");
  if (!messages) invalid("messages", "messages is required");
  if (!messages->is_array() || messages->get_array().empty()) invalid("messages", "messages must be a non-empty array of messages");
  for (size_t i = 0; i < messages->get_array().size(); ++i) {
    const bj::value& message = messages->get_array()[i];
    const std::string param = "messages[" + std::to_string(i) + "]";
    if (!message.is_object()) wrong_type(param, "an object", message);
    bj::object copy = message.get_object();
    const bj::value* role = copy.if_contains("role");
    if (!role || !role->is_string()) invalid(param + ".role", param + ".role must be a string");
    if (const bj::value* content = copy.if_contains("content")) {
      copy["content"] = message_content(*content, i);
      if (copy["content"].is_string()) prompt.content_bytes += copy["content"].get_string().size();
    }
    prompt.messages.push_back(std::move(copy));
  }
  if (const bj::value* kwargs = fields.find("chat_template_kwargs")) {
    if (!kwargs->is_object()) wrong_type("chat_template_kwargs", "an object", *kwargs);
    prompt.template_kwargs = kwargs->get_object();
  }
  // vLLM also reads the template from chat_template_kwargs.
  const bj::value* given = fields.find("chat_template");
  if (!given) given = prompt.template_kwargs.if_contains("chat_template");
  if (given && !given->is_null()) {
    if (!given->is_string()) wrong_type("chat_template", "a string", *given);
    prompt.chat_template = std::string(given->get_string());
  }
  prompt.template_kwargs.erase("chat_template");
  prompt.continue_final_message = fields.boolean("continue_final_message").value_or(false);
  prompt.add_generation_prompt = fields.boolean("add_generation_prompt").value_or(!prompt.continue_final_message);
  if (prompt.continue_final_message && prompt.add_generation_prompt) {
    invalid("continue_final_message", "continue_final_message and add_generation_prompt cannot both be true");
  }
  prompt.tools = raw(fields, "tools");
  prompt.documents = raw(fields, "documents");
  return prompt;
}

ChatRequest read_chat_request(RequestFields& fields) {
  ChatRequest request;
  read_common(fields, request);
  request.parallel_tool_calls = fields.boolean("parallel_tool_calls");
  request.logprobs = fields.boolean("logprobs").value_or(false);
  request.top_logprobs = fields.integer("top_logprobs").value_or(0);
  if (request.top_logprobs < 0 || request.top_logprobs > kMaxTopLogprobs) {
    invalid("top_logprobs", "top_logprobs must be in [0, 20], got " + std::to_string(request.top_logprobs));
  }
  if (request.top_logprobs > 0 && !request.logprobs) invalid("top_logprobs", "when using top_logprobs, logprobs must be set to true");
  request.add_special_tokens = fields.boolean("add_special_tokens").value_or(false);
  request.prompt = read_chat_prompt(fields);
  request.max_tokens = fields.integer("max_completion_tokens");
  if (request.max_tokens) {
    request.max_tokens_param = "max_completion_tokens";
    fields.integer("max_tokens");
  } else {
    request.max_tokens = fields.integer("max_tokens");
  }
  return request;
}

CompletionRequest read_completion_request(RequestFields& fields) {
  CompletionRequest request;
  read_common(fields, request);
  request.echo = fields.boolean("echo").value_or(false);
  request.logprobs = fields.integer("logprobs");
  if (request.logprobs && (*request.logprobs < 0 || *request.logprobs > kMaxTopLogprobs)) {
    invalid("logprobs", "logprobs must be in [0, 20], got " + std::to_string(*request.logprobs));
  }
  request.add_special_tokens = fields.boolean("add_special_tokens").value_or(true);
  const bj::value* prompt = fields.find("prompt");
  if (!prompt) invalid("prompt", "prompt is required");
  auto add_ids = [&](const bj::array& ids, const std::string& param) {
    CompletionPrompt out{param, std::nullopt, {}};
    for (const bj::value& id : ids) {
      if (!id.is_int64()) wrong_type(param, "token ids (integers)", id);
      out.token_ids.push_back(id.get_int64());
    }
    if (out.token_ids.empty()) invalid(param, param + " must not be empty");
    request.prompts.push_back(std::move(out));
  };
  auto add_text = [&](std::string_view text) { request.prompts.push_back({"prompt", std::string(text), {}}); };
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
  request.max_tokens = fields.integer("max_tokens");
  return request;
}

}  // namespace gatehouse::api
