#pragma once
// storage/sqlite/connection: RAII over sqlite3 handles and prepared statements, with a cache so
// that hot queries are compiled once per connection. Internal to the storage module; errors are
// thrown as SqliteError here and turned into values by the repositories (rows.hpp `guarded`),
// so none crosses the Store boundary.
#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_map>

struct sqlite3;
struct sqlite3_stmt;

namespace paddock::storage::sqlite {

struct SqliteError : std::runtime_error {
  SqliteError(int code, const std::string& what) : std::runtime_error(what), code(code) {}
  int code;
  bool is_constraint() const;
};

// Test hook: makes the next N statement steps (or execs) on the store's connections fail as an
// I/O error would, without touching the file. Shared by every connection of one store.
struct FaultInjection {
  std::atomic<int> fail_reads{0};   // on reader connections
  std::atomic<int> fail_writes{0};  // on the writer's connection
};

class Connection;

// Argument types whose text a temporary would take with it.
template <class T>
inline constexpr bool owns_text = std::is_same_v<T, std::string> ||
                                  std::is_same_v<T, std::optional<std::string>>;

class Statement {
 public:
  Statement(Connection& owner, std::string_view sql);
  ~Statement();
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  // Binds parameters 1..N in order; resets the statement first. Text is borrowed, not copied
  // (SQLITE_STATIC: a copy per bound string was a malloc, a memcpy and a free, a dozen per
  // durable post), so a bound string must outlive the statement's steps; reset() forgets it.
  // A temporary string is refused at compile time: bind a named one.
  template <class... Args>
  Statement& bind(Args&&... args) {
    static_assert((!(std::is_rvalue_reference_v<Args&&> && owns_text<std::remove_cvref_t<Args>>) &&
                   ...),
                  "bind borrows text until the statement is reset: bind a named string, not a "
                  "temporary one");
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

  Connection& owner_;
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
};

class Connection {
 public:
  // Opens (creating iff `create`) the database file and applies the connection pragmas.
  // `faults` (tests only) may inject failures; `writer` says which of its counters apply.
  Connection(const std::string& path, bool create,
             std::shared_ptr<FaultInjection> faults = nullptr, bool writer = false);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  void exec(const char* sql);
  // A prepared statement owned by this connection, compiled on first use.
  Statement& cached(const char* sql);
  sqlite3* raw() { return db_; }
  int changes() const;
  // The rowid of the last row this connection inserted (sqlite3_last_insert_rowid): what
  // RETURNING would give for an INTEGER PRIMARY KEY, without the temporary table SQLite builds
  // for every RETURNING statement.
  std::int64_t last_insert_rowid() const;
  // Rows changed by every statement so far on this connection (sqlite3_total_changes64).
  std::int64_t total_changes() const;

  // Throws the injected fault, if one is due.
  void maybe_inject_fault();
  // Remembers that a statement failed (a storage fault, not a domain outcome); the writer asks
  // after each job, so that a full disk counts as a failing write even if the commit succeeds.
  void note_fault(const std::string& what) {
    faulted_ = true;
    last_fault_ = what;
  }
  // Returns and clears the fault flag; `what` receives the last fault's text.
  bool take_fault(std::string& what) {
    bool was = faulted_;
    faulted_ = false;
    if (was) what = std::move(last_fault_);
    return was;
  }

 private:
  std::shared_ptr<FaultInjection> faults_;
  bool writer_ = false;
  bool faulted_ = false;
  std::string last_fault_;
  sqlite3* db_ = nullptr;
  std::unordered_map<const char*, std::unique_ptr<Statement>> cache_;
};

}  // namespace paddock::storage::sqlite
