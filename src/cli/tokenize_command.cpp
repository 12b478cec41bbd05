// gatehouse tokenize: text -> ids, one-shot, batch (--jsonl) or timed (--bench).
#include <boost/json.hpp>
#include <chrono>
#include <cstdio>

#include "base/error.h"
#include "base/file.h"
#include "base/utf8.h"
#include "cli/commands.h"
#include "cli/line_io.h"
#include "cli/tokenizer_loader.h"

namespace gatehouse::cli {
namespace {

struct TokenizeOptions {
  std::string tokenizer;
  std::string text;
  bool no_special_tokens = false;
  bool jsonl = false;
  std::string invalid_utf8 = "reject";
  std::string bench_file;
  int repeat = 5;
};

// One JSON string per input line -> one JSON array per output line.
int run_jsonl(const tokenizer::Tokenizer& tok, const TokenizeOptions& options, tokenizer::InvalidUtf8 invalid) {
  return run_jsonl_lines([&](std::string& line, const std::string& document) {
    if (invalid == tokenizer::InvalidUtf8::replace) line = utf8::sanitize(line);
    boost::json::value value = json::parse(line, document);
    if (!value.is_string()) {
      throw Error(ErrorCode::invalid_argument,
                  document + ": expected a JSON string, got " + std::string(json::kind_name(value)));
    }
    std::string out;
    append_id_array(out, tok.encode_ids(value.get_string(), !options.no_special_tokens, invalid));
    return out;
  });
}

// Encodes a whole file `repeat` times and prints the best time: what the benchmark measures.
int run_bench(const tokenizer::Tokenizer& tok, const TokenizeOptions& options, tokenizer::InvalidUtf8 invalid) {
  std::string text = files::read_named_input(options.bench_file);
  double best = 1e300;
  size_t tokens = 0;
  for (int i = 0; i < std::max(1, options.repeat); ++i) {
    auto start = std::chrono::steady_clock::now();
    std::vector<uint32_t> ids = tok.encode_ids(text, !options.no_special_tokens, invalid);
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    best = std::min(best, seconds);
    tokens = ids.size();
  }
  boost::json::object result{{"bytes", text.size()}, {"tokens", tokens}, {"seconds", best},
                             {"mb_per_s", double(text.size()) / 1e6 / best}};
  write_out(boost::json::serialize(result) + "\n");
  return 0;
}

}  // namespace

void add_tokenize_command(CLI::App& app, Handler& handler) {
  auto options = std::make_shared<TokenizeOptions>();
  CLI::App* command = app.add_subcommand("tokenize", "Encode text to token ids (prints a JSON array)");
  command->add_option("--tokenizer", options->tokenizer, "Folder with tokenizer.json")->required();
  command->add_option("text", options->text, "Text to encode");
  command->add_flag("--no-special-tokens", options->no_special_tokens, "Do not add special tokens (BOS, ...)");
  command->add_flag("--jsonl", options->jsonl, "Batch: one JSON string per stdin line, one JSON array per output line");
  command->add_option("--invalid-utf8", options->invalid_utf8,
                      "reject (default): invalid UTF-8 is an error; replace: each invalid sequence becomes U+FFFD")
      ->check(CLI::IsMember({"reject", "replace"}));
  command->add_option("--bench", options->bench_file, "Time encoding of this file and print {bytes, tokens, seconds, mb_per_s}");
  command->add_option("--repeat", options->repeat, "Runs for --bench; the best is reported")->check(CLI::PositiveNumber);
  command->callback([options, &handler] {
    handler = [options] {
      tokenizer::Tokenizer tok = load_tokenizer(options->tokenizer);
      auto invalid = options->invalid_utf8 == "replace" ? tokenizer::InvalidUtf8::replace : tokenizer::InvalidUtf8::reject;
      if (!options->bench_file.empty()) return run_bench(tok, *options, invalid);
      if (options->jsonl) return run_jsonl(tok, *options, invalid);
      std::string out;
      append_id_array(out, tok.encode_ids(options->text, !options->no_special_tokens, invalid));
      write_out(out + "\n");
      return 0;
    };
  });
}

}  // namespace gatehouse::cli
