#include "cli/engine_flags.h"

#include "cli/byte_size.h"

namespace gatehouse::cli {

engine::EngineOptions EngineFlags::resolve() const {
  engine::EngineOptions resolved = options;
  resolved.quantization = engine::parse_quantization(quantization);
  resolved.weights = engine::parse_weight_placement(weights);
  if (!kv_cache_memory.empty()) resolved.kv_cache_bytes = parse_byte_size(kv_cache_memory, "--kv-cache-memory");
  resolved.prefix_caching = !no_prefix_caching;
  return resolved;
}

void add_engine_flags(CLI::App& command, EngineFlags& flags) {
  command.add_option("--threads", flags.options.threads, "Threads (default: one per core)");
  command.add_option("--quantization", flags.quantization, "Quantize weights at load time: q8_0 or q4_0");
  command.add_option("--weights", flags.weights,
                     "Where weights live: mmap (the file's pages), memory (copied into huge pages: faster decode), "
                     "auto (memory when they take under half the free memory; default)");
  command.add_option("--max-model-len", flags.options.max_model_len, "Longest sequence (default: the model's)");
  command.add_option("--max-num-seqs", flags.options.max_num_seqs, "Sequences decoded together at most");
  command.add_option("--max-num-batched-tokens", flags.options.max_num_batched_tokens,
                     "Tokens per step at most (prefill chunk size)");
  command.add_option("--block-size", flags.options.block_size, "KV cache positions per block");
  command.add_option("--kv-cache-memory", flags.kv_cache_memory, "KV cache size, e.g. 2GiB (default 4GiB at most)");
  command.add_flag("--no-prefix-caching", flags.no_prefix_caching, "Do not reuse cached prompt prefixes");
}

}  // namespace gatehouse::cli
