// The demo repo's tokenizer: byte-level BPE in Llama 3's tokenizer.json format, its merges learned
// here by plain BPE training on a small English text, so common words are one or two tokens.
#include <boost/json.hpp>
#include <algorithm>
#include <array>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/json.h"
#include "cli/demo_repo.h"
#include "tokenizer/byte_level_alphabet.h"

namespace gatehouse::cli::demo {
namespace {

namespace bj = boost::json;

// What the merges are learned from: plain English about everyday things and about running models.
constexpr std::string_view kTrainingText = R"(
Once upon a time there was a small house at the edge of a large forest. The people who lived in the
house were kind, and they liked to work with their hands. In the morning the father went out to cut
wood, the mother made bread, and the children played in the garden with the dog. When the sun was
high they all came back to the table, and they talked about what they had seen and what they would
do next. It was a simple life, but it was a good one, and they were happy.

One day a stranger came to the door. He was tired and hungry, and he asked if he could stay for the
night. The mother gave him some bread and a bowl of warm soup, and the father showed him a place to
sleep. In the morning the stranger thanked them and said that he had a gift for the family. He took
a little box out of his coat and put it on the table. "This box will keep your house safe," he said,
"as long as you keep the door open for those who need help." Then he walked into the forest, and
they never saw him again.

Hello world! How are you today? I am fine, thank you. What is your name, and where do you come from?
We would like to know more about you. Please tell us a story, or answer a question, or write a short
poem about the sea. The weather is nice today, so we could go for a walk in the park, or we could
read a book at home. There are many things to do, and there is time for all of them.

Gatehouse runs Hugging Face models on your own machines. A model is a set of weights and a tokenizer
that turns text into tokens, and the server answers requests with the tokens the model generates.
You can download a model from the Hub, start the server, and send a chat message to it. The control
plane keeps your secrets in a vault, deploys recipes, and routes each request to a ready replica.
The token you give it is stored encrypted, and it reaches the server only through its environment.
A user logs in, creates a secret, deploys a recipe, and waits until the deployment is active. Then
the model answers questions, writes text, and helps with code. Every request is checked, every error
says what was wrong and what to do, and nothing is lost when the process restarts.

The first rule of good work is to understand the problem before you try to solve it. The second is
to make the simple thing first, test it, and then make it better. Write down what you learn, share
it with the people you work with, and ask for help when you need it. A system that is easy to read is
easy to change, and a system that is easy to change will last for many years.
)";

// GPT-2's byte order for the first 256 ids: the printable bytes first, then the others.
std::array<uint8_t, 256> byte_order() {
  std::array<uint8_t, 256> order{};
  size_t n = 0;
  auto printable = [](int b) { return (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF); };
  for (int b = 0; b < 256; ++b) {
    if (printable(b)) order[n++] = uint8_t(b);
  }
  for (int b = 0; b < 256; ++b) {
    if (!printable(b)) order[n++] = uint8_t(b);
  }
  return order;
}

bool is_letter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_space(char c) { return c == ' ' || c == '\n' || c == '\t' || c == '\r'; }
bool is_punctuation(char c) { return c != '\0' && !is_letter(c) && !is_digit(c) && !is_space(c); }

// The training text cut as Llama 3's split pattern cuts ASCII text: letters with one optional
// character before them that is not a newline or digit, up to 3 digits, punctuation with an
// optional space before it. Other whitespace is not trained on.
std::map<std::string, int64_t> word_counts(std::string_view text) {
  std::map<std::string, int64_t> counts;
  auto at = [&](size_t i) { return i < text.size() ? text[i] : '\0'; };  // '\0' is no class
  size_t i = 0;
  while (i < text.size()) {
    const size_t start = i;
    const char c = text[i];
    if (is_letter(c) || (c != '\n' && c != '\r' && !is_digit(c) && is_letter(at(i + 1)))) {
      for (++i; is_letter(at(i)); ++i) {
      }
    } else if (is_digit(c)) {
      for (++i; i - start < 3 && is_digit(at(i)); ++i) {
      }
    } else if (is_punctuation(c) || (c == ' ' && is_punctuation(at(i + 1)))) {
      for (++i; is_punctuation(at(i)); ++i) {
      }
    } else {
      ++i;
      continue;
    }
    ++counts[std::string(text.substr(start, i - start))];
  }
  return counts;
}

struct Bpe {
  std::vector<std::string> vocab;  // id -> token (raw bytes)
  std::vector<std::pair<uint32_t, uint32_t>> merges;
};

// Plain BPE training: repeatedly merge the most frequent adjacent pair (ties: the smaller ids),
// until the vocabulary has `size` tokens or no pair is left. A merge whose result is already a token
// (two ways to spell it) reuses that token's id, as the tokenizers library's trainer does.
Bpe train(std::string_view text, size_t size) {
  Bpe bpe;
  std::array<uint32_t, 256> id_of_byte{};
  for (uint8_t byte : byte_order()) {
    id_of_byte[byte] = uint32_t(bpe.vocab.size());
    bpe.vocab.emplace_back(1, char(byte));
  }
  std::map<std::string, uint32_t> ids;
  for (uint32_t id = 0; id < bpe.vocab.size(); ++id) ids[bpe.vocab[id]] = id;
  std::vector<std::pair<std::vector<uint32_t>, int64_t>> words;
  for (const auto& [word, count] : word_counts(text)) {
    std::vector<uint32_t> symbols;
    for (char c : word) symbols.push_back(id_of_byte[uint8_t(c)]);
    words.emplace_back(std::move(symbols), count);
  }
  while (bpe.vocab.size() < size) {
    std::map<std::pair<uint32_t, uint32_t>, int64_t> pairs;
    for (const auto& [symbols, count] : words) {
      for (size_t i = 0; i + 1 < symbols.size(); ++i) pairs[{symbols[i], symbols[i + 1]}] += count;
    }
    if (pairs.empty()) break;
    auto best = std::max_element(pairs.begin(), pairs.end(), [](const auto& a, const auto& b) {
      return a.second < b.second || (a.second == b.second && a.first > b.first);
    })->first;
    std::string merged = bpe.vocab[best.first] + bpe.vocab[best.second];
    auto [at, added] = ids.try_emplace(merged, uint32_t(bpe.vocab.size()));
    if (added) bpe.vocab.push_back(merged);
    bpe.merges.push_back(best);
    for (auto& [symbols, count] : words) {
      std::vector<uint32_t> out;
      for (size_t i = 0; i < symbols.size(); ++i) {
        if (i + 1 < symbols.size() && symbols[i] == best.first && symbols[i + 1] == best.second) {
          out.push_back(at->second);
          ++i;
        } else {
          out.push_back(symbols[i]);
        }
      }
      symbols = std::move(out);
    }
  }
  return bpe;
}

// A token in the byte-level alphabet, as tokenizer.json spells it.
std::string byte_level(std::string_view raw) {
  std::string out;
  for (char c : raw) out += tokenizer::byte_level::utf8_of_byte(uint8_t(c));
  return out;
}

constexpr size_t kBpeSize = 768;  // 256 bytes + 512 merged tokens
constexpr size_t kSpecialCount = 256;
// Offsets of Llama 3's special tokens from the first (128000 there).
constexpr size_t kBeginOfText = 0;
constexpr size_t kEndOfText = 1;
constexpr size_t kEomId = 8;
constexpr size_t kEotId = 9;

// Llama 3's special tokens by offset from the first; the others are reserved.
std::vector<std::string> special_tokens() {
  const std::map<size_t, std::string> named = {
      {kBeginOfText, "<|begin_of_text|>"}, {kEndOfText, "<|end_of_text|>"}, {4, "<|finetune_right_pad_id|>"},
      {6, "<|start_header_id|>"},          {7, "<|end_header_id|>"},        {kEomId, "<|eom_id|>"},
      {kEotId, "<|eot_id|>"},              {10, "<|python_tag|>"}};
  std::vector<std::string> tokens;
  size_t reserved = 0;
  for (size_t offset = 0; offset < kSpecialCount; ++offset) {
    auto it = named.find(offset);
    tokens.push_back(it != named.end() ? it->second : "<|reserved_special_token_" + std::to_string(reserved++) + "|>");
  }
  return tokens;
}

// Llama 3.2 Instruct's chat template without its tool calling and date preamble: header ids, the
// content trimmed (strings or lists of text parts), <|eot_id|> after each message.
constexpr std::string_view kChatTemplate =
    "{{- bos_token }}\n"
    "{%- for message in messages %}\n"
    "    {{- '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n' }}\n"
    "    {%- if message['content'] is string %}\n"
    "        {{- message['content'] | trim }}\n"
    "    {%- else %}\n"
    "        {%- for content in message['content'] %}\n"
    "            {%- if content['type'] == 'text' %}\n"
    "                {{- content['text'] | trim }}\n"
    "            {%- endif %}\n"
    "        {%- endfor %}\n"
    "    {%- endif %}\n"
    "    {{- '<|eot_id|>' }}\n"
    "{%- endfor %}\n"
    "{%- if add_generation_prompt %}\n"
    "    {{- '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}\n"
    "{%- endif %}\n";

constexpr std::string_view kSplitPattern =
    R"re((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)re";

bj::object byte_level_component(bool add_prefix_space, bool trim_offsets, bool use_regex) {
  return {{"type", "ByteLevel"}, {"add_prefix_space", add_prefix_space}, {"trim_offsets", trim_offsets},
          {"use_regex", use_regex}};
}

// An AddedToken as special_tokens_map.json spells it; `special` adds what tokenizer.json and
// tokenizer_config.json also say.
bj::object added_token(std::string_view content, bool special = true) {
  bj::object token{{"content", content}, {"lstrip", false}, {"normalized", false}, {"rstrip", false}, {"single_word", false}};
  if (special) token["special"] = true;
  return token;
}

std::string tokenizer_json(const Bpe& bpe, const std::vector<std::string>& specials) {
  const uint32_t first_special = uint32_t(bpe.vocab.size());
  bj::array added;
  for (size_t i = 0; i < specials.size(); ++i) {
    bj::object token{{"id", first_special + i}};
    for (const auto& field : added_token(specials[i])) token.emplace(field.key(), field.value());
    added.push_back(std::move(token));
  }
  bj::object vocab;
  for (size_t id = 0; id < bpe.vocab.size(); ++id) vocab[byte_level(bpe.vocab[id])] = id;
  bj::array merges;
  for (auto [left, right] : bpe.merges) {
    merges.emplace_back(byte_level(bpe.vocab[left]) + " " + byte_level(bpe.vocab[right]));
  }

  const std::string& bos = specials[kBeginOfText];
  auto piece = [](std::string_view kind, std::string_view id, int type_id) {
    return bj::object{{kind, {{"id", id}, {"type_id", type_id}}}};
  };
  auto special = [&](int type_id) { return piece("SpecialToken", bos, type_id); };
  auto sequence = [&](std::string_view id, int type_id) { return piece("Sequence", id, type_id); };
  bj::object template_processing{
      {"type", "TemplateProcessing"},
      {"single", bj::array{special(0), sequence("A", 0)}},
      {"pair", bj::array{special(0), sequence("A", 0), special(1), sequence("B", 1)}},
      {"special_tokens", {{bos, {{"id", bos}, {"ids", bj::array{first_special}}, {"tokens", bj::array{bos}}}}}}};
  bj::object split{{"type", "Split"}, {"pattern", {{"Regex", kSplitPattern}}}, {"behavior", "Isolated"}, {"invert", false}};
  bj::object root{
      {"version", "1.0"},
      {"truncation", nullptr},
      {"padding", nullptr},
      {"added_tokens", std::move(added)},
      {"normalizer", nullptr},
      {"pre_tokenizer",
       {{"type", "Sequence"},
        {"pretokenizers", bj::array{std::move(split), byte_level_component(false, true, false)}}}},
      {"post_processor",
       {{"type", "Sequence"},
        {"processors", bj::array{byte_level_component(true, false, true), std::move(template_processing)}}}},
      {"decoder", byte_level_component(true, true, true)},
      {"model",
       {{"type", "BPE"}, {"dropout", nullptr}, {"unk_token", nullptr}, {"continuing_subword_prefix", nullptr},
        {"end_of_word_suffix", nullptr}, {"fuse_unk", false}, {"byte_fallback", false}, {"ignore_merges", true},
        {"vocab", std::move(vocab)}, {"merges", std::move(merges)}}}};
  return json::serialize(root) + "\n";
}

std::string tokenizer_config_json(uint32_t first_special, const std::vector<std::string>& specials) {
  bj::object decoder;
  for (size_t i = 0; i < specials.size(); ++i) decoder[std::to_string(first_special + i)] = added_token(specials[i]);
  bj::object root{{"added_tokens_decoder", std::move(decoder)},
                  {"bos_token", specials[kBeginOfText]},
                  {"chat_template", kChatTemplate},
                  {"clean_up_tokenization_spaces", true},
                  {"eos_token", specials[kEotId]},
                  {"model_input_names", bj::array{"input_ids", "attention_mask"}},
                  {"model_max_length", 131072},
                  {"tokenizer_class", "PreTrainedTokenizerFast"}};
  return json::serialize(root) + "\n";
}

std::string special_tokens_map_json(const std::vector<std::string>& specials) {
  return json::serialize(bj::object{{"bos_token", added_token(specials[kBeginOfText], false)},
                                    {"eos_token", added_token(specials[kEotId], false)}}) +
         "\n";
}

}  // namespace

TokenizerFiles make_tokenizer_files() {
  Bpe bpe = train(kTrainingText, kBpeSize);
  std::vector<std::string> specials = special_tokens();
  const auto first = int64_t(bpe.vocab.size());
  TokenizerFiles files;
  files.tokenizer_json = tokenizer_json(bpe, specials);
  files.tokenizer_config_json = tokenizer_config_json(uint32_t(first), specials);
  files.special_tokens_map_json = special_tokens_map_json(specials);
  files.vocab_size = first + int64_t(specials.size());
  files.bos_token_id = first + int64_t(kBeginOfText);
  files.eos_token_ids[0] = first + int64_t(kEndOfText);
  files.eos_token_ids[1] = first + int64_t(kEomId);
  files.eos_token_ids[2] = first + int64_t(kEotId);
  for (size_t i = 0; i < specials.size(); ++i) {
    if (specials[i].starts_with("<|reserved_special_token_")) files.reserved_token_ids.push_back(first + int64_t(i));
  }
  return files;
}

}  // namespace gatehouse::cli::demo
