// gatehouse detokenize: ids -> text, one-shot (ids as arguments) or batch (--jsonl).
#include <boost/json.hpp>
#include <charconv>
#include <cmath>
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
  std::vector<std::string> ids;
  bool skip_special_tokens = false;
  bool jsonl = false;
  bool stream = false;
};

// One id checked against the vocabulary. `shown` is the value as the user wrote it, for the
// message; `number` says whether it is a whole number, and `id` is empty when it does not fit 64
// bits.
uint32_t vocabulary_id(std::optional<int64_t> id, bool number, const std::string& shown, const std::string& where, size_t vocab_size) {
  const std::string range = "token ids are whole numbers from 0 to " + std::to_string(vocab_size - 1) + " (the vocabulary has " +
                            std::to_string(vocab_size) + " tokens)";
  if (!number) throw Error(ErrorCode::invalid_argument, where + " is " + shown + ", not a token id: " + range);
  if (!id || *id < 0 || static_cast<uint64_t>(*id) >= vocab_size) {
    throw Error(ErrorCode::invalid_argument, where + " is " + shown + ", outside the vocabulary: " + range);
  }
  return static_cast<uint32_t>(*id);
}

std::vector<uint32_t> ids_from_text(const std::vector<std::string>& texts, size_t vocab_size) {
  std::vector<uint32_t> ids;
  for (size_t i = 0; i < texts.size(); ++i) {
    const std::string& text = texts[i];
    const size_t digits = text.starts_with('-') ? 1 : 0;
    const bool number = text.size() > digits && text.find_first_not_of("0123456789", digits) == std::string::npos;
    int64_t id = 0;
    const bool fits = number && std::from_chars(text.data(), text.data() + text.size(), id).ec == std::errc();
    const std::string shown = number ? text : "\"" + text + "\"";
    ids.push_back(vocabulary_id(fits ? std::optional(id) : std::nullopt, number, shown, "ids[" + std::to_string(i) + "]", vocab_size));
  }
  return ids;
}

std::vector<uint32_t> ids_from_json(const boost::json::value& value, const json::JsonPath& path, size_t vocab_size) {
  const boost::json::array& list = json::as_array(value, path);
  std::vector<uint32_t> ids;
  ids.reserve(list.size());
  for (size_t i = 0; i < list.size(); ++i) {
    const boost::json::value& item = list[i];
    // 2.0 is 2, as JSON written from floats has it; 2.5 is not a whole number.
    const bool whole = item.is_int64() || item.is_uint64() || (item.is_double() && std::nearbyint(item.get_double()) == item.get_double());
    std::optional<int64_t> id;
    if (item.is_int64()) id = item.get_int64();
    if (whole && item.is_double() && std::abs(item.get_double()) < 9e18) id = static_cast<int64_t>(item.get_double());
    ids.push_back(vocabulary_id(id, whole, boost::json::serialize(item), path[i].str(), vocab_size));
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
    return boost::json::serialize(detokenize(tok, ids_from_json(value, json::JsonPath(document), tok.vocab_size()), options));
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
      boost::json::value result = detokenize(tok, ids_from_text(options->ids, tok.vocab_size()), *options);
      write_out((result.is_string() ? std::string(result.as_string()) : boost::json::serialize(result)) + "\n");
      return 0;
    };
  });
}

}  // namespace gatehouse::cli
