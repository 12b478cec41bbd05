// gatehouse serve: the OpenAI (vLLM-compatible) and TGI server over the engine. It takes vLLM's
// flags, so recipes written for the vllm/vllm-openai image run unchanged; GPU-only flags are
// accepted and mapped or ignored as docs/serve.md lists.
#include <malloc.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <optional>

#include "api/error_envelope.h"
#include "base/error.h"
#include "base/file.h"
#include "base/json.h"
#include "base/log.h"
#include "cli/commands.h"
#include "cli/engine_flags.h"
#include "cli/secret_options.h"
#include "cli/serve_until_signal.h"
#include "cli/tokenizer_loader.h"
#include "engine/engine.h"
#include "http/cors.h"
#include "serve/api_server.h"
#include "serve/engine_loop.h"
#include "serve/reasoning/reasoning_parser.h"
#include "serve/tool_parsers/tool_parser.h"

namespace gatehouse::cli {
namespace {

struct ServeOptions {
  std::string model;
  std::vector<std::string> served_model_names;
  std::string host = "0.0.0.0";
  uint16_t port = 8000;
  std::vector<std::string> api_keys;
  std::string revision = "main";
  std::string download_dir;
  std::optional<std::string> hf_token;
  std::string tokenizer;
  std::string chat_template;
  std::string generation_config = "auto";
  std::string dtype = "auto";
  std::string kv_cache_dtype = "auto";
  std::string load_format = "auto";
  std::optional<uint64_t> seed;
  int64_t tensor_parallel_size = 1;
  int64_t pipeline_parallel_size = 1;
  int64_t max_pending_requests = 1024;
  int http_threads = 2;
  size_t max_body_bytes = 16u << 20;
  size_t max_prompt_bytes = serve::kDefaultMaxPromptBytes;
  bool return_tokens_as_token_ids = false;
  bool enable_prompt_tokens_details = false;
  bool enable_auto_tool_choice = false;
  std::string tool_call_parser;
  bool exclude_tools_when_tool_choice_none = false;
  std::string reasoning_parser;
  std::string structured_outputs_config;  // JSON, vLLM's --structured-outputs-config
  bool trust_request_chat_template = false;
  bool no_enable_prefix_caching = false;
  std::string allowed_origins = R"(["*"])", allowed_methods = R"(["*"])", allowed_headers = R"(["*"])";
  bool allow_credentials = false;
  EngineFlags engine;
};

// Flags of vLLM that mean nothing on this CPU engine: accepted so recipes run, and logged.
const std::vector<std::string> kIgnoredFlags = {
    "--gpu-memory-utilization", "--swap-space",        "--cpu-offload-gb",     "--device",
    "--distributed-executor-backend", "--uvicorn-log-level", "--max-log-len",
    "--chat-template-content-format", "--response-role", "--max-seq-len-to-capture",
    "--enable-chunked-prefill", "--tokenizer-mode",    "--code-revision",      "--tokenizer-revision",
    "--hf-overrides",           "--root-path"};
const std::vector<std::string> kIgnoredSwitches = {"--enforce-eager", "--disable-log-stats", "--disable-log-requests",
                                                   "--disable-fastapi-docs", "--enable-prefix-caching",
                                                   "--disable-custom-all-reduce", "--enable-request-id-headers",
                                                   "--trust-remote-code"};

std::string joined(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& name : names) out += (out.empty() ? "" : ", ") + name;
  return out;
}

std::string read_chat_template(const std::string& value) {
  std::error_code ec;
  if (std::filesystem::exists(value, ec)) return files::read_named_input(value, files::kConfigFileLimit);
  // vLLM also takes the template itself; a value without any Jinja in it was a missing file.
  if (value.find("{{") == std::string::npos && value.find("{%") == std::string::npos) {
    throw Error(ErrorCode::not_found, "--chat-template: no such file: " + value);
  }
  return value;
}

// vLLM's CORS flags take JSON lists of strings: --allowed-origins '["https://app.example"]'.
std::vector<std::string> json_strings(const std::string& flag, const std::string& text) {
  const boost::json::value value = json::parse(text, flag);
  std::vector<std::string> out;
  if (value.is_array()) {
    for (const boost::json::value& item : value.get_array()) {
      if (item.is_string()) out.emplace_back(item.get_string());
    }
  }
  if (!value.is_array() || out.size() != value.get_array().size()) {
    throw Error(ErrorCode::invalid_argument, flag + ": expected a JSON list of strings, such as '[\"https://app.example\"]' or '[\"*\"]'");
  }
  return out;
}

int run_serve(ServeOptions& options) {
  // Unlike the CLI's one-shot tools (main), a server must give memory back after a large request:
  // blocks of 1 MiB or more (bodies, long prompts) are mapped and unmapped on their own.
  mallopt(M_MMAP_THRESHOLD, 1 << 20);
  mallopt(M_TRIM_THRESHOLD, 32 << 20);
  block_stop_signals();  // before the engine's threads start, so that SIGTERM stops the server cleanly
  http::CorsOptions cors{.allowed_origins = json_strings("--allowed-origins", options.allowed_origins),
                         .allowed_methods = json_strings("--allowed-methods", options.allowed_methods),
                         .allowed_headers = json_strings("--allowed-headers", options.allowed_headers),
                         .allow_credentials = options.allow_credentials};
  if (options.tensor_parallel_size != 1 || options.pipeline_parallel_size != 1) {
    throw Error(ErrorCode::invalid_argument, "--tensor-parallel-size and --pipeline-parallel-size must be 1: this engine runs on one CPU");
  }
  if (options.kv_cache_dtype != "auto") {
    throw Error(ErrorCode::invalid_argument, "--kv-cache-dtype " + options.kv_cache_dtype + " is not supported; the KV cache is float32 (auto)");
  }
  if (options.load_format != "auto" && options.load_format != "safetensors") {
    throw Error(ErrorCode::invalid_argument, "--load-format " + options.load_format + " is not supported; checkpoints load from safetensors");
  }
  if (options.dtype != "auto") {
    GH_LOG(warn) << "--dtype " << options.dtype << ": weights run in the dtype they are stored in (or --quantization); the flag is accepted for vLLM compatibility";
  }
  if (options.seed) {
    GH_LOG(info) << "--seed: accepted; requests give their own seed for reproducible sampling";
  }
  // Parser names are checked before anything loads; unknown ones are errors listing the known.
  std::shared_ptr<const serve::ToolParser> tool_parser;
  if (options.enable_auto_tool_choice && options.tool_call_parser.empty()) {
    throw Error(ErrorCode::invalid_argument, "--enable-auto-tool-choice requires --tool-call-parser");
  }
  if (!options.tool_call_parser.empty()) {
    tool_parser = serve::make_tool_parser(options.tool_call_parser);
    if (!options.enable_auto_tool_choice) {
      GH_LOG(warn) << "--tool-call-parser " << options.tool_call_parser << ": unused without --enable-auto-tool-choice (as in vLLM)";
      tool_parser.reset();
    }
  }
  std::shared_ptr<const serve::ReasoningParser> reasoning_parser;
  if (!options.reasoning_parser.empty()) reasoning_parser = serve::make_reasoning_parser(options.reasoning_parser);
  if (const char* key = std::getenv("VLLM_API_KEY"); key && *key && options.api_keys.empty()) options.api_keys.emplace_back(key);

  HubSource hub{.revision = options.revision, .cache_dir = options.download_dir, .token = options.hf_token};
  options.hf_token.reset();
  const std::filesystem::path folder = model_folder(options.model, kModelFiles, hub);
  hub.revision = "main";
  const std::filesystem::path tokenizer_folder = options.tokenizer.empty() ? folder : model_folder(options.tokenizer, kTokenizerFiles, hub);
  const tokenizer::Tokenizer tokenizer = tokenizer::Tokenizer::from_directory(tokenizer_folder);

  engine::EngineOptions engine_options = options.engine.resolve();
  if (options.no_enable_prefix_caching) engine_options.prefix_caching = false;
  engine::Engine engine(folder, engine_options);

  serve::ServedModel model;
  model.names = options.served_model_names.empty() ? std::vector<std::string>{options.model} : options.served_model_names;
  model.root = options.model;
  if (folder.parent_path().filename() == "snapshots") model.revision = folder.filename().string();
  model.tokenizer = &tokenizer;
  if (!options.chat_template.empty()) {
    model.chat_template.emplace(read_chat_template(options.chat_template), tokenizer.config());
  } else if (tokenizer.config().chat_template()) {
    model.chat_template = tokenizer::ChatTemplate::from_config(tokenizer.config(), false);
  }
  if (options.generation_config == "auto") {
    model.defaults = engine.generation_config();
  } else if (options.generation_config != "vllm") {
    model.defaults = engine::GenerationConfig::load(options.generation_config);
  }
  model.defaults.eos_token_ids.clear();
  model.max_model_len = engine.max_model_len();
  model.vocab_size = engine.config().vocab_size;
  model.max_num_seqs = engine_options.max_num_seqs;
  model.max_prompt_bytes = options.max_prompt_bytes;
  model.return_tokens_as_token_ids = options.return_tokens_as_token_ids;
  model.enable_prompt_tokens_details = options.enable_prompt_tokens_details;
  model.trust_request_chat_template = options.trust_request_chat_template;
  model.tool_parser = std::move(tool_parser);
  model.exclude_tools_when_tool_choice_none = options.exclude_tools_when_tool_choice_none;
  model.reasoning_parser = std::move(reasoning_parser);
  std::vector<int32_t> end_tokens;
  for (int64_t id : engine.config().eos_token_ids) end_tokens.push_back(static_cast<int32_t>(id));
  for (int64_t id : engine.generation_config().eos_token_ids) end_tokens.push_back(static_cast<int32_t>(id));
  model.output_constraints = std::make_shared<serve::OutputConstraints>(
      tokenizer, std::move(end_tokens), model.vocab_size, serve::read_structured_outputs_config(options.structured_outputs_config));

  serve::Metrics metrics(model.name(), model.max_model_len);
  auto loop = std::make_unique<serve::EngineLoop>(engine, metrics, options.max_pending_requests);
  model.loop = loop.get();
  model.metrics = &metrics;
  std::vector<SecretString> keys;
  for (std::string& key : options.api_keys) keys.emplace_back(std::move(key));
  options.api_keys.clear();
  const bool with_keys = !keys.empty();
  serve::ApiServer api(model, std::move(keys));

  http::ServerOptions server_options;
  server_options.host = options.host;
  server_options.port = options.port;
  server_options.threads = options.http_threads;
  server_options.max_body_bytes = options.max_body_bytes;
  server_options.max_body_flag = "--max-body-bytes";
  server_options.error_response = [](int status, const std::string& message) {
    return api::openai_error_response(status, message);
  };
  server_options.cors = std::make_shared<http::CorsPolicy>(std::move(cors));
  http::Server server(server_options, [&api](const http::Request& request) { return api.handle(request); });

  GH_LOG(info) << "serve: " << options.model << " from " << folder.string() << ": " << engine.config().architecture_name << ", "
               << engine.weight_bytes() / (1 << 20) << " MiB of weights" << (engine.weights_resident() ? " in memory" : " mapped")
               << ", " << engine.threads() << " threads, max_model_len " << model.max_model_len
               << (model.chat_template ? "" : ", no chat template") << (with_keys ? ", API key required" : "");
  // Tests and scripts read the address from this line.
  std::printf("listening on http://%s:%u\n", options.host.c_str(), unsigned(server.port()));
  std::fflush(stdout);
  serve_until_signal(server);
  // The loop goes first: it fails the requests still in flight, and their answers wake sessions
  // on the server's (stopped, still existing) io_context.
  loop.reset();
  return 0;
}

}  // namespace

void add_serve_command(CLI::App& app, Handler& handler) {
  auto options = std::make_shared<ServeOptions>();
  CLI::App* command = app.add_subcommand("serve", "Serve a model with vLLM's OpenAI API and TGI's API");
  command->add_option("model_tag", options->model, "Checkpoint folder or Hub repo id (or --model)");
  command->add_option("--model", options->model, "Checkpoint folder or Hub repo id");
  command->add_option("--served-model-name", options->served_model_names, "Names the API answers to (the first is reported)");
  command->add_option("--host", options->host, "Address to listen on (default: all interfaces)");
  command->add_option("--port", options->port, "Port to listen on (default 8000; 0: any free port)");
  add_secret_option(*command, "--api-key", options->api_keys, "Require one of these bearer keys on the API (one or more; or VLLM_API_KEY)");
  command->add_option("--revision", options->revision, "Branch, tag or commit of a Hub model");
  command->add_option("--download-dir", options->download_dir, "Hub cache folder for downloads (default: HF_HUB_CACHE)");
  add_secret_option(*command, "--hf-token", options->hf_token, "Hub token for gated repos (prefer HF_TOKEN: command lines are visible)");
  command->add_option("--tokenizer", options->tokenizer, "Tokenizer folder or repo (default: the model's)");
  command->add_option("--chat-template", options->chat_template, "Chat template file (or the template itself)");
  command->add_option("--generation-config", options->generation_config,
                      "Sampling defaults: auto (the model's generation_config.json), vllm (none), or a folder");
  command->add_option("--dtype", options->dtype, "Accepted for vLLM compatibility: weights run as stored");
  command->add_option("--kv-cache-dtype", options->kv_cache_dtype, "auto only");
  command->add_option("--load-format", options->load_format, "auto or safetensors");
  command->add_option("--seed", options->seed, "Accepted for vLLM compatibility (requests carry their own seed)");
  command->add_option("--tensor-parallel-size", options->tensor_parallel_size, "Must be 1");
  command->add_option("--pipeline-parallel-size", options->pipeline_parallel_size, "Must be 1");
  command->add_option("--max-pending-requests", options->max_pending_requests, "Requests queued or running at most; more get 503")
      ->check(CLI::Range(int64_t{1}, int64_t{1} << 20));
  command->add_option("--http-threads", options->http_threads, "HTTP server threads")->check(CLI::Range(1, 64));
  command->add_option("--max-body-bytes", options->max_body_bytes, "Largest request body accepted (default 16 MiB)");
  command->add_option("--max-prompt-bytes", options->max_prompt_bytes, "Longest prompt text tokenized, per prompt (default 1 MiB)");
  command->add_flag("--return-tokens-as-token-ids", options->return_tokens_as_token_ids, "Show logprob tokens as token_id:N");
  command->add_flag("--enable-prompt-tokens-details", options->enable_prompt_tokens_details, "Report cached prompt tokens in usage");
  command->add_flag("--trust-request-chat-template", options->trust_request_chat_template,
                    "Render a request's own chat_template (refused otherwise, as in vLLM)");
  command->add_flag("--enable-auto-tool-choice", options->enable_auto_tool_choice,
                    "Parse tool calls from answers (tool_choice auto, required or a named function); needs --tool-call-parser");
  command->add_option("--tool-call-parser", options->tool_call_parser, "The format of the model's tool calls: " + joined(serve::tool_parser_names()));
  command->add_flag("--exclude-tools-when-tool-choice-none", options->exclude_tools_when_tool_choice_none,
                    "Do not show the chat template the tools of a request with tool_choice \"none\"");
  command->add_option("--structured-outputs-config", options->structured_outputs_config,
                      "JSON: {\"disable_any_whitespace\": true} for compact JSON output, {\"max_whitespace\": N} to cap a "
                      "whitespace run (default 20, -1: no cap), \"backend\" accepted and ignored");
  command->add_option("--reasoning-parser", options->reasoning_parser,
                      "Split the reasoning off answers into reasoning_content: " + joined(serve::reasoning_parser_names()));
  command->add_flag("--no-enable-prefix-caching", options->no_enable_prefix_caching, "Do not reuse cached prompt prefixes");
  command->add_option("--allowed-origins", options->allowed_origins, "CORS: JSON list of origins browsers may call from (default [\"*\"])");
  command->add_option("--allowed-methods", options->allowed_methods, "CORS: JSON list of methods (default [\"*\"])");
  command->add_option("--allowed-headers", options->allowed_headers, "CORS: JSON list of request headers (default [\"*\"])");
  command->add_flag("--allow-credentials", options->allow_credentials, "CORS: allow credentialed requests");
  for (const std::string& flag : kIgnoredFlags) command->add_option(flag, "Accepted for vLLM compatibility; no effect on CPU");
  for (const std::string& flag : kIgnoredSwitches) command->add_flag(flag)->description("Accepted for vLLM compatibility");
  add_engine_flags(*command, options->engine);
  command->callback([&handler, options] {
    if (options->model.empty()) throw CLI::ValidationError("--model", "give the model: gatehouse serve --model DIR_OR_REPO");
    handler = [options] { return run_serve(*options); };
  });
}

}  // namespace gatehouse::cli
