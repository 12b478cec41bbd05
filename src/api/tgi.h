// Text Generation Inference's native protocol: the /generate and /generate_stream request
// ({"inputs", "parameters"}), read and checked as TGI's router checks it (InvalidParameter, which
// TGI answers as 422 "validation"), and the JSON shapes of its answers: tokens, the details of a
// sequence, a stream event. TGI's error envelope is in api/error_envelope.h. Limits that depend on
// a model (its context length) are the server's. Plain values; thread-compatible.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace gatehouse::api {

// TGI's launcher defaults behind its limits (reported by GET /info).
inline constexpr int64_t kTgiMaxStopSequences = 4;
inline constexpr int64_t kTgiMaxTopNTokens = 5;
inline constexpr int64_t kTgiMaxBestOf = 2;

struct TgiParameters {
  // Sampling is on when do_sample is, or when any sampling parameter asks for it (as TGI).
  bool sample = false;
  std::optional<double> temperature;  // > 0
  std::optional<double> top_p;        // in (0, 1)
  std::optional<int64_t> top_k;       // > 0
  std::optional<double> typical_p;    // in (0, 1)
  double repetition_penalty = 1.0;    // > 0
  double frequency_penalty = 0.0;     // in [-2, 2]
  int64_t best_of = 1;                // in [1, kTgiMaxBestOf]; above 1 only sampling, without seed or stream
  std::optional<uint64_t> seed;
  int64_t top_n_tokens = 0;           // in [0, kTgiMaxTopNTokens]
  std::vector<std::string> stop;      // at most kTgiMaxStopSequences, none empty
  std::optional<int64_t> max_new_tokens;  // > 0
  bool details = false;
  bool return_full_text = false;
  bool decoder_input_details = false;  // never with stream
  bool watermark = false;
  // Given at all (any value): adapter_id (LoRA), truncate.
  std::optional<boost::json::value> grammar;  // structured output, as given
  bool adapter_id = false;
  bool truncate = false;
};

struct TgiRequest {
  std::string inputs;  // never empty
  // TGI's own chat route sends false: a rendered chat template already holds its special tokens.
  bool add_special_tokens = true;
  TgiParameters parameters;
};

// `stream`: the request came to /generate_stream (or POST / with "stream": true).
TgiRequest read_tgi_request(const boost::json::object& body, bool stream);

// One token of an answer: {"id", "text", "logprob", "special"}. Prompt tokens (details.prefill)
// carry no "special", and the prompt's first token no logprob (null).
struct TgiToken {
  int32_t id = 0;
  std::string text;
  std::optional<float> logprob;
  std::optional<bool> special;
};
boost::json::object tgi_token_json(const TgiToken& token);

// The details of one sequence of a /generate answer.
struct TgiDetails {
  std::string finish_reason;  // "length", "eos_token" or "stop_sequence"
  int64_t generated_tokens = 0;
  std::optional<uint64_t> seed;  // with sampling
  std::vector<TgiToken> prefill;  // with decoder_input_details
  std::vector<TgiToken> tokens;
  std::optional<std::vector<std::vector<TgiToken>>> top_tokens;  // with top_n_tokens
};
// {"finish_reason", "generated_tokens", "seed", "prefill", "tokens"[, "top_tokens"]}.
boost::json::object tgi_details_json(const TgiDetails& details);

// One event of /generate_stream: {"index", "token"[, "top_tokens"], "generated_text", "details"}.
// The last event of a sequence carries its text and, when details were asked for, its finish.
struct TgiStreamEvent {
  int64_t index = 0;  // from 1
  TgiToken token;
  std::optional<std::vector<TgiToken>> top_tokens;  // with top_n_tokens
  std::optional<std::string> generated_text;       // the last event's
  struct Details {
    std::string finish_reason;
    int64_t generated_tokens = 0;
    std::optional<uint64_t> seed;
    int64_t input_length = 0;
  };
  std::optional<Details> details;  // the last event's, with details
};
boost::json::object tgi_stream_event_json(const TgiStreamEvent& event);

}  // namespace gatehouse::api
