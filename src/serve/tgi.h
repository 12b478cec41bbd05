// Text Generation Inference's API over the same engine: POST /generate, /generate_stream and the
// compat route POST / (TGI's request and response JSON: parameters, details, best_of, top_tokens,
// return_full_text, seed), GET /info, and TGI's error shape {"error", "error_type"} with its
// statuses (422 for invalid input).
#pragma once

#include <boost/json/object.hpp>

#include <cstdint>
#include <optional>
#include <string>

#include "http/server.h"
#include "serve/generation.h"
#include "serve/served_model.h"

namespace gatehouse::serve {

// A /generate request, checked as TGI checks it (InvalidParameter, answered as 422). best_of
// candidates are separate prompts (the same tokens) with seeds of their own, as TGI runs them.
struct TgiRequest {
  GenerationSpec spec;
  std::string inputs;
  bool details = false;
  bool return_full_text = false;
  bool decoder_input_details = false;  // the prompt's tokens and logprobs as details.prefill
  int64_t top_n_tokens = 0;
  bool sample = false;  // spec.seeds holds each candidate's seed, reported in its details
};

TgiRequest parse_tgi_request(const boost::json::object& body, const ServedModel& model, bool stream);

// `compat`: POST /, whose non-streamed answer is a one-element list.
http::Response tgi_generate(const boost::json::object& body, ServedModel& model, bool stream, bool compat);
http::Response tgi_info(const ServedModel& model);
http::Response tgi_error(int status, const std::string& message, const std::string& error_type);

}  // namespace gatehouse::serve
