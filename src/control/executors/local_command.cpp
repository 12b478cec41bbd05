#include "control/executors/local_command.h"

#include <algorithm>
#include <array>
#include <filesystem>

#include "base/error.h"

namespace gatehouse::control {
namespace {

constexpr std::string_view kArgsField = "recipe_container_command_args";
constexpr std::string_view kCommandField = "recipe_container_command";

// TGI's launcher flags and what `gatehouse serve` does with them. An empty serve flag: accepted and
// ignored (logged), because it means nothing on this engine. --port and --hostname map to serve's,
// which with_listen_address then replaces.
struct TgiFlag {
  std::string_view flag;
  std::string_view serve_flag;
  bool takes_value = true;
};
constexpr std::array kTgiFlags = {
    TgiFlag{"--model-id", "--model"},
    TgiFlag{"--revision", "--revision"},
    TgiFlag{"--max-total-tokens", "--max-model-len"},
    TgiFlag{"--max-batch-prefill-tokens", "--max-num-batched-tokens"},
    TgiFlag{"--max-batch-size", "--max-num-seqs"},
    TgiFlag{"--max-concurrent-requests", "--max-pending-requests"},
    TgiFlag{"--dtype", "--dtype"},
    TgiFlag{"--huggingface-hub-cache", "--download-dir"},
    TgiFlag{"--payload-limit", "--max-body-bytes"},
    TgiFlag{"--api-key", "--api-key"},
    TgiFlag{"--port", "--port"},
    TgiFlag{"--hostname", "--host"},
    TgiFlag{"--trust-remote-code", "--trust-remote-code", false},
    // The prompt limit follows from --max-model-len and the tokens a request asks for.
    TgiFlag{"--max-input-length", ""},
    TgiFlag{"--max-input-tokens", ""},
    TgiFlag{"--max-batch-total-tokens", ""},
    // GPU sharding, kernels and quantization schemes of the CUDA engine.
    TgiFlag{"--num-shard", ""},
    TgiFlag{"--sharded", ""},
    TgiFlag{"--quantize", ""},
    TgiFlag{"--cuda-memory-fraction", ""},
    TgiFlag{"--cuda-graphs", ""},
    TgiFlag{"--kv-cache-dtype", ""},
    TgiFlag{"--rope-scaling", ""},
    TgiFlag{"--rope-factor", ""},
    TgiFlag{"--speculate", ""},
    TgiFlag{"--max-best-of", ""},
    TgiFlag{"--max-stop-sequences", ""},
    TgiFlag{"--max-top-n-tokens", ""},
    TgiFlag{"--max-waiting-tokens", ""},
    TgiFlag{"--waiting-served-ratio", ""},
    TgiFlag{"--max-client-batch-size", ""},
    TgiFlag{"--validation-workers", ""},
    TgiFlag{"--weights-cache-override", ""},
    TgiFlag{"--tokenizer-config-path", ""},
    TgiFlag{"--shard-uds-path", ""},
    TgiFlag{"--master-addr", ""},
    TgiFlag{"--master-port", ""},
    TgiFlag{"--otlp-endpoint", ""},
    TgiFlag{"--otlp-service-name", ""},
    TgiFlag{"--cors-allow-origin", ""},
    TgiFlag{"--watermark-gamma", ""},
    TgiFlag{"--watermark-delta", ""},
    TgiFlag{"--usage-stats", ""},
    TgiFlag{"--disable-custom-kernels", "", false},
    TgiFlag{"--json-output", "", false},
    TgiFlag{"--env", "", false},
    TgiFlag{"--disable-grammar-support", "", false},
    TgiFlag{"--enable-prefill-logprobs", "", false},
    TgiFlag{"--messages-api-enabled", "", false},
};

struct ImageName {
  std::string registry;  // empty for Docker Hub short names
  std::string path;      // "vllm/vllm-openai"
  std::string tag;       // "v0.9.1"; empty when absent
};

ImageName split_image(std::string_view uri) {
  ImageName image;
  if (size_t at = uri.find('@'); at != std::string_view::npos) uri = uri.substr(0, at);
  const size_t slash = uri.find('/');
  if (slash != std::string_view::npos) {
    const std::string_view first = uri.substr(0, slash);
    if (first.find_first_of(".:") != std::string_view::npos || first == "localhost") {
      image.registry = std::string(first);
      uri = uri.substr(slash + 1);
    }
  }
  const size_t colon = uri.rfind(':');
  if (colon != std::string_view::npos && uri.find('/', colon) == std::string_view::npos) {
    image.tag = std::string(uri.substr(colon + 1));
    uri = uri.substr(0, colon);
  }
  image.path = std::string(uri);
  return image;
}

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return char(std::tolower(c)); });
  return out;
}

std::string basename_of(std::string_view path) { return std::filesystem::path(std::string(path)).filename().string(); }

// Splits "--flag=value" into the flag and its value.
std::pair<std::string, std::optional<std::string>> split_flag(const std::string& arg) {
  const size_t equals = arg.find('=');
  if (arg.starts_with("--") && equals != std::string::npos) return {arg.substr(0, equals), arg.substr(equals + 1)};
  return {arg, std::nullopt};
}

std::string env_name_of(std::string_view flag) {
  std::string name = lower(flag.substr(2));
  for (char& c : name) c = c == '-' ? '_' : char(std::toupper(static_cast<unsigned char>(c)));
  return name;
}

bool is_secret_variable(const Recipe& recipe, std::string_view name) {
  return std::any_of(recipe.env_secrets.begin(), recipe.env_secrets.end(),
                     [&](const EnvSecret& secret) { return secret.envvar_name == name; });
}

std::vector<std::string> map_tgi_flags(const Recipe& recipe, const std::vector<std::string>& launcher_args,
                                       std::vector<std::string>& ignored) {
  std::vector<std::string> out = {"serve"};
  std::vector<std::string_view> given;
  for (size_t i = 0; i < launcher_args.size(); ++i) {
    auto [flag, inline_value] = split_flag(launcher_args[i]);
    const auto* known = std::find_if(kTgiFlags.begin(), kTgiFlags.end(),
                                     [&flag = flag](const TgiFlag& f) { return f.flag == flag; });
    if (known == kTgiFlags.end()) {
      // Only a flag's name is quoted: anything else given here may be a secret.
      const std::string shown = launcher_args[i].starts_with("--") ? "'" + std::string(flag) + "'"
                                                                    : "argument " + std::to_string(i + 1);
      throw InvalidParameter(std::string(kArgsField),
                             shown + " is not a text-generation-launcher flag the local executor knows; it maps "
                             "--model-id, --revision, --max-total-tokens, --max-batch-prefill-tokens, --max-batch-size, "
                             "--max-concurrent-requests, --dtype and the other flags docs list, and ignores GPU-only ones");
    }
    given.push_back(known->flag);
    std::optional<std::string> value = inline_value;
    if (known->takes_value && !value) {
      if (i + 1 >= launcher_args.size()) throw InvalidParameter(std::string(kArgsField), std::string(known->flag) + " needs a value");
      value = launcher_args[++i];
    }
    if (known->serve_flag.empty()) {
      ignored.emplace_back(known->flag);
      continue;
    }
    out.emplace_back(known->serve_flag);
    if (known->takes_value) out.push_back(*value);
  }
  // The launcher reads each flag from its environment too (MODEL_ID, MAX_TOTAL_TOKENS, ...).
  for (const TgiFlag& flag : kTgiFlags) {
    if (flag.serve_flag.empty() || !flag.takes_value || flag.flag == "--port" || flag.flag == "--hostname") continue;
    if (std::find(given.begin(), given.end(), flag.flag) != given.end()) continue;
    const std::string name = env_name_of(flag.flag);
    const bool in_env = std::any_of(recipe.env.begin(), recipe.env.end(), [&](const EnvVar& var) { return var.key == name; });
    if (in_env && !is_secret_variable(recipe, name)) {
      out.emplace_back(flag.serve_flag);
      out.push_back("$(" + name + ")");
    }
  }
  return out;
}

// The entrypoint override of a vLLM image, as the serve subcommand; nullopt when it is not vLLM's.
std::optional<std::vector<std::string>> vllm_entrypoint(const std::vector<std::string>& command) {
  if (command.size() >= 2 && basename_of(command[0]) == "vllm" && command[1] == "serve") {
    return std::vector<std::string>(command.begin() + 2, command.end());
  }
  if (command.size() >= 3 && basename_of(command[0]).starts_with("python") && command[1] == "-m" &&
      command[2] == "vllm.entrypoints.openai.api_server") {
    return std::vector<std::string>(command.begin() + 3, command.end());
  }
  return std::nullopt;
}

// Names only the program: the command's arguments may hold a secret.
[[noreturn]] void refuse_entrypoint(const Recipe& recipe, std::string_view expected) {
  const std::string given = recipe.command.empty() ? "" : basename_of(recipe.command[0]);
  throw InvalidParameter(std::string(kCommandField), "the local executor cannot run '" + given + " ...' from " + recipe.image_uri +
                                                         ": it maps " + std::string(expected) +
                                                         "; leave recipe_container_command out, or start the control plane "
                                                         "with --executor kubernetes");
}

// Takes the token flag out of `args` (from index 1, after the subcommand), returning its value.
std::optional<std::string> take_token(std::vector<std::string>& args, std::string_view token_flag) {
  std::optional<std::string> token;
  for (size_t i = 1; i < args.size();) {
    auto [flag, inline_value] = split_flag(args[i]);
    if (flag != token_flag) {
      ++i;
      continue;
    }
    const size_t count = inline_value ? 1 : std::min<size_t>(2, args.size() - i);
    token = inline_value ? inline_value : (count == 2 ? std::optional(args[i + 1]) : std::nullopt);
    args.erase(args.begin() + std::ptrdiff_t(i), args.begin() + std::ptrdiff_t(i + count));
  }
  return token;
}

void refuse_secret_references(const Recipe& recipe, const std::vector<std::string>& args) {
  for (const std::string& arg : args) {
    std::optional<std::string> secret;
    expand_env_references(arg, [&](std::string_view name) -> std::optional<std::string> {
      if (!secret && is_secret_variable(recipe, name)) secret = std::string(name);
      return std::nullopt;
    });
    if (secret) {
      throw InvalidParameter(std::string(kArgsField),
                             "$(" + *secret + ") would put a secret on the command line, where other users of this machine "
                             "can read it; the local executor passes secrets only through the environment: drop the argument "
                             "(the program reads " + *secret + " itself; a Hub token as HF_TOKEN, an API key as VLLM_API_KEY)");
    }
  }
}

}  // namespace

std::optional<LocalImage> local_image(std::string_view image_uri) {
  const ImageName image = split_image(lower(image_uri));
  const std::string name = basename_of(image.path);
  auto contains = [](const std::string& text, std::string_view part) { return text.find(part) != std::string::npos; };
  if (contains(name, "hf_downloader") || contains(name, "hfdownloader") || contains(image.tag, "hf_downloader") ||
      contains(image.tag, "hfdownloader")) {
    return LocalImage::hf_downloader;
  }
  if (image.path.ends_with("vllm-openai")) return LocalImage::vllm;
  if (image.registry.ends_with(".ocir.io") && (contains(name, "vllm") || contains(image.tag, "vllm"))) return LocalImage::vllm;
  if (image.path == "huggingface/text-generation-inference") return LocalImage::tgi;
  if (name == "gatehouse") return LocalImage::gatehouse;
  return std::nullopt;
}

LocalCommand local_command(const Recipe& recipe) {
  if (recipe.mode != RecipeMode::service && recipe.mode != RecipeMode::job) {
    throw InvalidParameter("recipe_mode", "the local executor runs service and job recipes, not " +
                                              std::string(recipe_mode_name(recipe.mode)));
  }
  if (recipe.image_uri.empty()) {
    throw InvalidParameter("recipe_image_uri", "give recipe_image_uri: the local executor runs vLLM, TGI, Gatehouse and "
                                               "hf_downloader images, such as docker.io/vllm/vllm-openai:v0.9.1");
  }
  const std::optional<LocalImage> image = local_image(recipe.image_uri);
  if (!image) {
    throw InvalidParameter("recipe_image_uri", "the local executor runs vLLM, TGI, Gatehouse and hf_downloader images only; '" +
                                                   recipe.image_uri +
                                                   "' needs a container runtime: start the control plane with --executor kubernetes");
  }
  if (recipe.command_use_shell) {
    throw InvalidParameter("recipe_container_command_use_shell",
                           "the local executor runs no shell; give the command and its arguments as lists instead");
  }
  LocalCommand command;
  switch (*image) {
    case LocalImage::vllm: {
      command.args = {"serve"};
      if (!recipe.command.empty()) {
        std::optional<std::vector<std::string>> rest = vllm_entrypoint(recipe.command);
        if (!rest) refuse_entrypoint(recipe, "'vllm serve ...' and 'python -m vllm.entrypoints.openai.api_server ...'");
        command.args.insert(command.args.end(), rest->begin(), rest->end());
      }
      command.args.insert(command.args.end(), recipe.args.begin(), recipe.args.end());
      break;
    }
    case LocalImage::tgi: {
      std::vector<std::string> launcher_args;
      if (!recipe.command.empty()) {
        if (basename_of(recipe.command[0]) != "text-generation-launcher") refuse_entrypoint(recipe, "'text-generation-launcher ...'");
        launcher_args.assign(recipe.command.begin() + 1, recipe.command.end());
      }
      launcher_args.insert(launcher_args.end(), recipe.args.begin(), recipe.args.end());
      command.args = map_tgi_flags(recipe, launcher_args, command.ignored_flags);
      break;
    }
    case LocalImage::gatehouse: {
      if (!recipe.command.empty()) {
        if (basename_of(recipe.command[0]) != "gatehouse") refuse_entrypoint(recipe, "'gatehouse ...'");
        command.args.assign(recipe.command.begin() + 1, recipe.command.end());
      }
      command.args.insert(command.args.end(), recipe.args.begin(), recipe.args.end());
      if (command.args.empty()) {
        throw InvalidParameter(std::string(kArgsField), "give the gatehouse command line, such as [\"serve\", \"--model\", \"REPO\"]");
      }
      break;
    }
    case LocalImage::hf_downloader: {
      if (!recipe.command.empty()) refuse_entrypoint(recipe, "none (the image's own downloader)");
      command.args = {"download"};
      command.args.insert(command.args.end(), recipe.args.begin(), recipe.args.end());
      break;
    }
  }
  const bool serves = command.args.front() == "serve";
  const bool downloads = command.args.front() == "download";
  for (const auto& [program, flag, variable] : {std::tuple{serves, "--hf-token", "HF_TOKEN"},
                                                std::tuple{serves, "--api-key", "VLLM_API_KEY"},
                                                std::tuple{downloads, "--token", "HF_TOKEN"}}) {
    if (!program) continue;
    if (std::optional<std::string> value = take_token(command.args, flag)) command.secret_variables.emplace_back(variable, *value);
  }
  refuse_secret_references(recipe, command.args);
  return command;
}

std::vector<std::string> with_listen_address(const std::vector<std::string>& args, uint16_t port) {
  std::vector<std::string> out;
  for (size_t i = 0; i < args.size(); ++i) {
    auto [flag, inline_value] = split_flag(args[i]);
    if (flag == "--host" || flag == "--port") {
      if (!inline_value) ++i;  // and its value
      continue;
    }
    out.push_back(args[i]);
  }
  out.insert(out.end(), {"--host", "127.0.0.1", "--port", std::to_string(port)});
  return out;
}

std::vector<std::string> with_threads(const std::vector<std::string>& args, std::optional<int> cpu_count) {
  if (!cpu_count || *cpu_count <= 0) return args;
  for (const std::string& arg : args) {
    if (split_flag(arg).first == "--threads") return args;
  }
  std::vector<std::string> out = args;
  out.insert(out.end(), {"--threads", std::to_string(*cpu_count)});
  return out;
}

}  // namespace gatehouse::control
