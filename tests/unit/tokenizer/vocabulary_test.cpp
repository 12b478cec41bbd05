// Vocabularies are stored by id: ids must be dense enough that a hostile tokenizer.json cannot make
// us allocate gigabytes with one huge id (found by the tokenizer.json fuzzer).
#include <gtest/gtest.h>

#include <string>

#include "base/error.h"
#include "tokenizer/tokenizer.h"

namespace gatehouse::tokenizer {
namespace {

std::string word_level(const std::string& vocab) {
  return R"({"version":"1.0","model":{"type":"WordLevel","unk_token":"a","vocab":)" + vocab + "}}";
}

TEST(Vocabulary, AHugeIdInASmallVocabularyIsAnErrorNotAnAllocation) {
  try {
    Tokenizer::from_json(word_level(R"({"a":0,"b":55555554})"));
    FAIL() << "accepted";
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), ErrorCode::invalid_argument);
    EXPECT_NE(std::string(error.what()).find("55555554"), std::string::npos) << error.what();
    EXPECT_NE(std::string(error.what()).find("2 entries"), std::string::npos) << error.what();
  }
}

TEST(Vocabulary, SparseIdsBelowTheFloorAreKept) {
  Tokenizer tokenizer = Tokenizer::from_json(word_level(R"({"a":0,"b":1000000})"));
  EXPECT_EQ(tokenizer.token_to_id("b"), 1000000u);
  EXPECT_EQ(tokenizer.id_to_token(1000000), "b");
}

}  // namespace
}  // namespace gatehouse::tokenizer
