#include "gateway/keys/key_api.h"

#include <boost/json.hpp>

#include <cctype>

#include "api/error_envelope.h"
#include "base/json.h"
#include "http/auth.h"
#include "http/error_status.h"
#include "http/form.h"

namespace gatehouse::gateway {
namespace {

namespace bj = boost::json;

const json::JsonPath kBody("request body");

// The one place errors become answers (the OpenAI envelope, param naming the field).
http::Response error_response(const Error& error) {
  const auto* parameter = dynamic_cast<const InvalidParameter*>(&error);
  return api::openai_error_response(http::status_for(error.code()), error.what(), parameter ? parameter->parameter() : "");
}

bj::object parse_body(const http::Request& request) {
  return json::as_object(json::parse(request.body, "request body"), kBody);
}

// Reads a field with `read`, turning a kind mistake into an InvalidParameter naming it.
template <typename Read>
auto read_field(const bj::value& value, std::string_view field, Read read) {
  try {
    return read(value, kBody / field);
  } catch (const InvalidParameter&) {
    throw;
  } catch (const Error& error) {
    throw InvalidParameter(std::string(field), error.what());
  }
}

template <typename T, typename Read>
Change<T> read_change(const bj::value& value, std::string_view field, Read read) {
  if (value.is_null()) return std::optional<T>();
  return std::optional<T>(read_field(value, field, read));
}

std::string read_string(const bj::value& value, const json::JsonPath& path) {
  return std::string(json::as_string(value, path));
}

std::vector<std::string> read_names(const bj::value& value, const json::JsonPath& path) {
  std::vector<std::string> names;
  const bj::array& array = json::as_array(value, path);
  for (size_t i = 0; i < array.size(); ++i) names.push_back(read_string(array[i], path[i]));
  return names;
}

// The settings in a generate or update body; `key` receives update's "key" (null elsewhere:
// generate refuses it, as keys are always random here).
KeySettings read_settings(const bj::object& body, std::optional<std::string>* key) {
  KeySettings settings;
  for (const auto& [name, value] : body) {
    if (name == "key" && key) {
      *key = read_field(value, name, read_string);
    } else if (name == "key_alias") {
      settings.key_alias = read_change<std::string>(value, name, read_string);
    } else if (name == "models") {
      settings.models = value.is_null() ? std::vector<std::string>() : read_field(value, name, read_names);
    } else if (name == "max_budget") {
      settings.max_budget = read_change<double>(value, name, json::as_double);
    } else if (name == "budget_duration") {
      settings.budget_duration = read_change<std::string>(value, name, read_string);
    } else if (name == "duration") {
      settings.duration = read_change<std::string>(value, name, read_string);
    } else if (name == "rpm_limit") {
      settings.rpm_limit = read_change<int64_t>(value, name, json::as_int);
    } else if (name == "tpm_limit") {
      settings.tpm_limit = read_change<int64_t>(value, name, json::as_int);
    } else if (name == "max_parallel_requests") {
      settings.max_parallel_requests = read_change<int64_t>(value, name, json::as_int);
    } else if (name == "metadata") {
      settings.metadata = value.is_null() ? "{}" : json::serialize(read_field(value, name, json::as_object));
    } else if (name == "spend") {
      settings.spend = read_field(value, name, json::as_double);
    } else {
      throw InvalidParameter(std::string(name),
                             "unknown field '" + std::string(name) +
                                 "'; the fields are key_alias, models, max_budget, budget_duration, duration, "
                                 "rpm_limit, tpm_limit, max_parallel_requests, metadata, spend" +
                                 (key ? " and key" : ""));
    }
  }
  return settings;
}

bool is_token_hash(std::string_view text) {
  if (text.size() != 64) return false;
  for (char c : text) {
    if (!std::isxdigit(static_cast<unsigned char>(c)) || std::isupper(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

// A key as clients name it: the key itself ("sk-...") or its token hash. Never quoted back.
std::string token_hash_of(std::string_view key, const std::string& field) {
  if (key.starts_with("sk-")) return KeyStore::hash_key(key);
  if (is_token_hash(key)) return std::string(key);
  throw InvalidParameter(field, field + " must be a virtual key (sk-...) or its token hash");
}

template <typename T>
bj::value optional_value(const std::optional<T>& value) {
  return value ? bj::value(*value) : bj::value(nullptr);
}

bj::value optional_value(const std::optional<std::string>& value) {
  return value ? bj::value(bj::string_view(*value)) : bj::value(nullptr);
}

bj::value optional_time(const std::optional<TimePoint>& time) {
  return time ? bj::value(format_time(*time)) : bj::value(nullptr);
}

bj::object record_json(const KeyRecord& record) {
  bj::array models;
  for (const auto& model : record.models) models.emplace_back(bj::string_view(model));
  return bj::object{{"token", record.token_hash},
                    {"key_name", record.key_name},
                    {"key_alias", optional_value(record.key_alias)},
                    {"models", std::move(models)},
                    {"max_budget", optional_value(record.max_budget)},
                    {"budget_duration", optional_value(record.budget_duration)},
                    {"budget_reset_at", optional_time(record.budget_reset_at)},
                    {"expires", optional_time(record.expires)},
                    {"rpm_limit", optional_value(record.rpm_limit)},
                    {"tpm_limit", optional_value(record.tpm_limit)},
                    {"max_parallel_requests", optional_value(record.max_parallel_requests)},
                    {"metadata", json::parse(record.metadata, "metadata")},
                    {"spend", record.spend},
                    {"created_at", format_time(record.created_at)}};
}

http::Response json_answer(const bj::object& object) { return http::Response::json(200, json::serialize(object)); }

}  // namespace

KeyApi::KeyApi(KeyStore& store, SecretString master_key) : store_(store), master_key_(std::move(master_key)) {}

std::optional<http::Response> KeyApi::handle(const http::Request& request) {
  using Handler = http::Response (KeyApi::*)(const http::Request&);
  struct Route {
    std::string_view path;
    std::string_view method;
    Handler handler;
  };
  static constexpr Route kRoutes[] = {{"/key/generate", "POST", &KeyApi::generate},
                                      {"/key/info", "GET", &KeyApi::info},
                                      {"/key/update", "POST", &KeyApi::update},
                                      {"/key/delete", "POST", &KeyApi::remove}};
  for (const Route& route : kRoutes) {
    if (request.path != route.path) continue;
    if (request.method != route.method) {
      return api::openai_error_response(405, std::string(route.path) + " takes " + std::string(route.method))
          .set_header("Allow", std::string(route.method));
    }
    try {
      return (this->*route.handler)(request);
    } catch (const Error& error) {
      return error_response(error);
    }
  }
  return std::nullopt;
}

bool KeyApi::is_master(const http::Request& request) const {
  auto credentials = http::authorization_credentials(request, {"Bearer"});
  return !master_key_.empty() && credentials && http::constant_time_equals(*credentials, master_key_.reveal());
}

void KeyApi::require_master(const http::Request& request) const {
  if (master_key_.empty()) {
    throw Error(ErrorCode::unauthenticated,
                "virtual keys need a master key: set general_settings.master_key in the gateway's config");
  }
  if (!is_master(request)) {
    throw Error(ErrorCode::unauthenticated,
                "Authentication Error: this route needs the master key (Authorization: Bearer <master key>)");
  }
}

http::Response KeyApi::generate(const http::Request& request) {
  require_master(request);
  GeneratedKey generated = store_.generate(read_settings(parse_body(request), nullptr));
  bj::object answer = record_json(generated.record);
  answer["key"] = generated.key.reveal();  // the one answer that carries the key
  return json_answer(answer);
}

http::Response KeyApi::info(const http::Request& request) {
  std::string asked = http::query_value(request.query, "key");
  std::string token_hash;
  const bool master = is_master(request);
  if (master) {
    if (asked.empty()) throw InvalidParameter("key", "key is required with the master key: GET /key/info?key=sk-...");
    token_hash = token_hash_of(asked, "key");
  } else {
    // A virtual key may read its own info, and nothing else.
    auto credentials = http::authorization_credentials(request, {"Bearer"});
    if (!credentials) {
      throw Error(ErrorCode::unauthenticated, "Authentication Error: no key (Authorization: Bearer sk-...)");
    }
    token_hash = KeyStore::hash_key(*credentials);
    if (!asked.empty() && token_hash_of(asked, "key") != token_hash) {
      throw Error(ErrorCode::permission_denied, "a virtual key may only read its own info; use the master key");
    }
  }
  std::optional<KeyInfo> info = store_.info(token_hash);
  if (!info && !master) throw Error(ErrorCode::unauthenticated, "Authentication Error: the key is not valid");
  if (!info) throw Error(ErrorCode::not_found, "no such key");
  bj::object body = record_json(info->record);
  bj::object model_spend;
  bj::object model_usage;
  for (const auto& [model, usage] : info->model_usage) {
    model_spend[model] = usage.spend;
    model_usage[model] = bj::object{{"spend", usage.spend},
                                    {"prompt_tokens", usage.prompt_tokens},
                                    {"completion_tokens", usage.completion_tokens},
                                    {"requests", usage.requests}};
  }
  body["model_spend"] = std::move(model_spend);
  body["model_usage"] = std::move(model_usage);
  return json_answer(bj::object{{"key", token_hash}, {"info", std::move(body)}});
}

http::Response KeyApi::update(const http::Request& request) {
  require_master(request);
  std::optional<std::string> key;
  KeySettings settings = read_settings(parse_body(request), &key);
  if (!key) throw InvalidParameter("key", "key is required: the key to update (sk-...) or its token hash");
  std::string token_hash = token_hash_of(*key, "key");
  bj::object answer = record_json(store_.update(token_hash, settings));
  answer["key"] = token_hash;
  return json_answer(answer);
}

http::Response KeyApi::remove(const http::Request& request) {
  require_master(request);
  bj::object body = parse_body(request);
  std::vector<std::string> token_hashes;
  for (const auto& [name, value] : body) {
    if (name == "keys") {
      auto keys = read_field(value, name, read_names);
      for (size_t i = 0; i < keys.size(); ++i) {
        token_hashes.push_back(token_hash_of(keys[i], "keys[" + std::to_string(i) + "]"));
      }
    } else if (name == "key_aliases") {
      auto aliases = read_field(value, name, read_names);
      for (size_t i = 0; i < aliases.size(); ++i) {
        auto token_hash = store_.token_hash_for_alias(aliases[i]);
        if (!token_hash) {
          throw Error(ErrorCode::not_found, "key_aliases[" + std::to_string(i) + "]: no key has the alias '" +
                                                aliases[i] + "'; nothing was deleted");
        }
        token_hashes.push_back(std::move(*token_hash));
      }
    } else {
      throw InvalidParameter(std::string(name), "unknown field '" + std::string(name) + "'; give keys or key_aliases");
    }
  }
  if (token_hashes.empty()) throw InvalidParameter("keys", "keys or key_aliases is required: the keys to delete");
  store_.remove(token_hashes);
  bj::array deleted;
  for (const auto& token_hash : token_hashes) deleted.emplace_back(bj::string_view(token_hash));
  return json_answer(bj::object{{"deleted_keys", std::move(deleted)}});
}

}  // namespace gatehouse::gateway
