// Where the services that keep state (`up`, `gateway`) put it when --data-dir is not given.
#pragma once

#include <filesystem>

namespace gatehouse::cli {

// $GATEHOUSE_DATA_DIR, else $XDG_DATA_HOME/gatehouse, else ~/.local/share/gatehouse, else
// ./gatehouse-data.
std::filesystem::path default_data_dir();

}  // namespace gatehouse::cli
