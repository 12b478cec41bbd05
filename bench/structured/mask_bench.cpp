// Structured output's cost per token, on a real vocabulary: how long the grammar takes to compile,
// and how long one token mask takes while a JSON document is generated under a schema. Sequences
// are random walks through the grammar (a random allowed token each step, with the closing tokens
// of strings and containers favoured so documents end), seeded, so runs are comparable. The first
// walk meets every grammar position for the first time (its masks are computed then and kept);
// the later walks are what a schema used again costs. Prints one JSON line.
// Usage: mask_bench TOKENIZER_FOLDER SCHEMA.json [--walks 200] [--seed 1]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include <boost/json.hpp>

#include "grammar/json_schema.h"
#include "grammar/matcher.h"
#include "tokenizer/token_bytes.h"
#include "tokenizer/tokenizer.h"

namespace {

using namespace gatehouse;
using Clock = std::chrono::steady_clock;

double micros(Clock::duration d) { return std::chrono::duration<double, std::micro>(d).count(); }

double percentile(std::vector<double> values, double p) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  return values[std::min(values.size() - 1, static_cast<size_t>(p * static_cast<double>(values.size())))];
}

boost::json::object summary(const std::vector<double>& values) {
  return {{"count", values.size()}, {"p50_us", percentile(values, 0.5)}, {"p99_us", percentile(values, 0.99)},
          {"max_us", values.empty() ? 0.0 : *std::max_element(values.begin(), values.end())}};
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::cerr << "usage: mask_bench TOKENIZER_FOLDER SCHEMA.json [--walks N] [--seed S]\n";
    return 2;
  }
  int walks = 200;
  uint32_t seed = 1;
  for (int i = 3; i + 1 < argc; i += 2) {
    if (std::string(argv[i]) == "--walks") walks = std::stoi(argv[i + 1]);
    if (std::string(argv[i]) == "--seed") seed = static_cast<uint32_t>(std::stoul(argv[i + 1]));
  }
  const tokenizer::Tokenizer tokenizer = tokenizer::Tokenizer::from_directory(argv[1]);
  std::ifstream file(argv[2]);
  std::stringstream text;
  text << file.rdbuf();
  const boost::json::value schema = boost::json::parse(text.str());

  const int32_t end = static_cast<int32_t>(*tokenizer.token_to_id("<|eot_id|>"));
  auto t0 = Clock::now();
  auto vocabulary = std::make_shared<grammar::TokenVocabulary>(tokenizer::token_bytes(tokenizer), std::vector<int32_t>{end},
                                                               static_cast<int64_t>(tokenizer.vocab_size()));
  auto t1 = Clock::now();
  grammar::Grammar grammar = grammar::compile_json_schema(schema, {.max_whitespace = 20});
  auto compiled = std::make_shared<grammar::CompiledGrammar>(std::move(grammar), vocabulary);
  auto t2 = Clock::now();

  std::vector<int32_t> favoured;
  for (const char* closer : {"\"", "\",", "\"}", "}", "]", "\"]", "},"}) favoured.push_back(static_cast<int32_t>(*tokenizer.token_to_id(closer)));

  std::mt19937 random(seed);
  std::vector<double> cold, warm;
  std::vector<uint32_t> mask;
  int64_t tokens = 0, complete = 0;
  for (int walk = 0; walk < walks; ++walk) {
    grammar::GrammarMatcher matcher(compiled);
    mask.assign(matcher.mask_words(), 0);
    for (int step = 0; step < 400; ++step) {
      auto start = Clock::now();
      matcher.fill_mask(mask);
      (walk == 0 ? cold : warm).push_back(micros(Clock::now() - start));
      std::vector<int32_t> allowed;
      for (size_t w = 0; w < mask.size(); ++w) {
        for (uint32_t bits = mask[w]; bits; bits &= bits - 1) allowed.push_back(static_cast<int32_t>(w * 32 + std::countr_zero(bits)));
      }
      if (allowed.empty()) break;
      int32_t token = allowed[random() % allowed.size()];
      for (int32_t f : favoured) {
        if (std::binary_search(allowed.begin(), allowed.end(), f) && random() % 4 == 0) token = f;
      }
      if (matcher.can_end() && random() % 2 == 0) token = end;
      matcher.accept(token);
      ++tokens;
      if (matcher.ended()) {
        ++complete;
        break;
      }
    }
  }
  boost::json::object out{{"schema", argv[2]},
                          {"vocabulary", tokenizer.vocab_size()},
                          {"vocabulary_build_ms", micros(t1 - t0) / 1000},
                          {"grammar_compile_ms", micros(t2 - t1) / 1000},
                          {"walks", walks},
                          {"complete_documents", complete},
                          {"tokens", tokens},
                          {"first_walk_masks", summary(cold)},
                          {"later_masks", summary(warm)}};
  std::vector<double> all = cold;
  all.insert(all.end(), warm.begin(), warm.end());
  out["all_masks"] = summary(all);
  std::cout << boost::json::serialize(out) << "\n";
}
