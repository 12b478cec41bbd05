// LiteLLM's wildcard model names: a model_name with '*' ("*", "openai/*", "fo::*:static::*")
// serves every requested name it matches, and a litellm_params.model with '*' ("openai/*") gets
// the matched parts in place of its stars, so that one entry forwards any model of a provider
// (docs/gateway.md). '*' matches any run of characters, '/' included; where several stars could
// split a name, each takes as much as it can from the left, as LiteLLM's regular expressions do.
// Stateless functions; safe from any thread.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace gatehouse::gateway {

// Requested names longer than this match no pattern (a request's `model` is client input).
inline constexpr size_t kMaxPatternMatchBytes = 1024;

inline bool is_model_pattern(std::string_view model_name) { return model_name.find('*') != std::string_view::npos; }

// What each '*' of `pattern` matched in `name`, in order; nullopt when it does not match.
std::optional<std::vector<std::string>> match_model_pattern(std::string_view pattern, std::string_view name);

// The model sent upstream for `requested`, served by a deployment with `model_name` and `model`
// (LiteLLM's set_deployment_model_name): `model` with each '*' replaced by what model_name's stars
// matched in `requested`, in order; `requested` itself when model_name matched more parts than
// `model` has stars; `model` unchanged when it has no star or model_name does not match.
std::string upstream_model_for(std::string_view model_name, std::string_view model, std::string_view requested);

}  // namespace gatehouse::gateway
