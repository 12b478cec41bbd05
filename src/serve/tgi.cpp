#include "serve/tgi.h"

#include <boost/json.hpp>
#include <random>

#include "api/error_envelope.h"
#include "api/openai_format.h"
#include "api/sse.h"
#include "base/error.h"
#include "base/json.h"
#include "base/version.h"
#include "serve/generation.h"
#include "serve/structured_output.h"

namespace gatehouse::serve {
namespace {

namespace bj = boost::json;

// TGI's launcher default for max_new_tokens.
constexpr int64_t kDefaultMaxNewTokens = 100;

[[noreturn]] void invalid(const std::string& param, const std::string& message) { throw InvalidParameter(param, message); }

// What TGI's protocol has but this server does not do: refused, not ignored.
void refuse_unsupported(const api::TgiParameters& p) {
  if (p.typical_p) invalid("typical_p", "typical_p (typical sampling) is not supported by this server");
  if (p.watermark) invalid("watermark", "watermark is not supported by this server");
  if (p.adapter_id) invalid("adapter_id", "adapters are not supported by this server");
  if (p.truncate) invalid("truncate", "truncate is not supported by this server");
}

}  // namespace

TgiGenerationRequest parse_tgi_request(const bj::object& body, const ServedModel& model, bool stream) {
  TgiGenerationRequest request{api::read_tgi_request(body, stream), {}};
  const api::TgiParameters& p = request.wire.parameters;
  refuse_unsupported(p);
  engine::SamplingParams& params = request.spec.params;
  params.temperature = p.sample ? p.temperature.value_or(1.0) : 0.0;
  params.top_p = p.top_p.value_or(1.0);
  params.top_k = p.top_k.value_or(0);
  params.repetition_penalty = p.repetition_penalty;
  params.frequency_penalty = p.frequency_penalty;
  if (p.sample) {
    // A seed drawn for each candidate, below 2^63 so that any client can send it back.
    std::random_device entropy;
    for (int64_t i = 0; i < p.best_of; ++i) {
      request.spec.seeds.push_back(p.seed ? *p.seed : ((uint64_t{entropy()} << 32) | entropy()) >> 1);
    }
  }
  params.logprobs = p.top_n_tokens;  // every token carries its logprob in TGI's answers
  request.spec.stop.strings = p.stop;
  request.spec.stop.include_in_output = true;  // TGI keeps the stop sequence in the text
  if (p.decoder_input_details) params.prompt_logprobs = 0;

  std::vector<uint32_t> ids = model.encode_prompt(request.wire.inputs, request.wire.add_special_tokens, "inputs");
  const int64_t input_length = static_cast<int64_t>(ids.size());
  request.spec.prompts.assign(static_cast<size_t>(p.best_of), std::vector<int32_t>(ids.begin(), ids.end()));
  if (input_length >= model.max_model_len) {
    invalid("inputs", "`inputs` must have less than " + std::to_string(model.max_model_len) + " tokens. Given: " + std::to_string(input_length));
  }
  params.max_tokens = p.max_new_tokens.value_or(std::min(kDefaultMaxNewTokens, model.max_model_len - input_length));
  if (input_length + params.max_tokens > model.max_model_len) {
    invalid("max_new_tokens", "`inputs` tokens + `max_new_tokens` must be <= " + std::to_string(model.max_model_len) + ". Given: " +
                                  std::to_string(input_length) + " `inputs` tokens and " + std::to_string(params.max_tokens) +
                                  " `max_new_tokens`");
  }
  params.validate(model.vocab_size);
  if (p.grammar) {
    request.spec.constraint = tgi_output_constraint(*p.grammar);
    model.constrain(request.spec);
  }
  return request;
}

namespace {

class TgiGeneration final : public Generation {
 public:
  TgiGeneration(const ServedModel& model, TgiGenerationRequest request, bool stream, bool compat)
      : Generation(*model.tokenizer, api::random_id("tgi-"), request.spec),
        request_(std::move(request.wire)),
        parameters_(request_.parameters),
        stream_(stream),
        compat_(compat) {}

 private:
  api::TgiToken token(int32_t id, float logprob) const {
    std::string text = tokenizer().decode({static_cast<uint32_t>(id)}, false);
    const bool special = tokenizer().added_vocabulary().is_special(text);
    return {id, std::move(text), logprob, special};
  }

  std::vector<api::TgiToken> top_tokens(const engine::SampledToken& sampled) const {
    std::vector<api::TgiToken> top;
    for (size_t k = 0; k < sampled.top.size() && static_cast<int64_t>(k) < parameters_.top_n_tokens; ++k) {
      top.push_back(token(sampled.top[k].token, sampled.top[k].logprob));
    }
    return top;
  }

  std::string finish_reason(const Choice& choice) const {
    if (choice.finish_reason == "length") return "length";
    return choice.stop_string || choice.stop_token ? "stop_sequence" : "eos_token";
  }

  std::string generated_text(const Choice& choice) const {
    return parameters_.return_full_text ? request_.inputs + choice.text->text() : choice.text->text();
  }

  std::optional<uint64_t> seed(const Choice& choice) const {
    if (!parameters_.sample) return std::nullopt;
    return spec().seeds[static_cast<size_t>(choice.prompt_index)];
  }
  int64_t input_length() const { return static_cast<int64_t>(spec().prompts[0].size()); }

  void on_progress(const Choice& choice, const std::string&, size_t first_new_token) override {
    if (!stream_) return;
    for (size_t i = first_new_token; i < choice.tokens.size(); ++i) {
      const engine::SampledToken& sampled = choice.logprobs[i];
      const bool last = choice.finish_reason && i + 1 == choice.tokens.size();
      api::TgiStreamEvent event{static_cast<int64_t>(i) + 1, token(sampled.token, sampled.logprob), std::nullopt, std::nullopt, std::nullopt};
      if (parameters_.top_n_tokens > 0) event.top_tokens = top_tokens(sampled);
      if (last) event.generated_text = generated_text(choice);
      if (last && parameters_.details) {
        event.details = api::TgiStreamEvent::Details{finish_reason(choice), static_cast<int64_t>(choice.tokens.size()), seed(choice),
                                                     input_length()};
      }
      stream().write(api::tgi_sse_event(json::serialize(api::tgi_stream_event_json(event))));
    }
  }

  std::vector<api::TgiToken> prefill() const {
    std::vector<api::TgiToken> out;
    if (!parameters_.decoder_input_details) return out;
    const std::vector<int32_t>& prompt = spec().prompts[0];
    const std::vector<engine::SampledToken>& scored = prompt_logprobs(0);
    for (size_t i = 0; i < prompt.size(); ++i) {
      api::TgiToken scored_token = token(prompt[i], i > 0 && i - 1 < scored.size() ? scored[i - 1].logprob : 0.0f);
      scored_token.special.reset();
      if (i == 0) scored_token.logprob.reset();  // nothing before the first token scores it
      out.push_back(std::move(scored_token));
    }
    return out;
  }

  bj::object sequence_details(const Choice& choice) const {
    api::TgiDetails details{finish_reason(choice), static_cast<int64_t>(choice.tokens.size()), seed(choice), prefill(), {}, std::nullopt};
    if (parameters_.top_n_tokens > 0) details.top_tokens.emplace();
    for (const engine::SampledToken& sampled : choice.logprobs) {
      details.tokens.push_back(token(sampled.token, sampled.logprob));
      if (details.top_tokens) details.top_tokens->push_back(top_tokens(sampled));
    }
    return api::tgi_details_json(details);
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
    if (parameters_.details) {
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
      stream().write(api::tgi_sse_event(api::tgi_error_json(error.what(), type)));
      stream().close();
    } else {
      stream().finish(tgi_error(type == "overloaded" ? 429 : 424, error.what(), type));
    }
  }

  const api::TgiRequest request_;
  const api::TgiParameters& parameters_;
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
                  {"max_best_of", api::kTgiMaxBestOf},
                  {"max_stop_sequences", api::kTgiMaxStopSequences},
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
  return http::Response::json(status, api::tgi_error_json(message, error_type));
}

}  // namespace gatehouse::serve
