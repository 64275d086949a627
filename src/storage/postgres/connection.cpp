#include "storage/postgres/connection.hpp"

#include <libpq-fe.h>

#include <charconv>

#include "core/log.hpp"
#include "core/thread_post.hpp"

namespace paddock::storage::postgres {
namespace {

std::string trimmed(const char* message) {
  std::string text = message ? message : "";
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text;
}

// A round trip on an I/O thread stalls every connection of that thread: counted (/metrics) and
// logged, the first few times, with the statement that did it, so that it can be found.
constexpr std::uint64_t kLoggedIoThreadRoundTrips = 16;

void round_trip(std::string_view what) {
  if (!note_blocking_call()) return;
  if (blocking_calls_on_io_threads() > kLoggedIoThreadRoundTrips) return;
  log::event(log::Level::warn, "storage: a PostgreSQL round trip on an I/O thread",
             {{"statement", std::string(what.substr(0, 80))}});
}

}  // namespace

Rows::Rows(pg_result* result) : result_(result) {}

Rows::~Rows() {
  if (result_) PQclear(result_);
}

int Rows::size() const { return PQntuples(result_); }

std::string Rows::text(int row, int col) const {
  return std::string(PQgetvalue(result_, row, col),
                     static_cast<std::size_t>(PQgetlength(result_, row, col)));
}

std::int64_t Rows::integer(int row, int col) const {
  const char* begin = PQgetvalue(result_, row, col);
  const char* end = begin + PQgetlength(result_, row, col);
  std::int64_t value = 0;
  auto [ptr, ec] = std::from_chars(begin, end, value);
  if (ec != std::errc() || ptr != end) {
    throw PgError("", "column " + std::to_string(col) + " is not an integer: " + text(row, col));
  }
  return value;
}

bool Rows::boolean(int row, int col) const {
  return PQgetlength(result_, row, col) == 1 && PQgetvalue(result_, row, col)[0] == 't';
}

bool Rows::is_null(int row, int col) const { return PQgetisnull(result_, row, col) == 1; }

std::int64_t Rows::affected() const {
  const char* tuples = PQcmdTuples(result_);
  std::int64_t n = 0;
  std::from_chars(tuples, tuples + std::char_traits<char>::length(tuples), n);
  return n;
}

Connection::Connection(const std::string& conninfo) {
  round_trip("connect");
  conn_ = PQconnectdb(conninfo.c_str());
  if (!conn_ || PQstatus(conn_) != CONNECTION_OK) {
    std::string why = trimmed(conn_ ? PQerrorMessage(conn_) : "out of memory");
    if (conn_) PQfinish(conn_);
    conn_ = nullptr;
    throw PgError("08001", "cannot connect to PostgreSQL: " + why);
  }
  // Notices ("... does not exist, skipping") are for people at a psql prompt; libpq would print
  // them on stderr, outside the server's structured log.
  PQsetNoticeProcessor(conn_, [](void*, const char*) {}, nullptr);
  // Every timestamp is a Unix-millisecond integer; the session's settings must not change
  // results between nodes.
  exec("SET client_encoding = 'UTF8'; SET TIME ZONE 'UTC'");
}

Connection::~Connection() {
  if (conn_) PQfinish(conn_);
}

void Connection::check(pg_result* result, std::string_view what) {
  ExecStatusType status = result ? PQresultStatus(result) : PGRES_FATAL_ERROR;
  if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) return;
  std::string sqlstate;
  std::string message;
  if (result) {
    const char* state = PQresultErrorField(result, PG_DIAG_SQLSTATE);
    sqlstate = state ? state : "";
    message = trimmed(PQresultErrorMessage(result));
    PQclear(result);
  }
  if (message.empty()) message = trimmed(PQerrorMessage(conn_));
  if (PQstatus(conn_) != CONNECTION_OK && !sqlstate.starts_with("08")) sqlstate.clear();
  throw PgError(std::move(sqlstate), std::string(what) + ": " + message);
}

void Connection::exec(std::string_view sql) {
  round_trip(sql);
  std::string text(sql);
  // With several statements PQexec returns the last result (libpq frees the others) and stops
  // at the first error.
  PGresult* result = PQexec(conn_, text.c_str());
  check(result, "statement failed");
  PQclear(result);
}

Rows Connection::run(const char* sql, const Params& params) {
  round_trip(sql);
  auto found = prepared_.find(sql);
  if (found == prepared_.end()) {
    std::string name = "p";
    name += std::to_string(prepared_.size() + 1);
    check(PQprepare(conn_, name.c_str(), sql, 0, nullptr), "prepare failed");
    found = prepared_.emplace(sql, std::move(name)).first;
  }
  const auto& values = params.values();
  std::vector<const char*> pointers;
  pointers.reserve(values.size());
  for (const auto& v : values) pointers.push_back(v ? v->c_str() : nullptr);
  PGresult* result = PQexecPrepared(conn_, found->second.c_str(), static_cast<int>(values.size()),
                                    pointers.data(), nullptr, nullptr, 0);
  check(result, "query failed");
  return Rows(result);
}

bool Connection::ok() const { return conn_ && PQstatus(conn_) == CONNECTION_OK; }

int Connection::backend_pid() const { return PQbackendPID(conn_); }

}  // namespace paddock::storage::postgres
