#include "gateway/providers/tgi_translation.h"

#include <boost/json.hpp>

#include "api/openai_format.h"
#include "base/error.h"
#include "base/json.h"
#include "gateway/providers/upstream.h"

namespace gatehouse::gateway::providers {
namespace bj = boost::json;
namespace {

// TGI's own limit on top_n_tokens.
constexpr std::int64_t kMaxTopLogprobs = 20;

const bj::value* field(const bj::object& body, std::string_view key) {
  const bj::value* value = body.if_contains(key);
  return value == nullptr || value->is_null() ? nullptr : value;
}

double number(const bj::object& body, std::string_view key) {
  const bj::value& value = *field(body, key);
  if (value.is_double()) return value.get_double();
  if (value.is_int64()) return double(value.get_int64());
  if (value.is_uint64()) return double(value.get_uint64());
  throw InvalidParameter(std::string(key), std::string(key) + " must be a number, got " + std::string(json::kind_name(value)));
}

std::int64_t integer(const bj::object& body, std::string_view key) {
  const bj::value& value = *field(body, key);
  if (value.is_int64()) return value.get_int64();
  if (value.is_uint64() && value.get_uint64() <= std::uint64_t(INT64_MAX)) return std::int64_t(value.get_uint64());
  throw InvalidParameter(std::string(key), std::string(key) + " must be an integer, got " + std::string(json::kind_name(value)));
}

bool flag(const bj::object& body, std::string_view key) {
  const bj::value* value = field(body, key);
  if (value == nullptr) return false;
  if (!value->is_bool()) throw InvalidParameter(std::string(key), std::string(key) + " must be true or false");
  return value->get_bool();
}

[[noreturn]] void unsupported(std::string_view key, const std::string& why) {
  throw InvalidParameter(std::string(key), std::string(key) + " " + why +
                                               " by TGI's native /generate route; to use it, send the request to the endpoint's "
                                               "Messages API (model 'huggingface/tgi' with api_base set to the endpoint URL)");
}

double logprob_of(const bj::value& token) {
  const bj::object* object = token.if_object();
  const bj::value* logprob = object ? object->if_contains("logprob") : nullptr;
  if (logprob == nullptr || logprob->is_null()) return 0.0;
  return logprob->is_double() ? logprob->get_double() : logprob->is_int64() ? double(logprob->get_int64()) : 0.0;
}

std::string text_of(const bj::value& token) {
  const bj::object* object = token.if_object();
  const bj::value* text = object ? object->if_contains("text") : nullptr;
  return text && text->is_string() ? std::string(text->get_string()) : std::string();
}

bool is_special(const bj::value& token) {
  const bj::object* object = token.if_object();
  const bj::value* special = object ? object->if_contains("special") : nullptr;
  return special && special->is_bool() && special->get_bool();
}

bj::array utf8_bytes(std::string_view text) {
  bj::array bytes;
  for (unsigned char c : text) bytes.push_back(c);
  return bytes;
}

// One token as OpenAI's chat logprobs entry: {token, logprob, bytes, top_logprobs}.
bj::object chat_logprob(const bj::value& token, const bj::value* top, std::int64_t top_n) {
  const std::string text = text_of(token);
  bj::array alternatives;
  if (top && top->is_array()) {
    for (const bj::value& candidate : top->get_array()) {
      if (std::int64_t(alternatives.size()) >= top_n) break;
      const std::string candidate_text = text_of(candidate);
      alternatives.push_back(bj::object{{"token", candidate_text}, {"logprob", logprob_of(candidate)}, {"bytes", utf8_bytes(candidate_text)}});
    }
  }
  return bj::object{{"token", text}, {"logprob", logprob_of(token)}, {"bytes", utf8_bytes(text)}, {"top_logprobs", std::move(alternatives)}};
}

const bj::array* array_in(const bj::object* object, std::string_view key) {
  const bj::value* value = object ? object->if_contains(key) : nullptr;
  return value && value->is_array() ? &value->get_array() : nullptr;
}

// OpenAI's standard logprobs of a sequence: chat {"content": [...]}, or the Completions form
// {tokens, token_logprobs, top_logprobs, text_offset}.
bj::value sequence_logprobs(const bj::object* details, const AnswerShape& shape) {
  if (!shape.logprobs) return nullptr;
  const bj::array* tokens = array_in(details, "tokens");
  const bj::array* top = array_in(details, "top_tokens");
  if (tokens == nullptr) return nullptr;
  if (shape.endpoint == Endpoint::chat) {
    bj::array content;
    for (size_t i = 0; i < tokens->size(); ++i) {
      const bj::value* alternatives = top && i < top->size() ? &(*top)[i] : nullptr;
      content.push_back(chat_logprob((*tokens)[i], alternatives, shape.top_logprobs));
    }
    return bj::object{{"content", std::move(content)}};
  }
  bj::array texts, logprobs, tops, offsets;
  std::int64_t offset = 0;
  for (size_t i = 0; i < tokens->size(); ++i) {
    const std::string text = text_of((*tokens)[i]);
    texts.push_back(bj::string(text));
    logprobs.push_back(logprob_of((*tokens)[i]));
    bj::object alternatives;
    if (top && i < top->size() && (*top)[i].is_array()) {
      for (const bj::value& candidate : (*top)[i].get_array()) {
        if (std::int64_t(alternatives.size()) >= shape.top_logprobs) break;
        alternatives[text_of(candidate)] = logprob_of(candidate);
      }
    }
    tops.push_back(std::move(alternatives));
    offsets.push_back(offset);
    offset += std::int64_t(text.size());
  }
  return bj::object{{"tokens", std::move(texts)}, {"token_logprobs", std::move(logprobs)}, {"top_logprobs", std::move(tops)},
                    {"text_offset", std::move(offsets)}};
}

double logprob_sum(const bj::object* details) {
  double sum = 0;
  if (const bj::array* tokens = array_in(details, "tokens")) {
    for (const bj::value& token : *tokens) sum += logprob_of(token);
  }
  return sum;
}

std::int64_t generated_tokens(const bj::object* details) {
  const bj::value* count = details ? details->if_contains("generated_tokens") : nullptr;
  if (count && count->is_int64()) return count->get_int64();
  if (count && count->is_uint64()) return std::int64_t(count->get_uint64());
  const bj::array* tokens = array_in(details, "tokens");
  return tokens ? std::int64_t(tokens->size()) : 0;
}

std::string finish_of(const bj::object* details) {
  const bj::value* reason = details ? details->if_contains("finish_reason") : nullptr;
  return reason && reason->is_string() ? openai_finish_reason(reason->get_string()) : "stop";
}

bj::object choice(const std::string& text, const bj::object* details, std::size_t index, const AnswerShape& shape) {
  bj::object out{{"index", std::int64_t(index)}};
  if (shape.endpoint == Endpoint::chat) {
    // The seed's shape: the summed logprob on the message (LiteLLM's `_logprob`).
    out["message"] = bj::object{{"role", "assistant"}, {"content", text}, {"logprobs", logprob_sum(details)}};
  } else {
    out["text"] = text;
  }
  out["logprobs"] = sequence_logprobs(details, shape);
  out["finish_reason"] = finish_of(details);
  return out;
}

bj::object usage(std::int64_t prompt, std::int64_t completion) {
  return bj::object{{"prompt_tokens", prompt}, {"completion_tokens", completion}, {"total_tokens", prompt + completion}};
}

}  // namespace

AnswerShape answer_shape(const bj::object& body, Endpoint endpoint) {
  AnswerShape shape;
  shape.endpoint = endpoint;
  if (const bj::value* model = field(body, "model"); model && model->is_string()) shape.model = std::string(model->get_string());
  shape.id = api::random_id(endpoint == Endpoint::chat ? "chatcmpl-" : "cmpl-");
  shape.created = api::unix_time();
  if (endpoint == Endpoint::chat) {
    shape.logprobs = flag(body, "logprobs");
    if (field(body, "top_logprobs")) {
      shape.top_logprobs = integer(body, "top_logprobs");
      if (shape.top_logprobs < 0 || shape.top_logprobs > kMaxTopLogprobs) {
        throw InvalidParameter("top_logprobs", "top_logprobs must be between 0 and " + std::to_string(kMaxTopLogprobs));
      }
      if (shape.top_logprobs > 0 && !shape.logprobs) throw InvalidParameter("top_logprobs", "top_logprobs needs logprobs: true");
    }
  } else if (field(body, "logprobs")) {
    shape.logprobs = true;
    shape.top_logprobs = integer(body, "logprobs");
    if (shape.top_logprobs < 0 || shape.top_logprobs > kMaxTopLogprobs) {
      throw InvalidParameter("logprobs", "logprobs must be between 0 and " + std::to_string(kMaxTopLogprobs));
    }
  }
  if (const bj::value* options = field(body, "stream_options")) {
    if (!options->is_object()) throw InvalidParameter("stream_options", "stream_options must be an object");
    shape.include_usage = flag(options->get_object(), "include_usage");
  }
  return shape;
}

bj::object tgi_request(const bj::object& body, Endpoint endpoint, std::string inputs, bool stream) {
  for (const char* key : {"tools", "tool_choice", "functions", "function_call"}) {
    if (field(body, key)) unsupported(key, "is not supported");
  }
  if (const bj::value* format = field(body, "response_format")) {
    const bj::object* object = format->if_object();
    const bj::value* type = object ? object->if_contains("type") : nullptr;
    if (!type || !type->is_string() || type->get_string() != "text") unsupported("response_format", "other than text is not supported");
  }
  bj::object parameters{{"details", true}, {"return_full_text", false}};
  if (field(body, "temperature")) {
    const double temperature = number(body, "temperature");
    parameters["temperature"] = temperature == 0.0 ? 0.01 : temperature;  // TGI wants it above 0
  }
  if (field(body, "top_p")) {
    const double top_p = number(body, "top_p");
    if (top_p < 1.0) parameters["top_p"] = top_p;  // 1 means no cut, and TGI wants it below 1
  }
  for (const char* key : {"max_completion_tokens", "max_tokens"}) {
    if (field(body, key)) parameters["max_new_tokens"] = std::max<std::int64_t>(1, integer(body, key));
  }
  if (field(body, "n")) {
    const std::int64_t n = integer(body, "n");
    if (n < 1) throw InvalidParameter("n", "n must be at least 1");
    if (n > 1) {
      if (stream) unsupported("n", "above 1 is not supported when streaming");
      parameters["best_of"] = n;
      parameters["do_sample"] = true;
    }
  }
  if (const bj::value* stop = field(body, "stop")) {
    if (stop->is_string()) {
      parameters["stop"] = bj::array{*stop};
    } else if (stop->is_array()) {
      for (const bj::value& entry : stop->get_array()) {
        if (!entry.is_string()) throw InvalidParameter("stop", "stop must be a string or an array of strings");
      }
      parameters["stop"] = *stop;
    } else {
      throw InvalidParameter("stop", "stop must be a string or an array of strings");
    }
  }
  if (field(body, "seed")) parameters["seed"] = integer(body, "seed");
  if (field(body, "frequency_penalty")) parameters["frequency_penalty"] = number(body, "frequency_penalty");
  const AnswerShape shape = answer_shape(body, endpoint);
  if (shape.logprobs && shape.top_logprobs > 0) parameters["top_n_tokens"] = shape.top_logprobs;
  if (endpoint == Endpoint::text && flag(body, "echo")) parameters["return_full_text"] = true;
  bj::object request{{"inputs", std::move(inputs)}, {"parameters", std::move(parameters)}, {"stream", stream}};
  // A rendered chat template holds its own BOS; TGI (2.1 and later) then adds none, as its chat route does.
  if (endpoint == Endpoint::chat) request["add_special_tokens"] = false;
  return request;
}

std::string openai_finish_reason(std::string_view tgi_reason) {
  if (tgi_reason == "length") return "length";
  return "stop";  // eos_token, stop_sequence
}

bj::object openai_answer(const bj::value& tgi, const AnswerShape& shape, std::optional<std::int64_t> prompt_tokens,
                         const PromptCounter& count_prompt, std::string_view url) {
  const bj::value* answer = &tgi;
  if (tgi.is_array()) {
    if (tgi.get_array().empty()) throw malformed_answer(url, "an empty list");
    answer = &tgi.get_array().front();
  }
  const bj::object* object = answer->if_object();
  const bj::value* text = object ? object->if_contains("generated_text") : nullptr;
  if (text == nullptr || !text->is_string()) throw malformed_answer(url, "it has no generated_text");
  const bj::value* details_value = object->if_contains("details");
  const bj::object* details = details_value ? details_value->if_object() : nullptr;

  bj::array choices;
  choices.push_back(choice(std::string(text->get_string()), details, 0, shape));
  std::int64_t completion_tokens = generated_tokens(details);
  if (const bj::array* others = array_in(details, "best_of_sequences")) {
    for (const bj::value& other : *others) {
      const bj::object* sequence = other.if_object();
      const bj::value* other_text = sequence ? sequence->if_contains("generated_text") : nullptr;
      if (other_text == nullptr || !other_text->is_string()) throw malformed_answer(url, "a best_of sequence has no generated_text");
      choices.push_back(choice(std::string(other_text->get_string()), sequence, choices.size(), shape));
      completion_tokens += generated_tokens(sequence);
    }
  }
  const std::int64_t prompt = prompt_tokens ? *prompt_tokens : count_prompt();
  return bj::object{{"id", shape.id},
                    {"object", shape.endpoint == Endpoint::chat ? "chat.completion" : "text_completion"},
                    {"created", shape.created},
                    {"model", shape.model},
                    {"choices", std::move(choices)},
                    {"usage", usage(prompt, completion_tokens)}};
}

TgiStreamTranslator::TgiStreamTranslator(AnswerShape shape, std::string url, PromptCounter count_prompt, ChunkSink sink)
    : shape_(std::move(shape)), url_(std::move(url)), count_prompt_(std::move(count_prompt)), sink_(std::move(sink)) {}

bj::object TgiStreamTranslator::chunk(bj::object choice) const {
  return bj::object{{"id", shape_.id},
                    {"object", shape_.endpoint == Endpoint::chat ? "chat.completion.chunk" : "text_completion"},
                    {"created", shape_.created},
                    {"model", shape_.model},
                    {"choices", bj::array{std::move(choice)}}};
}

void TgiStreamTranslator::on_event(std::string_view data) {
  if (finished_) throw malformed_answer(url_, "the stream went on after its last event");
  bj::value parsed;
  try {
    parsed = json::parse(data, "a stream event");
  } catch (const Error& error) {
    throw malformed_answer(url_, error.what());
  }
  const bj::object* event = parsed.if_object();
  if (event == nullptr) throw malformed_answer(url_, "a stream event is not a JSON object");
  if (const bj::value* error = event->if_contains("error"); error && !error->is_null()) {
    const bj::value* type = event->if_contains("error_type");
    const std::string_view kind = type && type->is_string() ? std::string_view(type->get_string()) : "";
    const int status = kind == "validation" ? 422 : kind == "overloaded" ? 429 : 500;
    throw status_error(status, json::serialize(bj::object{{"error", *error}}), url_, true);
  }
  const bj::value* token = event->if_contains("token");
  if (token == nullptr || !token->is_object()) throw malformed_answer(url_, "a stream event has no token");
  if (!started_) {
    started_ = true;
    if (shape_.endpoint == Endpoint::chat) {
      sink_(chunk(bj::object{{"index", 0}, {"delta", bj::object{{"role", "assistant"}, {"content", ""}}}, {"logprobs", nullptr},
                             {"finish_reason", nullptr}}));
    }
  }
  ++generated_;
  const bool special = is_special(*token);
  if (!special || shape_.logprobs) {
    const std::string text = special ? std::string() : text_of(*token);
    bj::object piece{{"index", 0}};
    if (shape_.endpoint == Endpoint::chat) {
      piece["delta"] = bj::object{{"content", text}};
    } else {
      piece["text"] = text;
    }
    piece["logprobs"] = nullptr;
    if (shape_.logprobs) {
      bj::object details{{"tokens", bj::array{*token}}};
      if (const bj::value* top = event->if_contains("top_tokens"); top && top->is_array()) details["top_tokens"] = bj::array{*top};
      piece["logprobs"] = sequence_logprobs(&details, shape_);
    }
    piece["finish_reason"] = nullptr;
    sink_(chunk(std::move(piece)));
  }
  const bj::value* details_value = event->if_contains("details");
  const bj::value* final_text = event->if_contains("generated_text");
  const bool last = (details_value && details_value->is_object()) || (final_text && final_text->is_string());
  if (!last) return;
  finished_ = true;
  const bj::object* details = details_value ? details_value->if_object() : nullptr;
  bj::object end{{"index", 0}};
  if (shape_.endpoint == Endpoint::chat) {
    end["delta"] = bj::object{};
  } else {
    end["text"] = "";
  }
  end["logprobs"] = nullptr;
  end["finish_reason"] = finish_of(details);
  sink_(chunk(std::move(end)));
  if (!shape_.include_usage) return;
  const bj::value* input_length = details ? details->if_contains("input_length") : nullptr;
  const std::int64_t prompt = input_length && input_length->is_int64() ? input_length->get_int64() : count_prompt_();
  const std::int64_t completion = details && details->contains("generated_tokens") ? generated_tokens(details) : generated_;
  bj::object usage_chunk = chunk(bj::object{});
  usage_chunk["choices"] = bj::array{};
  usage_chunk["usage"] = usage(prompt, completion);
  sink_(std::move(usage_chunk));
}

void TgiStreamTranslator::finish() const {
  if (!finished_) throw malformed_answer(url_, "the stream ended before its last event (no finish reason)");
}

}  // namespace gatehouse::gateway::providers
