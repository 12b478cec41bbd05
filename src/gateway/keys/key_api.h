// LiteLLM's key management routes over a KeyStore: POST /key/generate, GET /key/info,
// POST /key/update and POST /key/delete, with LiteLLM's JSON shapes. Every route needs the master
// key (Authorization: Bearer), except /key/info, which a virtual key may also call for itself.
// Mistakes are answered in the OpenAI error envelope naming the field; no error quotes a key.
// Answers carry a key's token hash, never the key, except /key/generate's one answer. Thread-safe
// (the KeyStore is); the store must outlive the api.
#pragma once

#include <optional>

#include "base/secret_string.h"
#include "gateway/keys/key_store.h"
#include "http/server.h"

namespace gatehouse::gateway {

class KeyApi {
 public:
  // An empty master key refuses every route (virtual keys need an administrator).
  KeyApi(KeyStore& store, SecretString master_key);

  // The answer for a /key/* route; nullopt for any other path.
  std::optional<http::Response> handle(const http::Request& request);

 private:
  http::Response generate(const http::Request& request);
  http::Response info(const http::Request& request);
  http::Response update(const http::Request& request);
  http::Response remove(const http::Request& request);
  bool is_master(const http::Request& request) const;
  void require_master(const http::Request& request) const;

  KeyStore& store_;
  SecretString master_key_;
};

}  // namespace gatehouse::gateway
