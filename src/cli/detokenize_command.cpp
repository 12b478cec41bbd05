// gatehouse detokenize: ids -> text, one-shot (ids as arguments) or batch (--jsonl).
#include <boost/json.hpp>
#include <cstdio>

#include "base/error.h"
#include "cli/commands.h"
#include "cli/line_io.h"
#include "cli/tokenizer_loader.h"
#include "tokenizer/decode_stream.h"
#include "tokenizer/token_ids.h"

namespace gatehouse::cli {
namespace {

struct DetokenizeOptions {
  std::string tokenizer;
  std::vector<std::string> ids;
  bool skip_special_tokens = false;
  bool jsonl = false;
  bool stream = false;
};

// The result for one id list: the decoded text, or with --stream the list of pieces a streaming
// client would receive one id at a time.
boost::json::value detokenize(const tokenizer::Tokenizer& tok, const std::vector<uint32_t>& ids,
                              const DetokenizeOptions& options) {
  if (!options.stream) return boost::json::value(tok.decode(ids, options.skip_special_tokens));
  tokenizer::DecodeStream stream(tok, options.skip_special_tokens);
  boost::json::array pieces;
  for (uint32_t id : ids) {
    if (auto piece = stream.step(id)) pieces.emplace_back(*piece);
  }
  if (std::string rest = stream.finish(); !rest.empty()) pieces.emplace_back(rest);
  return pieces;
}

int run_jsonl(const tokenizer::Tokenizer& tok, const DetokenizeOptions& options) {
  return run_jsonl_lines([&](std::string& line, const std::string& document) {
    boost::json::value value = json::parse(line, document);
    return boost::json::serialize(detokenize(tok, tokenizer::token_ids_from_json(value, document + ": ids", tok.vocab_size()), options));
  });
}

}  // namespace

void add_detokenize_command(CLI::App& app, Handler& handler) {
  auto options = std::make_shared<DetokenizeOptions>();
  CLI::App* command = app.add_subcommand("detokenize", "Decode token ids to text");
  command->add_option("--tokenizer", options->tokenizer, "Folder with tokenizer.json")->required();
  command->add_option("ids", options->ids, "Token ids");
  command->add_flag("--skip-special-tokens", options->skip_special_tokens, "Leave special tokens out of the text");
  command->add_flag("--jsonl", options->jsonl, "Batch: one JSON array of ids per stdin line, one JSON string per output line");
  command->add_flag("--stream", options->stream,
                    "Decode one id at a time as a streaming server does; print the pieces as a JSON array");
  command->callback([options, &handler] {
    handler = [options] {
      tokenizer::Tokenizer tok = load_tokenizer(options->tokenizer);
      if (options->jsonl) return run_jsonl(tok, *options);
      boost::json::value result = detokenize(tok, tokenizer::token_ids_from_text(options->ids, "ids", tok.vocab_size()), *options);
      write_out((result.is_string() ? std::string(result.as_string()) : boost::json::serialize(result)) + "\n");
      return 0;
    };
  });
}

}  // namespace gatehouse::cli
