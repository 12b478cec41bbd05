// gatehouse complete: one OpenAI chat request through the gateway's SDK, as LiteLLM's completion()
// makes it: `--model huggingface/https://<endpoint>` (or any provider string of docs/gateway.md),
// the answer printed as OpenAI's JSON, or with --stream its text as it arrives. Keys come from
// --api-key (hidden from the process's command line) or the provider's environment variable.
#include <boost/json.hpp>
#include <cstdio>
#include <iostream>
#include <memory>
#include <optional>
#include <string>

#include "base/json.h"
#include "cli/commands.h"
#include "cli/secret_options.h"
#include "gateway/completion.h"

namespace gatehouse::cli {
namespace {

namespace bj = boost::json;

struct CompleteOptions {
  std::string model;
  std::string message;
  std::string system;
  std::string api_base;
  std::string api_key;
  std::optional<int64_t> max_tokens;
  std::optional<double> temperature;
  double timeout_seconds = 600;
  bool stream = false;
};

gateway::CompletionRequest build_request(const CompleteOptions& options) {
  gateway::CompletionRequest request;
  bj::array messages;
  if (!options.system.empty()) messages.push_back(bj::object{{"role", "system"}, {"content", options.system}});
  messages.push_back(bj::object{{"role", "user"}, {"content", options.message}});
  request.body = bj::object{{"model", options.model}, {"messages", std::move(messages)}};
  if (options.max_tokens) request.body["max_tokens"] = *options.max_tokens;
  if (options.temperature) request.body["temperature"] = *options.temperature;
  if (!options.api_base.empty()) request.api_base = options.api_base;
  if (!options.api_key.empty()) request.api_key = SecretString(options.api_key);
  if (!(options.timeout_seconds > 0)) throw InvalidParameter("--timeout", "--timeout must be a positive number of seconds");
  request.timeout = std::chrono::milliseconds(static_cast<int64_t>(options.timeout_seconds * 1000));
  return request;
}

// Prints each chunk's text as it arrives; a line break at the end.
void print_stream(gateway::CompletionRequest request) {
  request.body["stream"] = true;
  gateway::complete_stream(request, [](bj::object chunk) {
    const bj::value* choices = chunk.if_contains("choices");
    if (choices == nullptr || !choices->is_array()) return;
    for (const bj::value& choice : choices->get_array()) {
      const bj::object* object = choice.if_object();
      const bj::value* delta = object ? object->if_contains("delta") : nullptr;
      const bj::value* content = delta && delta->is_object() ? delta->get_object().if_contains("content") : nullptr;
      if (content && content->is_string()) std::cout << std::string_view(content->get_string()) << std::flush;
    }
  });
  std::cout << '\n';
}

int run_complete(const CompleteOptions& options) {
  const gateway::CompletionRequest request = build_request(options);
  try {
    if (options.stream) {
      print_stream(request);
    } else {
      std::cout << json::serialize(gateway::complete(request)) << '\n';
    }
  } catch (const gateway::UpstreamError& error) {
    std::cout << std::flush;
    std::fprintf(stderr, "gatehouse: error: %s (%d): %s\n", error.type().c_str(), error.status(), error.what());
    return 1;
  }
  return 0;
}

}  // namespace

void add_complete_command(CLI::App& app, Handler& handler) {
  auto options = std::make_shared<CompleteOptions>();
  CLI::App* command = app.add_subcommand("complete", "Send one chat message through the gateway SDK and print the OpenAI answer");
  command->add_option("--model", options->model,
                      "Provider and model: huggingface/<endpoint URL>, huggingface/<org>/<model>, openai/<model>, "
                      "hosted_vllm/<model>, gatehouse/<deployment>")
      ->required();
  command->add_option("--message", options->message, "The user message")->required();
  command->add_option("--system", options->system, "A system message before it");
  command->add_option("--api-base", options->api_base, "The upstream's base URL (for huggingface/tgi, hosted_vllm, gatehouse)");
  add_secret_option(*command, "--api-key", options->api_key,
                    "The upstream's key (default: the provider's variable, such as HF_TOKEN, HUGGINGFACE_API_KEY or OPENAI_API_KEY)");
  command->add_option("--max-tokens", options->max_tokens, "Tokens to generate at most");
  command->add_option("--temperature", options->temperature, "Sampling temperature (0: greedy)");
  command->add_option("--timeout", options->timeout_seconds, "Seconds the upstream has to answer")->capture_default_str();
  command->add_flag("--stream", options->stream, "Print the answer's text as it arrives");
  command->callback([options, &handler] { handler = [options] { return run_complete(*options); }; });
}

}  // namespace gatehouse::cli
