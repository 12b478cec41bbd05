#include "serve/tgi.h"

#include <boost/json.hpp>
#include <random>

#include "base/error.h"
#include "base/json.h"
#include "base/version.h"
#include "serve/generation.h"
#include "serve/openai_format.h"
#include "serve/request_fields.h"

namespace gatehouse::serve {
namespace {

namespace bj = boost::json;

// TGI's launcher defaults behind its limits.
constexpr int64_t kMaxStopSequences = 4;
constexpr int64_t kMaxTopNTokens = 5;
constexpr int64_t kMaxBestOf = 2;
constexpr int64_t kDefaultMaxNewTokens = 100;

[[noreturn]] void invalid(const std::string& param, const std::string& message) { throw InvalidParameter(param, message); }

}  // namespace

TgiRequest parse_tgi_request(const bj::object& body, const ServedModel& model, bool stream) {
  RequestFields fields(body);
  TgiRequest request;
  std::optional<std::string> inputs = fields.string("inputs");
  if (!inputs || inputs->empty()) invalid("inputs", "`inputs` cannot be empty");
  request.inputs = *inputs;
  // TGI's own chat route sends false: a rendered chat template already holds its special tokens.
  const bool add_special_tokens = fields.boolean("add_special_tokens").value_or(true);
  bj::object empty;
  const bj::value* parameters = fields.find("parameters");
  if (parameters && !parameters->is_object()) wrong_type("parameters", "an object", *parameters);
  RequestFields p(parameters ? parameters->get_object() : empty);
  engine::SamplingParams& params = request.spec.params;

  const std::optional<double> temperature = p.number("temperature");
  const std::optional<double> top_p = p.number("top_p");
  const std::optional<int64_t> top_k = p.integer("top_k");
  const std::optional<double> typical_p = p.number("typical_p");
  if (temperature && !(*temperature > 0)) invalid("temperature", "`temperature` must be strictly positive");
  if (top_p && !(*top_p > 0 && *top_p < 1)) invalid("top_p", "`top_p` must be > 0.0 and < 1.0");
  if (top_k && *top_k <= 0) invalid("top_k", "`top_k` must be strictly positive");
  if (typical_p && !(*typical_p > 0 && *typical_p < 1)) invalid("typical_p", "`typical_p` must be > 0.0 and < 1.0");
  if (typical_p) invalid("typical_p", "typical_p (typical sampling) is not supported by this server");
  // As TGI: any sampling parameter turns sampling on.
  const bool sample = p.boolean("do_sample").value_or(false) || (temperature && *temperature != 1.0) || top_p || top_k;
  params.temperature = sample ? temperature.value_or(1.0) : 0.0;
  params.top_p = top_p.value_or(1.0);
  params.top_k = top_k.value_or(0);
  params.repetition_penalty = p.number("repetition_penalty").value_or(1.0);
  if (!(params.repetition_penalty > 0)) invalid("repetition_penalty", "`repetition_penalty` must be strictly positive");
  params.frequency_penalty = p.number("frequency_penalty").value_or(0.0);
  if (!(params.frequency_penalty >= -2 && params.frequency_penalty <= 2)) {
    invalid("frequency_penalty", "`frequency_penalty` must be >= -2.0 and <= 2.0");
  }

  const int64_t best_of = p.integer("best_of").value_or(1);
  if (best_of < 1 || best_of > kMaxBestOf) invalid("best_of", "`best_of` must be > 0 and <= " + std::to_string(kMaxBestOf) + ". Given: " + std::to_string(best_of));
  std::optional<uint64_t> seed = p.unsigned_integer("seed");
  if (best_of > 1) {
    if (!sample) invalid("best_of", "you must use sampling when `best_of` is > 1");
    if (seed) invalid("seed", "`seed` must not be set when `best_of` > 1");
    if (stream) invalid("best_of", "`best_of` != 1 is not supported when streaming tokens");
  }
  request.sample = sample;
  if (sample) {
    // A seed drawn for each candidate, below 2^63 so that any client can send it back.
    std::random_device entropy;
    for (int64_t i = 0; i < best_of; ++i) {
      request.spec.seeds.push_back(seed ? *seed : ((uint64_t{entropy()} << 32) | entropy()) >> 1);
    }
  }

  request.top_n_tokens = p.integer("top_n_tokens").value_or(0);
  if (request.top_n_tokens < 0 || request.top_n_tokens > kMaxTopNTokens) {
    invalid("top_n_tokens", "`top_n_tokens` must be >= 0 and <= " + std::to_string(kMaxTopNTokens) + ". Given: " + std::to_string(request.top_n_tokens));
  }
  params.logprobs = request.top_n_tokens;  // every token carries its logprob in TGI's answers

  request.spec.stop.strings = p.strings("stop").value_or(std::vector<std::string>{});
  if (static_cast<int64_t>(request.spec.stop.strings.size()) > kMaxStopSequences) {
    invalid("stop", "`stop` supports up to " + std::to_string(kMaxStopSequences) + " stop sequences. Given: " +
                        std::to_string(request.spec.stop.strings.size()));
  }
  for (const std::string& s : request.spec.stop.strings) {
    if (s.empty()) invalid("stop", "stop sequences must not be empty");
  }
  request.spec.stop.include_in_output = true;  // TGI keeps the stop sequence in the text

  request.details = p.boolean("details").value_or(false);
  request.return_full_text = p.boolean("return_full_text").value_or(false);
  request.decoder_input_details = p.boolean("decoder_input_details").value_or(false);
  if (request.decoder_input_details) {
    if (stream) invalid("decoder_input_details", "`decoder_input_details` == true is not supported when streaming tokens");
    params.prompt_logprobs = 0;
  }
  if (p.boolean("watermark").value_or(false)) invalid("watermark", "watermark is not supported by this server");
  if (p.find("grammar")) invalid("grammar", "grammar (structured output) is not supported by this server");
  if (p.find("adapter_id")) invalid("adapter_id", "adapters are not supported by this server");
  if (p.find("truncate")) invalid("truncate", "truncate is not supported by this server");

  std::vector<uint32_t> ids = model.encode_prompt(request.inputs, add_special_tokens, "inputs");
  const int64_t input_length = static_cast<int64_t>(ids.size());
  request.spec.prompts.assign(static_cast<size_t>(best_of), std::vector<int32_t>(ids.begin(), ids.end()));
  const std::optional<int64_t> max_new_tokens = p.integer("max_new_tokens");
  if (max_new_tokens && *max_new_tokens <= 0) invalid("max_new_tokens", "`max_new_tokens` must be strictly positive");
  if (input_length >= model.max_model_len) {
    invalid("inputs", "`inputs` must have less than " + std::to_string(model.max_model_len) + " tokens. Given: " + std::to_string(input_length));
  }
  params.max_tokens = max_new_tokens.value_or(std::min(kDefaultMaxNewTokens, model.max_model_len - input_length));
  if (input_length + params.max_tokens > model.max_model_len) {
    invalid("max_new_tokens", "`inputs` tokens + `max_new_tokens` must be <= " + std::to_string(model.max_model_len) + ". Given: " +
                                  std::to_string(input_length) + " `inputs` tokens and " + std::to_string(params.max_tokens) +
                                  " `max_new_tokens`");
  }
  params.validate(model.vocab_size);
  return request;
}

namespace {

class TgiGeneration final : public Generation {
 public:
  TgiGeneration(const ServedModel& model, TgiRequest request, bool stream, bool compat)
      : Generation(*model.tokenizer, random_id("tgi-"), request.spec), request_(std::move(request)), stream_(stream), compat_(compat) {}

 private:
  bj::object token_json(int32_t id, float logprob) const {
    const std::string text = tokenizer().decode({static_cast<uint32_t>(id)}, false);
    return bj::object{{"id", id}, {"text", text}, {"logprob", json_logprob(logprob)}, {"special", tokenizer().added_vocabulary().is_special(text)}};
  }

  bj::array top_tokens(const engine::SampledToken& sampled) const {
    bj::array top;
    for (size_t k = 0; k < sampled.top.size() && static_cast<int64_t>(k) < request_.top_n_tokens; ++k) {
      top.push_back(token_json(sampled.top[k].token, sampled.top[k].logprob));
    }
    return top;
  }

  std::string finish_reason(const Choice& choice) const {
    if (choice.finish_reason == "length") return "length";
    return choice.stop_string || choice.stop_token ? "stop_sequence" : "eos_token";
  }

  std::string generated_text(const Choice& choice) const {
    return request_.return_full_text ? request_.inputs + choice.text->text() : choice.text->text();
  }

  bj::value seed(const Choice& choice) const {
    return request_.sample ? bj::value(spec().seeds[static_cast<size_t>(choice.prompt_index)]) : bj::value(nullptr);
  }
  int64_t input_length() const { return static_cast<int64_t>(spec().prompts[0].size()); }

  void on_progress(const Choice& choice, const std::string&, size_t first_new_token) override {
    if (!stream_) return;
    for (size_t i = first_new_token; i < choice.tokens.size(); ++i) {
      const engine::SampledToken& sampled = choice.logprobs[i];
      const bool last = choice.finish_reason && i + 1 == choice.tokens.size();
      bj::object event{{"index", i + 1}, {"token", token_json(sampled.token, sampled.logprob)}};
      if (request_.top_n_tokens > 0) event["top_tokens"] = top_tokens(sampled);
      event["generated_text"] = last ? bj::value(generated_text(choice)) : bj::value(nullptr);
      event["details"] = last && request_.details ? bj::value(bj::object{{"finish_reason", finish_reason(choice)},
                                                                         {"generated_tokens", choice.tokens.size()},
                                                                         {"seed", seed(choice)},
                                                                         {"input_length", input_length()}})
                                                  : bj::value(nullptr);
      stream().write("data:" + json::serialize(event) + "\n\n");
    }
  }

  bj::array prefill() const {
    bj::array out;
    if (!request_.decoder_input_details) return out;
    const std::vector<int32_t>& prompt = spec().prompts[0];
    const std::vector<engine::SampledToken>& scored = prompt_logprobs(0);
    for (size_t i = 0; i < prompt.size(); ++i) {
      bj::object token = token_json(prompt[i], i > 0 && i - 1 < scored.size() ? scored[i - 1].logprob : 0.0f);
      token.erase("special");
      if (i == 0) token["logprob"] = nullptr;  // nothing before the first token scores it
      out.push_back(std::move(token));
    }
    return out;
  }

  bj::object sequence_details(const Choice& choice) const {
    bj::array tokens, top;
    for (const engine::SampledToken& sampled : choice.logprobs) {
      tokens.push_back(token_json(sampled.token, sampled.logprob));
      if (request_.top_n_tokens > 0) top.push_back(top_tokens(sampled));
    }
    bj::object details{{"finish_reason", finish_reason(choice)},
                       {"generated_tokens", choice.tokens.size()},
                       {"seed", seed(choice)},
                       {"prefill", prefill()},
                       {"tokens", std::move(tokens)}};
    if (request_.top_n_tokens > 0) details["top_tokens"] = std::move(top);
    return details;
  }

  void on_complete() override {
    release();
    if (stream_) {
      stream().close();  // TGI sends no [DONE]
      return;
    }
    // best_of: the sequence with the highest total logprob answers; the others are listed.
    const std::vector<Choice>& all = choices();
    auto total = [](const Choice& c) {
      double sum = 0;
      for (const auto& sampled : c.logprobs) sum += sampled.logprob;
      return sum;
    };
    size_t best = 0;
    for (size_t i = 1; i < all.size(); ++i) {
      if (total(all[i]) > total(all[best])) best = i;
    }
    bj::object out{{"generated_text", generated_text(all[best])}};
    if (request_.details) {
      bj::object details = sequence_details(all[best]);
      if (all.size() > 1) {
        bj::array others;
        for (size_t i = 0; i < all.size(); ++i) {
          if (i == best) continue;
          bj::object other = sequence_details(all[i]);
          other["generated_text"] = generated_text(all[i]);
          others.push_back(std::move(other));
        }
        details["best_of_sequences"] = std::move(others);
      }
      out["details"] = std::move(details);
    }
    http::Response response = http::Response::json(200, json::serialize(compat_ ? bj::value(bj::array{std::move(out)}) : bj::value(std::move(out))));
    response.set_header("x-prompt-tokens", std::to_string(input_length()));
    response.set_header("x-generated-tokens", std::to_string(completion_tokens()));
    stream().finish(std::move(response));
  }

  void on_error(const Error& error) override {
    release();
    const std::string type = error.code() == ErrorCode::unavailable ? "overloaded" : "generation";
    if (streaming_started() || stream_) {
      stream().write("data:" + json::serialize(bj::object{{"error", error.what()}, {"error_type", type}}) + "\n\n");
      stream().close();
    } else {
      stream().finish(tgi_error(type == "overloaded" ? 429 : 424, error.what(), type));
    }
  }

  const TgiRequest request_;
  const bool stream_;
  const bool compat_;
};

}  // namespace

http::Response tgi_generate(const bj::object& body, ServedModel& model, bool stream, bool compat) {
  auto generation = std::make_shared<TgiGeneration>(model, parse_tgi_request(body, model, stream), stream, compat);
  return generation->start(*model.loop, stream);
}

http::Response tgi_info(const ServedModel& model) {
  bj::object info{{"model_id", model.name()},
                  {"model_sha", model.revision.empty() ? bj::value(nullptr) : bj::value(model.revision)},
                  {"model_pipeline_tag", "text-generation"},
                  {"max_concurrent_requests", model.max_num_seqs},
                  {"max_best_of", kMaxBestOf},
                  {"max_stop_sequences", kMaxStopSequences},
                  {"max_input_tokens", model.max_model_len - 1},
                  {"max_total_tokens", model.max_model_len},
                  {"validation_workers", 1},
                  {"max_client_batch_size", 1},
                  {"router", "gatehouse"},
                  {"version", kVersion},
                  {"sha", nullptr},
                  {"docker_label", nullptr}};
  return http::Response::json(200, json::serialize(info));
}

http::Response tgi_error(int status, const std::string& message, const std::string& error_type) {
  return http::Response::json(status, json::serialize(bj::object{{"error", message}, {"error_type", error_type}}));
}

}  // namespace gatehouse::serve
