// gatehouse generate: one-off generation with the engine, from text (optionally through the chat
// template) or token ids. Several prompts run together, as one continuously batched workload.
#include <boost/json.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>

#include "base/error.h"
#include "base/log.h"
#include "cli/commands.h"
#include "cli/engine_flags.h"
#include "cli/tokenizer_loader.h"
#include "engine/engine.h"
#include "tokenizer/chat_template.h"
#include "tokenizer/decode_stream.h"

namespace gatehouse::cli {
namespace {

namespace bj = boost::json;

struct GenerateOptions {
  std::string model;
  std::vector<std::string> prompts;
  std::vector<std::string> prompt_ids;
  bool chat = false;
  bool json = false;
  engine::SamplingParams sampling;
  std::optional<double> temperature, top_p, min_p, repetition_penalty;
  std::optional<int64_t> top_k;
  std::optional<uint64_t> seed;
  std::optional<int64_t> logprobs, prompt_logprobs;
  std::string stop_token_ids;
  EngineFlags engine;
};

std::vector<int32_t> parse_ids(const std::string& text, const std::string& option) {
  std::vector<int32_t> ids;
  size_t start = 0;
  while (start <= text.size()) {
    const size_t comma = std::min(text.find(',', start), text.size());
    const std::string item = text.substr(start, comma - start);
    try {
      size_t used = 0;
      const long long value = std::stoll(item, &used);
      if (used != item.size() || value < 0 || value > INT32_MAX) throw std::invalid_argument(item);
      ids.push_back(static_cast<int32_t>(value));
    } catch (const std::exception&) {
      throw Error(ErrorCode::invalid_argument, option + " must be comma-separated token ids, got \"" + item + "\"");
    }
    start = comma + 1;
  }
  return ids;
}

// vLLM's order: the request's value, then generation_config.json's, then the built-in default.
void apply_defaults(GenerateOptions& options, const engine::GenerationConfig& defaults) {
  engine::SamplingParams& params = options.sampling;
  params.temperature = options.temperature.value_or(defaults.temperature.value_or(params.temperature));
  params.top_p = options.top_p.value_or(defaults.top_p.value_or(params.top_p));
  params.top_k = options.top_k.value_or(defaults.top_k.value_or(params.top_k));
  params.min_p = options.min_p.value_or(defaults.min_p.value_or(params.min_p));
  params.repetition_penalty = options.repetition_penalty.value_or(defaults.repetition_penalty.value_or(params.repetition_penalty));
  params.seed = options.seed;
  params.logprobs = options.logprobs;
  params.prompt_logprobs = options.prompt_logprobs;
  if (!options.stop_token_ids.empty()) params.stop_token_ids = parse_ids(options.stop_token_ids, "--stop-token-ids");
}

std::vector<std::vector<int32_t>> encode_prompts(const GenerateOptions& options, const std::optional<tokenizer::Tokenizer>& tok) {
  std::vector<std::vector<int32_t>> prompts;
  for (const std::string& ids : options.prompt_ids) prompts.push_back(parse_ids(ids, "--prompt-ids"));
  if (!options.prompts.empty() && !tok) {
    throw Error(ErrorCode::invalid_argument, "the model folder has no tokenizer.json; give --prompt-ids instead of --prompt");
  }
  for (const std::string& text : options.prompts) {
    std::string rendered = text;
    if (options.chat) {
      bj::object request{{"messages", bj::array{bj::object{{"role", "user"}, {"content", text}}}}, {"add_generation_prompt", true}};
      rendered = tokenizer::ChatTemplate::from_config(tok->config(), false).render(request);
    }
    // A chat template writes its own special tokens (BOS included), as vLLM assumes.
    std::vector<uint32_t> ids = tok->encode_ids(rendered, !options.chat);
    prompts.emplace_back(ids.begin(), ids.end());
  }
  if (prompts.empty()) throw Error(ErrorCode::invalid_argument, "give --prompt TEXT or --prompt-ids 1,2,3");
  return prompts;
}

const char* finish_name(engine::FinishReason reason) {
  switch (reason) {
    case engine::FinishReason::stop: return "stop";
    case engine::FinishReason::length: return "length";
    case engine::FinishReason::abort: return "abort";
    case engine::FinishReason::none: break;
  }
  return nullptr;
}

struct Completion {
  std::vector<int32_t> tokens;
  std::vector<engine::SampledToken> logprobs;
  std::vector<engine::SampledToken> prompt_logprobs;
  engine::SequenceUpdate last;
};

bj::array logprobs_json(const std::vector<engine::SampledToken>& entries) {
  bj::array out;
  for (const engine::SampledToken& sampled : entries) {
    bj::array top;
    for (const engine::TokenLogprob& entry : sampled.top) top.push_back(bj::object{{"token_id", entry.token}, {"logprob", entry.logprob}});
    out.push_back(bj::object{{"token_id", sampled.token}, {"logprob", sampled.logprob}, {"rank", sampled.rank}, {"top_logprobs", std::move(top)}});
  }
  return out;
}

bj::object completion_json(size_t prompt_index, const std::vector<int32_t>& prompt, const Completion& completion,
                           const std::optional<tokenizer::Tokenizer>& tok) {
  bj::object line;
  line["prompt_index"] = prompt_index;
  line["index"] = completion.last.index;
  line["prompt_token_ids"] = bj::value_from(prompt);
  line["token_ids"] = bj::value_from(completion.tokens);
  if (tok) {
    line["text"] = tok->decode(std::vector<uint32_t>(completion.tokens.begin(), completion.tokens.end()), true);
  } else {
    line["text"] = nullptr;
  }
  line["finish_reason"] = finish_name(completion.last.finish);
  line["stop_reason"] = completion.last.stop_token ? bj::value(*completion.last.stop_token) : bj::value(nullptr);
  if (!completion.logprobs.empty()) line["logprobs"] = logprobs_json(completion.logprobs);
  if (!completion.prompt_logprobs.empty()) line["prompt_logprobs"] = logprobs_json(completion.prompt_logprobs);
  return line;
}

int run_generate(GenerateOptions& options) {
  const std::filesystem::path folder = model_folder(options.model, kModelFiles);
  std::optional<tokenizer::Tokenizer> tok;
  if (std::filesystem::exists(folder / "tokenizer.json")) tok = tokenizer::Tokenizer::from_directory(folder);
  const std::vector<std::vector<int32_t>> prompts = encode_prompts(options, tok);

  engine::Engine engine(folder, options.engine.resolve());
  apply_defaults(options, engine.generation_config());

  for (size_t i = 0; i < prompts.size(); ++i) engine.add_request({std::to_string(i), prompts[i], options.sampling});

  // One prompt and one sample in plain text: stream the text as it comes.
  const bool stream = !options.json && tok && prompts.size() == 1 && options.sampling.n == 1;
  std::optional<tokenizer::DecodeStream> decoder;
  if (stream) decoder.emplace(*tok, true);

  std::map<std::pair<size_t, int64_t>, Completion> completions;
  const auto start = std::chrono::steady_clock::now();
  std::optional<std::chrono::steady_clock::time_point> first_token;
  int64_t generated = 0;
  while (engine.has_unfinished()) {
    for (engine::SequenceUpdate& update : engine.step()) {
      if (!first_token) first_token = std::chrono::steady_clock::now();
      Completion& completion = completions[{std::stoul(update.request_id), update.index}];
      for (size_t t = 0; t < update.new_tokens.size(); ++t) {
        completion.tokens.push_back(update.new_tokens[t]);
        ++generated;
        if (decoder) {
          if (auto text = decoder->step(static_cast<uint32_t>(update.new_tokens[t]))) std::fputs(text->c_str(), stdout);
          std::fflush(stdout);
        }
      }
      for (auto& sampled : update.new_logprobs) completion.logprobs.push_back(std::move(sampled));
      if (!update.prompt_logprobs.empty()) completion.prompt_logprobs = std::move(update.prompt_logprobs);
      completion.last = std::move(update);
    }
  }
  const auto end = std::chrono::steady_clock::now();

  if (decoder) {
    std::fputs((decoder->finish() + "\n").c_str(), stdout);
  } else {
    for (const auto& [key, completion] : completions) {
      if (options.json) {
        std::puts(bj::serialize(completion_json(key.first, prompts[key.first], completion, tok)).c_str());
      } else {
        std::printf("[prompt %zu, sample %lld]\n%s\n", key.first, static_cast<long long>(key.second),
                    tok ? tok->decode(std::vector<uint32_t>(completion.tokens.begin(), completion.tokens.end()), true).c_str() : "");
      }
    }
  }
  std::fflush(stdout);
  const double prefill = std::chrono::duration<double>(*first_token - start).count();
  const double decode = std::chrono::duration<double>(end - *first_token).count();
  int64_t prompt_tokens = 0;
  for (const auto& prompt : prompts) prompt_tokens += static_cast<int64_t>(prompt.size());
  GH_LOG(info) << "generate: " << prompt_tokens << " prompt tokens in " << prefill << " s, " << generated
               << " tokens generated in " << prefill + decode << " s ("
               << (decode > 0 ? static_cast<double>(generated - static_cast<int64_t>(completions.size())) / decode : 0.0)
               << " tok/s after the first), " << engine.stats().preemptions << " preemptions";
  return 0;
}

}  // namespace

void add_generate_command(CLI::App& app, Handler& handler) {
  auto options = std::make_shared<GenerateOptions>();
  CLI::App* command = app.add_subcommand("generate", "Generate text with a model (a local folder or a Hub repo)");
  command->add_option("--model", options->model, "Checkpoint folder or Hub repo id")->required();
  command->add_option("--prompt", options->prompts, "Prompt text (repeat for several prompts run together)");
  command->add_option("--prompt-ids", options->prompt_ids, "Prompt as comma-separated token ids (repeatable)");
  command->add_flag("--chat", options->chat, "Treat each prompt as a user message and apply the chat template");
  command->add_flag("--json", options->json, "Print one JSON object per sequence (token ids, text, logprobs)");
  command->add_option("--max-tokens", options->sampling.max_tokens, "Tokens to generate at most (default 16)");
  command->add_option("--min-tokens", options->sampling.min_tokens, "Tokens to generate before EOS may end");
  command->add_option("--n", options->sampling.n, "Sequences per prompt");
  command->add_option("--temperature", options->temperature, "0 for greedy (default: generation_config.json, else 1)");
  command->add_option("--top-k", options->top_k, "Keep the k most likely tokens (0: off)");
  command->add_option("--top-p", options->top_p, "Nucleus sampling threshold");
  command->add_option("--min-p", options->min_p, "Drop tokens less likely than min_p times the most likely");
  command->add_option("--repetition-penalty", options->repetition_penalty, "Penalty for tokens of prompt and output");
  command->add_option("--frequency-penalty", options->sampling.frequency_penalty, "Penalty per occurrence in the output");
  command->add_option("--presence-penalty", options->sampling.presence_penalty, "Penalty for tokens in the output");
  command->add_option("--seed", options->seed, "Seed for reproducible sampling");
  command->add_option("--logprobs", options->logprobs, "Log-probabilities of this many top tokens per step (with --json)");
  command->add_option("--prompt-logprobs", options->prompt_logprobs,
                      "Log-probabilities of each prompt token after the first, with this many top tokens (with --json)");
  command->add_option("--stop-token-ids", options->stop_token_ids, "Comma-separated token ids that end generation");
  command->add_flag("--ignore-eos", options->sampling.ignore_eos, "Keep generating after the end-of-sequence token");
  add_engine_flags(*command, options->engine);
  options->sampling.max_tokens = 16;
  command->callback([&handler, options] { handler = [options] { return run_generate(*options); }; });
}

}  // namespace gatehouse::cli
