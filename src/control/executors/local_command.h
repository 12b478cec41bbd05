// What a recipe runs under the local executor: the images it knows, and the gatehouse command line
// each one becomes. The line is built from the recipe alone (before $(VAR) expansion and mount
// path rewriting, which need the workload: local_environment.h), so check() refuses a recipe this
// executor cannot run before anything starts.
//
//   vLLM's OpenAI image (a repository path ending in vllm-openai, any registry and tag) and Oracle's
//   images (*.ocir.io) whose name or tag contains "vllm": `gatehouse serve ARGS` (serve takes
//   vLLM's flags and its positional model). An entrypoint override `vllm serve ...` or
//   `python -m vllm.entrypoints.openai.api_server ...` is mapped; any other is refused.
//   TGI's image (huggingface/text-generation-inference): `gatehouse serve` with the launcher's flags
//   mapped through kTgiFlags below; MODEL_ID and the other mapped flags also come from the
//   recipe's environment, as the launcher reads them. Unknown launcher flags are refused.
//   Gatehouse's image (repository name "gatehouse"): `gatehouse ARGS`, ARGS a full subcommand line.
//   Blueprints' downloader job image (name or tag containing hf_downloader or hfdownloader):
//   `gatehouse download ARGS` (REPO --local-dir DIR --max-workers N, as huggingface-cli takes them).
//
// Secrets stay off the command line: the flags that take one (`--hf-token V` and `--api-key V` for
// serve, `--token V` for download) are taken out and their values handed to the child in the
// environment variables the programs also read (HF_TOKEN, VLLM_API_KEY), and any other argument
// that references a recipe_environment_secrets variable, $(NAME), is refused.
// Plain functions of their arguments; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "control/recipe.h"

namespace gatehouse::control {

enum class LocalImage { vllm, tgi, gatehouse, hf_downloader };

// nullopt for an image the local executor cannot run.
std::optional<LocalImage> local_image(std::string_view image_uri);

struct LocalCommand {
  std::vector<std::string> args;           // after the gatehouse binary: {"serve", "--model", "$(MODEL)", ...}
  std::vector<std::string> ignored_flags;  // launcher flags accepted without effect here, for the log
  // The secret flags taken out: the environment variable each becomes, and its unexpanded value.
  std::vector<std::pair<std::string, std::string>> secret_variables;
  bool serves() const { return !args.empty() && args.front() == "serve"; }
};

// Throws InvalidParameter naming the recipe field and saying what to do: another image (pointing to
// --executor kubernetes), a shell command, an entrypoint it cannot map, an unknown TGI flag, a
// secret on the command line, a mode other than service and job.
LocalCommand local_command(const Recipe& recipe);

// `args` with any --host / --port (either form, "--port 80" or "--port=80") replaced by
// `--host 127.0.0.1 --port <port>` at the end: a local replica listens where the executor says.
std::vector<std::string> with_listen_address(const std::vector<std::string>& args, uint16_t port);

// `args` plus `--threads N` when the recipe gives recipe_container_cpu_count and args set no threads.
std::vector<std::string> with_threads(const std::vector<std::string>& args, std::optional<int> cpu_count);

}  // namespace gatehouse::control
