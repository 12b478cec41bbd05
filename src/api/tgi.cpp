#include "api/tgi.h"

#include <boost/json.hpp>

#include "api/openai_format.h"
#include "api/request_fields.h"
#include "base/error.h"

namespace gatehouse::api {
namespace {

namespace bj = boost::json;

[[noreturn]] void invalid(const std::string& param, const std::string& message) { throw InvalidParameter(param, message); }

bj::array tokens_json(const std::vector<TgiToken>& tokens) {
  bj::array out;
  for (const TgiToken& token : tokens) out.push_back(tgi_token_json(token));
  return out;
}

bj::value seed_json(const std::optional<uint64_t>& seed) { return seed ? bj::value(*seed) : bj::value(nullptr); }

}  // namespace

TgiRequest read_tgi_request(const bj::object& body, bool stream) {
  RequestFields fields(body);
  TgiRequest request;
  std::optional<std::string> inputs = fields.string("inputs");
  if (!inputs || inputs->empty()) invalid("inputs", "`inputs` cannot be empty");
  request.inputs = std::move(*inputs);
  request.add_special_tokens = fields.boolean("add_special_tokens").value_or(true);
  bj::object empty;
  const bj::value* parameters = fields.find("parameters");
  if (parameters && !parameters->is_object()) wrong_type("parameters", "an object", *parameters);
  RequestFields p(parameters ? parameters->get_object() : empty);
  TgiParameters& out = request.parameters;

  out.temperature = p.number("temperature");
  out.top_p = p.number("top_p");
  out.top_k = p.integer("top_k");
  out.typical_p = p.number("typical_p");
  if (out.temperature && !(*out.temperature > 0)) invalid("temperature", "`temperature` must be strictly positive");
  if (out.top_p && !(*out.top_p > 0 && *out.top_p < 1)) invalid("top_p", "`top_p` must be > 0.0 and < 1.0");
  if (out.top_k && *out.top_k <= 0) invalid("top_k", "`top_k` must be strictly positive");
  if (out.typical_p && !(*out.typical_p > 0 && *out.typical_p < 1)) invalid("typical_p", "`typical_p` must be > 0.0 and < 1.0");
  out.sample = p.boolean("do_sample").value_or(false) || (out.temperature && *out.temperature != 1.0) || out.top_p || out.top_k;
  out.repetition_penalty = p.number("repetition_penalty").value_or(1.0);
  if (!(out.repetition_penalty > 0)) invalid("repetition_penalty", "`repetition_penalty` must be strictly positive");
  out.frequency_penalty = p.number("frequency_penalty").value_or(0.0);
  if (!(out.frequency_penalty >= -2 && out.frequency_penalty <= 2)) {
    invalid("frequency_penalty", "`frequency_penalty` must be >= -2.0 and <= 2.0");
  }

  out.best_of = p.integer("best_of").value_or(1);
  if (out.best_of < 1 || out.best_of > kTgiMaxBestOf) {
    invalid("best_of", "`best_of` must be > 0 and <= " + std::to_string(kTgiMaxBestOf) + ". Given: " + std::to_string(out.best_of));
  }
  out.seed = p.unsigned_integer("seed");
  if (out.best_of > 1) {
    if (!out.sample) invalid("best_of", "you must use sampling when `best_of` is > 1");
    if (out.seed) invalid("seed", "`seed` must not be set when `best_of` > 1");
    if (stream) invalid("best_of", "`best_of` != 1 is not supported when streaming tokens");
  }

  out.top_n_tokens = p.integer("top_n_tokens").value_or(0);
  if (out.top_n_tokens < 0 || out.top_n_tokens > kTgiMaxTopNTokens) {
    invalid("top_n_tokens", "`top_n_tokens` must be >= 0 and <= " + std::to_string(kTgiMaxTopNTokens) +
                                ". Given: " + std::to_string(out.top_n_tokens));
  }

  out.stop = p.strings("stop").value_or(std::vector<std::string>{});
  if (static_cast<int64_t>(out.stop.size()) > kTgiMaxStopSequences) {
    invalid("stop", "`stop` supports up to " + std::to_string(kTgiMaxStopSequences) + " stop sequences. Given: " +
                        std::to_string(out.stop.size()));
  }
  for (const std::string& s : out.stop) {
    if (s.empty()) invalid("stop", "stop sequences must not be empty");
  }

  out.details = p.boolean("details").value_or(false);
  out.return_full_text = p.boolean("return_full_text").value_or(false);
  out.decoder_input_details = p.boolean("decoder_input_details").value_or(false);
  if (out.decoder_input_details && stream) {
    invalid("decoder_input_details", "`decoder_input_details` == true is not supported when streaming tokens");
  }
  out.watermark = p.boolean("watermark").value_or(false);
  if (const bj::value* grammar = p.find("grammar")) out.grammar = *grammar;
  out.adapter_id = p.find("adapter_id") != nullptr;
  out.truncate = p.find("truncate") != nullptr;
  out.max_new_tokens = p.integer("max_new_tokens");
  if (out.max_new_tokens && *out.max_new_tokens <= 0) invalid("max_new_tokens", "`max_new_tokens` must be strictly positive");
  return request;
}

bj::object tgi_token_json(const TgiToken& token) {
  bj::object out{{"id", token.id},
                 {"text", token.text},
                 {"logprob", token.logprob ? bj::value(json_logprob(*token.logprob)) : bj::value(nullptr)}};
  if (token.special) out["special"] = *token.special;
  return out;
}

bj::object tgi_details_json(const TgiDetails& details) {
  bj::object out{{"finish_reason", details.finish_reason},
                 {"generated_tokens", details.generated_tokens},
                 {"seed", seed_json(details.seed)},
                 {"prefill", tokens_json(details.prefill)},
                 {"tokens", tokens_json(details.tokens)}};
  if (details.top_tokens) {
    bj::array top;
    for (const std::vector<TgiToken>& position : *details.top_tokens) top.push_back(tokens_json(position));
    out["top_tokens"] = std::move(top);
  }
  return out;
}

bj::object tgi_stream_event_json(const TgiStreamEvent& event) {
  bj::object out{{"index", event.index}, {"token", tgi_token_json(event.token)}};
  if (event.top_tokens) out["top_tokens"] = tokens_json(*event.top_tokens);
  out["generated_text"] = event.generated_text ? bj::value(*event.generated_text) : bj::value(nullptr);
  if (event.details) {
    out["details"] = bj::object{{"finish_reason", event.details->finish_reason},
                                {"generated_tokens", event.details->generated_tokens},
                                {"seed", seed_json(event.details->seed)},
                                {"input_length", event.details->input_length}};
  } else {
    out["details"] = nullptr;
  }
  return out;
}

}  // namespace gatehouse::api
