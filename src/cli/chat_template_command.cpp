// gatehouse chat-template: messages -> the prompt text the model's chat template makes of them,
// one-shot (--messages FILE) or batch (--jsonl).
#include <boost/json.hpp>
#include <memory>
#include <optional>

#include "base/error.h"
#include "base/file.h"
#include "base/json.h"
#include "cli/commands.h"
#include "cli/line_io.h"
#include "cli/tokenizer_loader.h"
#include "tokenizer/chat_template.h"

namespace gatehouse::cli {
namespace {

struct ChatTemplateOptions {
  std::string tokenizer;
  std::string messages_file;
  std::string template_file;
  bool add_generation_prompt = false;
  bool jsonl = false;
};

// A request is a JSON array of messages or an object with "messages" and the other inputs;
// "chat_template" in it replaces the template for that request (transformers' chat_template=).
boost::json::object request_from_json(boost::json::value value, const std::string& document,
                                      bool add_generation_prompt) {
  boost::json::object request;
  if (value.is_array()) {
    request["messages"] = std::move(value);
  } else {
    request = json::as_object(value, json::JsonPath(document));
  }
  if (add_generation_prompt) request["add_generation_prompt"] = true;
  return request;
}

class Renderer {
 public:
  explicit Renderer(const ChatTemplateOptions& options) {
    if (!options.tokenizer.empty()) config_ = tokenizer::TokenizerConfig::load(model_folder(options.tokenizer, kTokenizerFiles));
    if (!options.template_file.empty()) {
      fixed_.emplace(files::read_named_input(options.template_file, files::kConfigFileLimit), config_);
    }
  }

  std::string render(boost::json::object request) const {
    if (const boost::json::value* source = request.if_contains("chat_template")) {
      std::string text(json::as_string(*source, json::JsonPath("request") / "chat_template"));
      request.erase("chat_template");
      return tokenizer::ChatTemplate(text, config_).render(request);
    }
    if (fixed_) return fixed_->render(request);
    const boost::json::value* tools = json::find(request, "tools");
    return tokenizer::ChatTemplate::from_config(config_, tools != nullptr).render(request);
  }

 private:
  tokenizer::TokenizerConfig config_;
  std::optional<tokenizer::ChatTemplate> fixed_;
};

std::string read_input(const std::string& path) {
  if (path != "-") return files::read_named_input(path);
  std::string text, line;
  while (read_line(stdin, line)) text += line + "\n";
  return text;
}

}  // namespace

void add_chat_template_command(CLI::App& app, Handler& handler) {
  auto options = std::make_shared<ChatTemplateOptions>();
  CLI::App* command = app.add_subcommand("chat-template", "Render messages with the model's chat template");
  command->add_option("--tokenizer", options->tokenizer,
                      "Folder with tokenizer_config.json (its chat template and special tokens)");
  command->add_option("--messages", options->messages_file,
                      "JSON file ('-' for stdin): an array of messages, or {messages, tools, documents, ...}");
  command->add_option("--template-file", options->template_file, "Use this Jinja template instead of the tokenizer's");
  command->add_flag("--add-generation-prompt", options->add_generation_prompt,
                    "End with the header that starts the assistant's reply");
  command->add_flag("--jsonl", options->jsonl,
                    "Batch: one request per stdin line, one JSON string per output line");
  command->callback([options, &handler] {
    handler = [options] {
      if (options->tokenizer.empty() && options->template_file.empty()) {
        throw Error(ErrorCode::invalid_argument, "chat-template needs --tokenizer DIR or --template-file FILE");
      }
      Renderer renderer(*options);
      if (options->jsonl) {
        return run_jsonl_lines([&](std::string& line, const std::string& document) {
          boost::json::value value = json::parse(line, document);
          return boost::json::serialize(boost::json::value(
              renderer.render(request_from_json(std::move(value), document, options->add_generation_prompt))));
        });
      }
      if (options->messages_file.empty()) {
        throw Error(ErrorCode::invalid_argument, "chat-template needs --messages FILE (or --jsonl)");
      }
      std::string document = options->messages_file == "-" ? "stdin" : options->messages_file;
      boost::json::value value = json::parse(read_input(options->messages_file), document);
      write_out(renderer.render(request_from_json(std::move(value), document, options->add_generation_prompt)));
      return 0;
    };
  });
}

}  // namespace gatehouse::cli
