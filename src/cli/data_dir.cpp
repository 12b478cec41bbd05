#include "cli/data_dir.h"

#include <cstdlib>

namespace gatehouse::cli {

std::filesystem::path default_data_dir() {
  if (const char* dir = std::getenv("GATEHOUSE_DATA_DIR"); dir && *dir) return dir;
  if (const char* dir = std::getenv("XDG_DATA_HOME"); dir && *dir) return std::filesystem::path(dir) / "gatehouse";
  if (const char* home = std::getenv("HOME"); home && *home) return std::filesystem::path(home) / ".local/share/gatehouse";
  return "gatehouse-data";
}

}  // namespace gatehouse::cli
