// The engine's command-line flags, shared by every command that loads a model (generate, bench,
// and the server): threads, quantization, weight placement, context and batching limits, KV cache.
#pragma once

#include <CLI/App.hpp>
#include <string>

#include "engine/engine.h"

namespace gatehouse::cli {

struct EngineFlags {
  engine::EngineOptions options;
  std::string quantization;
  std::string weights = "auto";
  std::string kv_cache_memory;
  bool no_prefix_caching = false;

  // The options with the text flags parsed; throws invalid_argument naming a bad flag.
  engine::EngineOptions resolve() const;
};

void add_engine_flags(CLI::App& command, EngineFlags& flags);

}  // namespace gatehouse::cli
