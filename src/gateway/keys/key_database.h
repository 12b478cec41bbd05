// The virtual keys' SQLite file (WAL): one row per key (never the key, only its hash) and the
// spend and tokens per key and model. Rows are read whole at start and written whole on a change;
// usage is written in batches. Not thread-safe: the KeyStore serialises every use behind its mutex.
#pragma once

#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "base/sqlite.h"
#include "gateway/keys/key_record.h"

namespace gatehouse::gateway {

// Usage accumulated since the last write, for one key and model.
struct PendingUsage {
  std::string token_hash;
  std::string model;
  ModelUsage usage;
};

// A key's spend as it stands, written absolutely (the store's memory is the authority).
struct KeySpend {
  std::string token_hash;
  double spend = 0;
  std::optional<TimePoint> budget_reset_at;
};

class KeyDatabase {
 public:
  // Opens or creates the file and its schema. Throws Error naming the file.
  explicit KeyDatabase(const std::filesystem::path& path);

  std::vector<KeyRecord> load_keys();
  // Inserts the key's row, or updates it (all but key_name and created_at). Throws
  // Error(conflict) when key_alias belongs to another key.
  void save_key(const KeyRecord& record);
  // Deletes the keys and their usage rows, all or (throwing) none.
  void delete_keys(const std::vector<std::string>& token_hashes);
  std::vector<ModelUsageRow> model_usage(const std::string& token_hash);
  // One transaction: the spends, then the usage added to each (key, model) total. Usage of a key
  // deleted meanwhile is dropped.
  void write_usage(const std::vector<KeySpend>& spends, const std::vector<PendingUsage>& usage);

 private:
  sqlite::Database db_;
};

}  // namespace gatehouse::gateway
