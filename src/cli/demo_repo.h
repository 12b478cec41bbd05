// The demo model repo that `gatehouse up --demo` serves from its built-in Hub mirror: a complete
// Hugging Face model folder for a tiny random-weight Llama (the shape of make_checkpoint.py's "tiny",
// Llama 3.2's config fields) with a real byte-level BPE tokenizer in Llama 3's format, trained at
// run time on a small embedded English text, and Llama 3's chat template. It is written in C++,
// without PyTorch or any downloaded tokenizer, so running Gatehouse needs nothing the tests need.
//
// demo_repo.cpp writes the folder; demo_tokenizer.cpp and demo_checkpoint.cpp make its files'
// contents. Everything is deterministic: the same seed gives the same bytes (the tokenizer does not
// depend on the seed, only the weights do). Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace gatehouse::cli {

// Writes config.json, generation_config.json, model.safetensors, tokenizer.json,
// tokenizer_config.json and special_tokens_map.json into `dir` (created when missing). A file that
// differs is replaced atomically; one that already holds the right bytes is not touched, so writing
// the same repo again takes a few milliseconds and writes nothing. Other files are left alone.
// Throws gatehouse::Error when the folder cannot be created or written.
void write_demo_repo(const std::filesystem::path& dir, uint64_t seed);

namespace demo {

// The tokenizer files and the ids config.json needs. Llama 3's layout, scaled down: a byte-level
// BPE vocabulary (256 byte tokens, then the merged tokens) followed by 256 special tokens at the
// same offsets as Llama 3's (<|begin_of_text|> first, <|eot_id|> ninth, the rest reserved).
struct TokenizerFiles {
  std::string tokenizer_json;
  std::string tokenizer_config_json;
  std::string special_tokens_map_json;
  int64_t vocab_size = 0;    // every id, special tokens included
  int64_t bos_token_id = 0;  // <|begin_of_text|>
  int64_t eos_token_ids[3] = {};  // <|end_of_text|>, <|eom_id|>, <|eot_id|>, as Llama 3.2 Instruct lists them
  std::vector<int64_t> reserved_token_ids;  // <|reserved_special_token_N|>: untrained, as in Llama 3
};

TokenizerFiles make_tokenizer_files();

// config.json and generation_config.json for the tokenizer's vocabulary.
std::string make_config_json(const TokenizerFiles& tokenizer);
std::string make_generation_config_json(const TokenizerFiles& tokenizer);

// model.safetensors: bf16 weights with transformers' names and shapes for config.json's model,
// drawn from a generator seeded by `seed` and each tensor's name. Unlike Llama 3.2 1B, lm_head is
// not tied to the embeddings: a random tied model mostly repeats its last token. The reserved
// tokens' rows are zero, like Llama 3's untrained rows, so the model rarely picks them.
std::string make_safetensors(const TokenizerFiles& tokenizer, uint64_t seed);

}  // namespace demo
}  // namespace gatehouse::cli
