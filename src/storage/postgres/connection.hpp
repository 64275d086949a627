#pragma once
// storage/postgres/connection: RAII over one libpq connection, with statements prepared once per
// connection and run with text parameters. The PostgreSQL counterpart of sqlite/connection.hpp:
// internal to the storage module; errors are thrown as PgError here and turned into values by
// the repositories, so none crosses the Store boundary. PgError says what a caller can do about
// a failure: retry the transaction (serialization failure, deadlock), report a uniqueness
// conflict, or treat the connection as lost.
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

struct pg_conn;
struct pg_result;

namespace paddock::storage::postgres {

struct PgError : std::runtime_error {
  PgError(std::string sqlstate, const std::string& what)
      : std::runtime_error(what), sqlstate(std::move(sqlstate)) {}
  std::string sqlstate;  // five characters; empty when the server sent none (connection trouble)

  // A concurrent transaction won; running the whole transaction again may succeed.
  bool retryable() const { return sqlstate == "40001" || sqlstate == "40P01"; }
  bool unique_violation() const { return sqlstate == "23505"; }
  // Class 08 or no SQLSTATE at all: the connection is gone or unusable.
  bool connection_lost() const { return sqlstate.empty() || sqlstate.starts_with("08"); }
};

// The rows of one statement. Columns are read as text (PostgreSQL's text format).
class Rows {
 public:
  explicit Rows(pg_result* result);
  ~Rows();
  Rows(Rows&& other) noexcept : result_(other.result_) { other.result_ = nullptr; }
  Rows& operator=(Rows&&) = delete;
  Rows(const Rows&) = delete;

  int size() const;
  bool empty() const { return size() == 0; }
  std::string text(int row, int col) const;
  std::int64_t integer(int row, int col) const;
  bool boolean(int row, int col) const;
  bool is_null(int row, int col) const;
  // Rows inserted, updated or deleted by the statement.
  std::int64_t affected() const;

 private:
  pg_result* result_;
};

// One statement's parameters, in order ($1, $2, ...), as text; nullopt is SQL NULL.
class Params {
 public:
  void add(std::string_view v) { values_.emplace_back(std::string(v)); }
  void add(const std::string& v) { values_.emplace_back(v); }
  void add(const char* v) { values_.emplace_back(std::string(v)); }
  void add(std::int64_t v) { values_.emplace_back(std::to_string(v)); }
  void add(int v) { values_.emplace_back(std::to_string(v)); }
  void add(unsigned v) { values_.emplace_back(std::to_string(v)); }
  void add(bool v) { values_.emplace_back(v ? "t" : "f"); }
  void add(std::nullopt_t) { values_.emplace_back(std::nullopt); }
  template <class T>
  void add(const std::optional<T>& v) {
    if (v) add(*v);
    else add(std::nullopt);
  }

  const std::vector<std::optional<std::string>>& values() const { return values_; }

 private:
  std::vector<std::optional<std::string>> values_;
};

class Connection {
 public:
  // Connects with a libpq connection string or URI; throws PgError when it cannot.
  explicit Connection(const std::string& conninfo);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Runs SQL text without parameters (may hold several statements: migrations, BEGIN, ...).
  void exec(std::string_view sql);

  // Runs one statement with parameters. `sql` must be a string literal (or otherwise outlive the
  // connection): it is prepared on first use and the prepared form is found by its address.
  template <class... Args>
  Rows query(const char* sql, const Args&... args) {
    Params params;
    (params.add(args), ...);
    return run(sql, params);
  }
  Rows run(const char* sql, const Params& params);

  // The connection's own state as libpq sees it (false once the server has gone away).
  bool ok() const;
  // The server's process id for this session (to tell connections apart in tests and logs).
  int backend_pid() const;
  pg_conn* raw() { return conn_; }

 private:
  // Throws the result's error (or the connection's) unless `result` is a success.
  void check(pg_result* result, std::string_view what);

  pg_conn* conn_ = nullptr;
  std::unordered_map<const char*, std::string> prepared_;  // sql address -> statement name
};

}  // namespace paddock::storage::postgres
