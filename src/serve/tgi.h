// Text Generation Inference's API over the same engine: POST /generate, /generate_stream and the
// compat route POST / (the request and answer shapes are api/tgi.h's: parameters, details,
// best_of, top_tokens, return_full_text, seed), GET /info, and TGI's error envelope with its
// statuses (422 for invalid input).
#pragma once

#include <boost/json/object.hpp>

#include <cstdint>
#include <optional>
#include <string>

#include "api/tgi.h"
#include "http/server.h"
#include "serve/generation.h"
#include "serve/served_model.h"

namespace gatehouse::serve {

// A /generate request (api::TgiRequest) as engine work for the served model, within its context
// length (InvalidParameter, answered as 422). best_of candidates are separate prompts (the same
// tokens) with seeds of their own, as TGI runs them; with sampling, spec.seeds holds each
// candidate's seed, reported in its details.
struct TgiGenerationRequest {
  api::TgiRequest wire;
  GenerationSpec spec;
};

TgiGenerationRequest parse_tgi_request(const boost::json::object& body, const ServedModel& model, bool stream);

// `compat`: POST /, whose non-streamed answer is a one-element list.
http::Response tgi_generate(const boost::json::object& body, ServedModel& model, bool stream, bool compat);
http::Response tgi_info(const ServedModel& model);
http::Response tgi_error(int status, const std::string& message, const std::string& error_type);

}  // namespace gatehouse::serve
