#pragma once
// storage/sqlite/connection: RAII over sqlite3 handles and prepared statements, with a cache so
// that hot queries are compiled once per connection. Internal to the storage module; errors are
// thrown as SqliteError here and turned into values at the Store boundary.
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>

struct sqlite3;
struct sqlite3_stmt;

namespace paddock::storage::sqlite {

struct SqliteError : std::runtime_error {
  SqliteError(int code, const std::string& what) : std::runtime_error(what), code(code) {}
  int code;
  bool is_constraint() const;
};

class Statement {
 public:
  Statement(sqlite3* db, std::string_view sql);
  ~Statement();
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  // Binds parameters 1..N in order; resets the statement first.
  template <class... Args>
  Statement& bind(const Args&... args) {
    reset();
    int i = 0;
    (bind_one(++i, args), ...);
    return *this;
  }
  // Advances; returns true iff a row is available.
  bool step();
  // Runs to completion (for statements without rows).
  void run() {
    while (step()) {
    }
  }

  std::string text(int col) const;
  std::int64_t integer(int col) const;
  bool is_null(int col) const;
  void reset();

 private:
  void bind_one(int i, std::string_view v);
  void bind_one(int i, const std::string& v) { bind_one(i, std::string_view(v)); }
  void bind_one(int i, const char* v) { bind_one(i, std::string_view(v)); }
  void bind_one(int i, std::int64_t v);
  void bind_one(int i, int v) { bind_one(i, static_cast<std::int64_t>(v)); }
  void bind_one(int i, bool v) { bind_one(i, static_cast<std::int64_t>(v ? 1 : 0)); }
  void bind_one(int i, std::nullopt_t);
  void bind_one(int i, const std::optional<std::string>& v) {
    if (v) bind_one(i, std::string_view(*v));
    else bind_one(i, std::nullopt);
  }
  void bind_one(int i, const std::optional<std::int64_t>& v) {
    if (v) bind_one(i, *v);
    else bind_one(i, std::nullopt);
  }

  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
};

class Connection {
 public:
  // Opens (creating iff `create`) the database file and applies the connection pragmas.
  Connection(const std::string& path, bool create);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  void exec(const char* sql);
  // A prepared statement owned by this connection, compiled on first use.
  Statement& cached(const char* sql);
  sqlite3* raw() { return db_; }
  int changes() const;

 private:
  sqlite3* db_ = nullptr;
  std::unordered_map<const char*, std::unique_ptr<Statement>> cache_;
};

}  // namespace paddock::storage::sqlite
