// gatehouse detokenize: ids -> text, one-shot (ids as arguments) or batch (--jsonl).
#include <boost/json.hpp>
#include <cstdio>

#include "base/error.h"
#include "cli/commands.h"
#include "cli/line_io.h"
#include "cli/tokenizer_loader.h"
#include "tokenizer/decode_stream.h"

namespace gatehouse::cli {
namespace {

struct DetokenizeOptions {
  std::string tokenizer;
  std::vector<int64_t> ids;
  bool skip_special_tokens = false;
  bool jsonl = false;
  bool stream = false;
};

std::vector<uint32_t> ids_from_json(const boost::json::value& value, const json::JsonPath& path) {
  const boost::json::array& list = json::as_array(value, path);
  std::vector<uint32_t> ids;
  ids.reserve(list.size());
  for (size_t i = 0; i < list.size(); ++i) {
    int64_t id = json::as_int(list[i], path[i]);
    if (id < 0 || id > int64_t(UINT32_MAX)) {
      throw Error(ErrorCode::invalid_argument, path[i].str() + " is not a valid token id: " + std::to_string(id));
    }
    ids.push_back(uint32_t(id));
  }
  return ids;
}

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
    return boost::json::serialize(detokenize(tok, ids_from_json(value, json::JsonPath(document)), options));
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
      boost::json::array list(options->ids.begin(), options->ids.end());
      boost::json::value result = detokenize(tok, ids_from_json(list, json::JsonPath("ids")), *options);
      write_out((result.is_string() ? std::string(result.as_string()) : boost::json::serialize(result)) + "\n");
      return 0;
    };
  });
}

}  // namespace gatehouse::cli
