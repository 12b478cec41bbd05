// gatehouse bench: the engine's prefill and decode throughput on a checkpoint, beside the memory
// bandwidth roofline for decode (weight bytes read per step / the highest read bandwidth measured
// between the steps of the fastest decode run), in the spirit of llama-bench. Prints one JSON object.
#include <algorithm>
#include <boost/json.hpp>
#include <chrono>
#include <cstdio>
#include <memory>
#include <random>
#include <string>

#include "base/error.h"
#include "cli/commands.h"
#include "cli/engine_flags.h"
#include "cli/tokenizer_loader.h"
#include "engine/engine.h"
#include "engine/memory_bandwidth.h"

namespace gatehouse::cli {
namespace {

namespace bj = boost::json;
using Clock = std::chrono::steady_clock;

struct BenchOptions {
  std::string model;
  EngineFlags engine;
  int64_t prompt_tokens = 128;
  int64_t decode_tokens = 64;
  int64_t batch = 8;
  int repeats = 3;
};

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

std::vector<int32_t> random_prompt(std::mt19937& random, int64_t length, int64_t vocab) {
  std::uniform_int_distribution<int32_t> pick(0, static_cast<int32_t>(std::min<int64_t>(vocab, 32000) - 1));
  std::vector<int32_t> prompt(length);
  for (auto& token : prompt) token = pick(random);
  return prompt;
}

// Best prefill rate over the repeats: one step computes the whole prompt.
double prefill_rate(engine::Engine& engine, const BenchOptions& options, std::mt19937& random) {
  double best = 0;
  for (int r = 0; r < options.repeats; ++r) {
    engine::SamplingParams params;
    params.temperature = 0;
    params.max_tokens = 1;
    engine.add_request({"prefill" + std::to_string(r), random_prompt(random, options.prompt_tokens, engine.config().vocab_size), params});
    const auto start = Clock::now();
    while (engine.has_unfinished()) engine.step();
    best = std::max(best, static_cast<double>(options.prompt_tokens) / seconds_since(start));
  }
  return best;
}

// One timed decode run: tokens per second over all sequences, and the highest and mean read
// bandwidth measured between its steps (0 when not measured).
struct DecodeRun {
  double tok_s = 0;
  double bandwidth = 0;
  double mean_bandwidth = 0;
};

// Decode steps between two bandwidth measurements (each is one pass over 1 GiB, a few decode steps
// of the 1B shape long; the run's timing leaves them out).
constexpr int64_t kStepsPerBandwidthSample = 8;

// One run, timed from the step after every prompt has been prefilled, with `batch` sequences
// decoding together (their request ids start with `name`). With a probe, the read bandwidth is
// measured between steps (outside the timed part) all through the run, so that the roofline
// describes the same minutes of a shared machine as the run it is compared with. The highest
// sample is the limit: the bandwidth swings within a run, and decoding reads faster than the
// samples' mean at its best.
DecodeRun decode_run(engine::Engine& engine, const BenchOptions& options, int64_t batch, std::mt19937& random,
                     const std::string& name, engine::ReadBandwidthProbe* probe = nullptr) {
  engine::SamplingParams params;
  params.temperature = 0;
  params.ignore_eos = true;
  params.max_tokens = options.decode_tokens + 1;
  for (int64_t i = 0; i < batch; ++i) {
    engine.add_request({name + "." + std::to_string(i), random_prompt(random, 16, engine.config().vocab_size), params});
  }
  int64_t first_tokens = 0;
  while (first_tokens < batch) first_tokens += static_cast<int64_t>(engine.step().size());
  double seconds = 0, bandwidth = 0, bandwidth_sum = 0;
  int64_t tokens = 0, steps = 0, samples = 0;
  while (engine.has_unfinished()) {
    if (probe != nullptr && steps % kStepsPerBandwidthSample == 0) {
      const double sample = probe->measure();
      bandwidth = std::max(bandwidth, sample);
      bandwidth_sum += sample;
      ++samples;
    }
    const auto start = Clock::now();
    for (const auto& update : engine.step()) tokens += static_cast<int64_t>(update.new_tokens.size());
    seconds += seconds_since(start);
    ++steps;
  }
  return {static_cast<double>(tokens) / seconds, bandwidth,
          samples > 0 ? bandwidth_sum / static_cast<double>(samples) : 0};
}

int run_bench(const BenchOptions& options) {
  engine::EngineOptions engine_options = options.engine.resolve();
  engine_options.prefix_caching = false;  // every repeat must compute its prompt
  engine_options.max_model_len = std::max<int64_t>(options.prompt_tokens, 16) + options.decode_tokens + 16;
  engine_options.max_num_seqs = std::max<int64_t>(options.batch, 1);
  engine::Engine engine(model_folder(options.model, {"*.json", "*.safetensors"}), engine_options);
  std::mt19937 random(1234);
  // Touch every weight once so the page cache and the mapping are warm.
  BenchOptions warm_up = options;
  warm_up.decode_tokens = 2;
  decode_run(engine, warm_up, 1, random, "warm-up");

  engine::ReadBandwidthProbe probe(engine.threads());
  const double prefill = prefill_rate(engine, options, random);
  // Runs at batch 1 and at `batch` alternate, so that both figures, and their ratio, come from the
  // same minutes of a shared machine; each keeps its fastest run.
  DecodeRun decode;
  double decode_batch = 0;
  for (int r = 0; r < options.repeats; ++r) {
    const DecodeRun one = decode_run(engine, options, 1, random, "decode" + std::to_string(r), &probe);
    if (one.tok_s > decode.tok_s) decode = one;
    decode_batch = std::max(decode_batch,
                            decode_run(engine, options, options.batch, random, "batch" + std::to_string(r)).tok_s);
  }
  const double decode1 = decode.tok_s;
  const double bandwidth = decode.bandwidth;
  const double roofline = bandwidth / static_cast<double>(engine.weight_bytes());
  bj::object result{{"model", options.model},
                    {"threads", engine.threads()},
                    {"quantization", options.engine.quantization.empty() ? "none" : options.engine.quantization},
                    {"weights", engine.weights_resident() ? "memory" : "mmap"},
                    {"weight_bytes", engine.weight_bytes()},
                    {"read_bandwidth_gbs", bandwidth / 1e9},
                    {"mean_read_bandwidth_gbs", decode.mean_bandwidth / 1e9},
                    {"prefill_tokens", options.prompt_tokens},
                    {"prefill_tok_s", prefill},
                    {"decode_tok_s", decode1},
                    {"roofline_tok_s", roofline},
                    {"decode_roofline_fraction", decode1 / roofline},
                    {"decode_mean_bandwidth_fraction",
                     decode1 * static_cast<double>(engine.weight_bytes()) / decode.mean_bandwidth},
                    {"batch", options.batch},
                    {"batch_decode_tok_s", decode_batch},
                    {"batch_speedup", decode_batch / decode1}};
  std::puts(bj::serialize(result).c_str());
  return 0;
}

}  // namespace

void add_bench_command(CLI::App& app, Handler& handler) {
  auto options = std::make_shared<BenchOptions>();
  CLI::App* command = app.add_subcommand("bench", "Measure prefill and decode speed on a checkpoint");
  command->add_option("--model", options->model, "Checkpoint folder or Hub repo id")->required();
  add_engine_flags(*command, options->engine);
  command->add_option("--prompt-tokens", options->prompt_tokens, "Prompt length for the prefill figure");
  command->add_option("--decode-tokens", options->decode_tokens, "Tokens decoded per sequence");
  command->add_option("--batch", options->batch, "Sequences decoding together for the batch figure");
  command->add_option("--repeats", options->repeats, "Runs per figure; the best is reported");
  command->callback([&handler, options] { handler = [options] { return run_bench(*options); }; });
}

}  // namespace gatehouse::cli
