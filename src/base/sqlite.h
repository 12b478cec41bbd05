// A thin RAII layer over SQLite for the stores (the control plane's, the gateway's keys): a
// connection that caches its prepared statements, a Query (one use of a cached statement, reset
// when it goes) and a Transaction (rolled back unless committed). SQLite failures become
// gatehouse::Error with a code (busy: unavailable, full disk: resource_exhausted, corruption:
// data_loss, constraint: conflict). Not thread-safe: each store serialises every use of a Database
// behind its own mutex.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

struct sqlite3;
struct sqlite3_stmt;

namespace gatehouse::sqlite {

class Statement;

// A prepared statement in use: bind parameters (1-based), step through rows, read columns
// (0-based). The statement is reset and its bindings cleared when the Query goes, so a cached
// statement never holds a read transaction open. One Query per statement at a time.
class Query {
 public:
  explicit Query(Statement& statement);
  ~Query();
  Query(const Query&) = delete;
  Query& operator=(const Query&) = delete;

  Query& bind(int index, std::string_view text);
  Query& bind(int index, int64_t value);
  Query& bind_optional(int index, const std::optional<std::string>& text);  // NULL when absent
  Query& bind_blob(int index, std::string_view bytes);
  Query& bind_real(int index, double value);
  Query& bind_optional(int index, std::optional<int64_t> value);  // NULL when absent
  Query& bind_optional_real(int index, std::optional<double> value);

  // True while there is a row to read; false once the statement is done.
  bool step();
  // Steps a statement that returns no rows.
  void run();

  std::string text(int column) const;
  std::string blob(int column) const;
  int64_t integer(int column) const;
  std::optional<std::string> optional_text(int column) const;
  double real(int column) const;
  std::optional<int64_t> optional_integer(int column) const;
  std::optional<double> optional_real(int column) const;

 private:
  Statement* statement_;
};

class Database {
 public:
  // Opens (creating when absent) the database file. Throws Error naming the file.
  explicit Database(const std::filesystem::path& path);
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  // Runs one or more statements without parameters (schema, pragmas).
  void exec(const char* sql);
  // ROLLBACK, ignoring errors (after a failed COMMIT SQLite may have ended the transaction itself).
  void rollback() noexcept;
  // The cached prepared statement for `sql` (prepared on first use), ready to bind.
  Query query(const char* sql);
  // Rows changed by the last INSERT, UPDATE or DELETE.
  int changes() const;
  int64_t last_insert_rowid() const;
  // An integer pragma's value (user_version).
  int64_t pragma_integer(const char* name);

  [[noreturn]] void fail(int code, std::string_view what) const;

 private:
  sqlite3* db_ = nullptr;
  std::filesystem::path path_;
  std::unordered_map<std::string, std::unique_ptr<Statement>> statements_;
};

// BEGIN IMMEDIATE (take the write lock at once, so a transaction that reads then writes cannot
// fail half-way with SQLITE_BUSY); rolled back when it goes without commit().
class Transaction {
 public:
  explicit Transaction(Database& db);
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  void commit();

 private:
  Database& db_;
  bool done_ = false;
};

}  // namespace gatehouse::sqlite
