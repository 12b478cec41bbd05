#include "base/sqlite.h"

#include <sqlite3.h>

#include "base/error.h"

namespace gatehouse::sqlite {
namespace {

ErrorCode error_code_for(int code) {
  switch (code & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_CANTOPEN: return ErrorCode::unavailable;
    case SQLITE_FULL: return ErrorCode::resource_exhausted;
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB: return ErrorCode::data_loss;
    case SQLITE_PERM:
    case SQLITE_READONLY:
    case SQLITE_AUTH: return ErrorCode::permission_denied;
    case SQLITE_CONSTRAINT: return ErrorCode::conflict;
    default: return ErrorCode::internal;
  }
}

}  // namespace

class Statement {
 public:
  Statement(const Database& db, sqlite3* handle, const std::string& sql) : db_(db) {
    int code = sqlite3_prepare_v3(handle, sql.c_str(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT, &stmt_,
                                  nullptr);
    if (code != SQLITE_OK) db_.fail(code, "prepare");
  }
  ~Statement() { sqlite3_finalize(stmt_); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  void check(int code, std::string_view what) const {
    if (code != SQLITE_OK) db_.fail(code, what);
  }

  const Database& db_;
  sqlite3_stmt* stmt_ = nullptr;
  bool in_use_ = false;
};

Query::Query(Statement& statement) : statement_(&statement) {
  // Two Queries on one statement would reset each other's rows: nested uses need different SQL.
  GH_CHECK(!statement.in_use_);
  statement.in_use_ = true;
}

Query::~Query() {
  statement_->in_use_ = false;
  sqlite3_reset(statement_->stmt_);
  sqlite3_clear_bindings(statement_->stmt_);
}

Query& Query::bind(int index, std::string_view text) {
  statement_->check(sqlite3_bind_text64(statement_->stmt_, index, text.data(), text.size(), SQLITE_TRANSIENT, SQLITE_UTF8),
                    "bind");
  return *this;
}

Query& Query::bind(int index, int64_t value) {
  statement_->check(sqlite3_bind_int64(statement_->stmt_, index, value), "bind");
  return *this;
}

Query& Query::bind_optional(int index, const std::optional<std::string>& text) {
  if (text) return bind(index, std::string_view(*text));
  statement_->check(sqlite3_bind_null(statement_->stmt_, index), "bind");
  return *this;
}

Query& Query::bind_blob(int index, std::string_view bytes) {
  statement_->check(sqlite3_bind_blob64(statement_->stmt_, index, bytes.data(), bytes.size(), SQLITE_TRANSIENT), "bind");
  return *this;
}

Query& Query::bind_real(int index, double value) {
  statement_->check(sqlite3_bind_double(statement_->stmt_, index, value), "bind");
  return *this;
}

Query& Query::bind_optional(int index, std::optional<int64_t> value) {
  if (value) return bind(index, *value);
  statement_->check(sqlite3_bind_null(statement_->stmt_, index), "bind");
  return *this;
}

Query& Query::bind_optional_real(int index, std::optional<double> value) {
  if (value) return bind_real(index, *value);
  statement_->check(sqlite3_bind_null(statement_->stmt_, index), "bind");
  return *this;
}

bool Query::step() {
  int code = sqlite3_step(statement_->stmt_);
  if (code == SQLITE_ROW) return true;
  if (code == SQLITE_DONE) return false;
  statement_->db_.fail(code, "step");
}

void Query::run() {
  while (step()) {
  }
}

std::string Query::text(int column) const {
  const auto* data = reinterpret_cast<const char*>(sqlite3_column_text(statement_->stmt_, column));
  if (data == nullptr) return {};
  return std::string(data, static_cast<size_t>(sqlite3_column_bytes(statement_->stmt_, column)));
}

std::string Query::blob(int column) const {
  const auto* data = static_cast<const char*>(sqlite3_column_blob(statement_->stmt_, column));
  if (data == nullptr) return {};
  return std::string(data, static_cast<size_t>(sqlite3_column_bytes(statement_->stmt_, column)));
}

int64_t Query::integer(int column) const { return sqlite3_column_int64(statement_->stmt_, column); }

std::optional<std::string> Query::optional_text(int column) const {
  if (sqlite3_column_type(statement_->stmt_, column) == SQLITE_NULL) return std::nullopt;
  return text(column);
}

double Query::real(int column) const { return sqlite3_column_double(statement_->stmt_, column); }

std::optional<int64_t> Query::optional_integer(int column) const {
  if (sqlite3_column_type(statement_->stmt_, column) == SQLITE_NULL) return std::nullopt;
  return integer(column);
}

std::optional<double> Query::optional_real(int column) const {
  if (sqlite3_column_type(statement_->stmt_, column) == SQLITE_NULL) return std::nullopt;
  return real(column);
}

Database::Database(const std::filesystem::path& path) : path_(path) {
  int code = sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (code != SQLITE_OK) {
    // The handle exists even when opening failed, and holds the message.
    std::string message = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(code);
    sqlite3_close(db_);
    throw Error(error_code_for(code), "cannot open the database " + path.string() + ": " + message);
  }
  sqlite3_extended_result_codes(db_, 1);
}

Database::~Database() {
  statements_.clear();  // finalized before the connection closes
  sqlite3_close(db_);
}

void Database::exec(const char* sql) {
  int code = sqlite3_exec(db_, sql, nullptr, nullptr, nullptr);
  if (code != SQLITE_OK) fail(code, "exec");
}

void Database::rollback() noexcept { sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr); }

Query Database::query(const char* sql) {
  auto& statement = statements_[sql];
  if (!statement) statement = std::make_unique<Statement>(*this, db_, sql);
  return Query(*statement);
}

int Database::changes() const { return sqlite3_changes(db_); }

int64_t Database::last_insert_rowid() const { return sqlite3_last_insert_rowid(db_); }

int64_t Database::pragma_integer(const char* name) {
  auto query = this->query((std::string("PRAGMA ") + name).c_str());
  return query.step() ? query.integer(0) : 0;
}

void Database::fail(int code, std::string_view what) const {
  // SQLite's messages name tables and columns, never bound values, so no secret can reach them.
  throw Error(error_code_for(code),
              "database " + path_.string() + ": " + std::string(what) + " failed: " + sqlite3_errmsg(db_));
}

Transaction::Transaction(Database& db) : db_(db) { db_.exec("BEGIN IMMEDIATE"); }

Transaction::~Transaction() {
  if (!done_) db_.rollback();
}

void Transaction::commit() {
  db_.exec("COMMIT");
  done_ = true;
}

}  // namespace gatehouse::sqlite
