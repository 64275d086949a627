#pragma once
// storage/postgres/rows: what every PostgreSQL repository shares: the connection slot it runs
// on (with what the writer must learn about the statements run on it), small row readers, and
// `guarded`, which turns a PgError into storage_unavailable so that no exception leaves the
// storage module. Internal to storage/postgres; the twin of sqlite/rows.hpp.
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include "core/result.hpp"
#include "storage/postgres/connection.hpp"

namespace paddock::storage::postgres {

// The connection a set of repositories runs on, and what happened on it. Null while it cannot
// be opened: every call then answers storage_unavailable, and the owner retries later.
struct Link {
  Connection* db = nullptr;
  // The writer's connection runs jobs inside a transaction; a reader's runs each statement on
  // its own (autocommit), so a fault there spoils nothing but the call that hit it.
  bool in_transaction = false;
  // A statement failed: PostgreSQL has aborted the transaction (or the job's savepoint), so the
  // writer must roll the job back whatever the job made of the error. Cleared by the writer.
  std::optional<PgError> fault;
  // The highest event seq this transaction assigned (0: none): the writer then notifies the
  // other nodes as it commits. Cleared by the writer.
  std::int64_t last_appended_seq = 0;
};

inline std::optional<std::string> optional_text(const Rows& rows, int row, int col) {
  if (rows.is_null(row, col)) return std::nullopt;
  return rows.text(row, col);
}

inline std::optional<std::int64_t> optional_integer(const Rows& rows, int row, int col) {
  if (rows.is_null(row, col)) return std::nullopt;
  return rows.integer(row, col);
}

// A row reader for queries that select one text column (ids, names), for one() and all().
inline std::string first_text(const Rows& rows, int row) { return rows.text(row, 0); }

// The first row read by `read(rows, 0)`, or nullopt when there is none.
template <class Record, class Reader>
std::optional<Record> one(const Rows& rows, Reader read) {
  if (rows.empty()) return std::nullopt;
  return read(rows, 0);
}

template <class Record, class Reader>
std::vector<Record> all(const Rows& rows, Reader read) {
  std::vector<Record> out;
  out.reserve(static_cast<std::size_t>(rows.size()));
  for (int i = 0; i < rows.size(); ++i) out.push_back(read(rows, i));
  return out;
}

// Notes the fault on the link and returns the storage_unavailable error for it.
Error storage_fault(Link& link, const char* operation, const PgError& e);

template <class T>
struct AsResult {
  using type = Result<T>;
};
template <class T>
struct AsResult<Result<T>> {
  using type = Result<T>;
};

// Runs `body(Connection&)` and returns its value; a PgError becomes storage_unavailable (and is
// noted on the link for the writer). `body` may itself return a Result, which is passed through.
// Uniqueness is the database's: a repository that expects a conflict writes
// `INSERT ... ON CONFLICT DO NOTHING` and looks at affected(), as on SQLite, rather than
// catching 23505 (which would leave the transaction aborted).
template <class F>
auto guarded(Link& link, const char* operation, F&& body) {
  using R = std::invoke_result_t<F, Connection&>;
  using Out = typename AsResult<R>::type;
  if (!link.db) return Out(make_error(Errc::storage_unavailable, "the database is unreachable"));
  if (link.in_transaction && link.fault) {
    // The transaction is aborted; nothing more can run in it until the writer rolls back.
    return Out(make_error(Errc::storage_unavailable, "an earlier statement of this job failed"));
  }
  try {
    if constexpr (std::is_void_v<R>) {
      body(*link.db);
      return Out();
    } else {
      return Out(body(*link.db));
    }
  } catch (const PgError& e) {
    return Out(storage_fault(link, operation, e));
  }
}

}  // namespace paddock::storage::postgres
