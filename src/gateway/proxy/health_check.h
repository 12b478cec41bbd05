// /health: a real but cheap check of every deployment, as LiteLLM's /health makes real calls: the
// upstream's own /health (TGI, vLLM, gatehouse serve), or its /v1/models when it has no /health,
// each bounded by a timeout and run in parallel. Deployments without a URL to check (a hosted
// provider's default base) are listed as not checked. Messages never carry a key or a URL's query.
#pragma once

#include <boost/json/object.hpp>
#include <chrono>
#include <vector>

namespace gatehouse::gateway {

struct Deployment;

// LiteLLM's shape: {"healthy_endpoints": [{"model", "api_base", "id"}], "unhealthy_endpoints":
// [{..., "error"}], "unchecked_endpoints": [...], "healthy_count", "unhealthy_count"}.
boost::json::object check_deployments(const std::vector<Deployment>& deployments, std::chrono::milliseconds timeout);

}  // namespace gatehouse::gateway
