// Loading a model folder whose files are not regular files: config.json, generation_config.json,
// the safetensors index and the weights are refused by name and kind instead of blocking (a FIFO)
// or reading until memory runs out (a link to /dev/zero).
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <functional>
#include <string>

#include "../base/blocking_guard.h"
#include "engine/loader/generation_config.h"
#include "engine/loader/model_config.h"
#include "engine/loader/safetensors.h"

namespace gatehouse::engine {
namespace {

namespace fs = std::filesystem;

TEST(ModelFiles, FilesThatAreNotRegularFilesAreRefusedByName) {
  fs::path folder = fs::temp_directory_path() / ("gatehouse-model-files-" + std::to_string(::getpid()));
  fs::remove_all(folder);
  fs::create_directories(folder);
  const std::pair<const char*, std::function<void()>> loaders[] = {
      {"config.json", [&] { ModelConfig::load(folder); }},
      {"generation_config.json", [&] { GenerationConfig::load(folder); }},
      {"model.safetensors.index.json", [&] { CheckpointWeights weights(folder); }},
      {"model.safetensors", [&] { CheckpointWeights weights(folder); }},
  };
  for (const auto& [name, load] : loaders) {
    for (bool fifo : {true, false}) {
      fs::path file = folder / name;
      if (fifo) {
        ASSERT_EQ(::mkfifo(file.c_str(), 0600), 0);
      } else {
        fs::create_symlink("/dev/zero", file);
      }
      std::string message = test_support::error_unblocked(file, load);
      EXPECT_NE(message.find(name), std::string::npos) << message;
      EXPECT_NE(message.find(fifo ? "FIFO" : "character device"), std::string::npos) << message;
      fs::remove(file);
    }
  }
  fs::remove_all(folder);
}

}  // namespace
}  // namespace gatehouse::engine
