#pragma once
// storage/sqlite/rows: what every SQLite repository shares: the connection slot it runs on,
// row readers, and `guarded`, which turns a SqliteError into storage_unavailable so that no
// exception leaves the storage module. Internal to storage/sqlite.
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include "core/log.hpp"
#include "core/result.hpp"
#include "storage/sqlite/connection.hpp"

namespace paddock::storage::sqlite {

// The connection a set of repositories runs on. Null while it cannot be opened: every call then
// answers storage_unavailable, and the owner retries the open later.
struct Link {
  Connection* db = nullptr;
};

// Resets a cached statement when the caller is done with its row, even on early return.
struct ResetOnExit {
  Statement& stmt;
  ~ResetOnExit() { stmt.reset(); }
};

template <class Record, class Reader>
std::optional<Record> one(Statement& s, Reader read) {
  ResetOnExit guard{s};
  if (!s.step()) return std::nullopt;
  return read(s);
}

template <class Record, class Reader>
std::vector<Record> all(Statement& s, Reader read) {
  ResetOnExit guard{s};
  std::vector<Record> out;
  while (s.step()) out.push_back(read(s));
  return out;
}

// A row reader for queries that select one text column (ids, names), for one() and all().
inline std::string first_text(const Statement& s) { return s.text(0); }

inline void run(Statement& s) {
  ResetOnExit guard{s};
  s.run();
}

inline std::optional<std::string> optional_text(const Statement& s, int col) {
  if (s.is_null(col)) return std::nullopt;
  return s.text(col);
}

inline std::optional<std::int64_t> optional_integer(const Statement& s, int col) {
  if (s.is_null(col)) return std::nullopt;
  return s.integer(col);
}

Error storage_fault(Connection* db, const char* operation, const SqliteError& e);

template <class T>
struct AsResult {
  using type = Result<T>;
};
template <class T>
struct AsResult<Result<T>> {
  using type = Result<T>;
};

// Runs `body(Connection&)` and returns its value; a SqliteError becomes storage_unavailable
// (and is noted on the connection for the writer's health). `body` may itself return a
// Result, which is passed through.
template <class F>
auto guarded(Link& link, const char* operation, F&& body) {
  using R = std::invoke_result_t<F, Connection&>;
  using Out = typename AsResult<R>::type;
  if (!link.db) return Out(make_error(Errc::storage_unavailable, "the database is unreachable"));
  try {
    if constexpr (std::is_void_v<R>) {
      body(*link.db);
      return Out();
    } else {
      return Out(body(*link.db));
    }
  } catch (const SqliteError& e) {
    return Out(storage_fault(link.db, operation, e));
  }
}

}  // namespace paddock::storage::sqlite
