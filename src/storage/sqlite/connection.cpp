#include "storage/sqlite/connection.hpp"

#include <sqlite3.h>

#include "core/log.hpp"

namespace paddock::storage::sqlite {
namespace {

[[noreturn]] void fail(sqlite3* db, int rc, std::string_view context) {
  std::string what(context);
  what += ": ";
  what += db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  throw SqliteError(rc, what);
}

// How much of a statement journal (the sub-journal of the writer's per-job savepoints, below)
// stays in memory before it spills to a temporary file. SQLite keeps it in one block of this
// size, allocated with the journal's first page and freed when the savepoint is released.
constexpr int kStatementJournalInMemory = 1 << 20;

// Process-wide settings, before SQLite initializes (the first open does that). When something
// initialized it already the defaults stay, which costs speed only.
void configure_sqlite_once() {
  static const bool configured = [] {
    // Without memory statistics, which Paddock does not read, SQLite's allocations take no
    // process-wide mutex: about fifty allocations per durable post, each a lock and an unlock.
    if (sqlite3_config(SQLITE_CONFIG_STMTJRNL_SPILL, kStatementJournalInMemory) == SQLITE_OK &&
        sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0) == SQLITE_OK) {
      return true;
    }
    log::event(log::Level::warn, "storage: SQLite was initialized before Paddock configured it",
               {{"kept", "statement journals spill to disk past 64 KiB; memory statistics on"}});
    return false;
  }();
  (void)configured;
}

}  // namespace

bool SqliteError::is_constraint() const { return (code & 0xff) == SQLITE_CONSTRAINT; }

Statement::Statement(Connection& owner, std::string_view sql) : owner_(owner), db_(owner.raw()) {
  sqlite3* db = db_;
  int rc = sqlite3_prepare_v3(db, sql.data(), static_cast<int>(sql.size()),
                              SQLITE_PREPARE_PERSISTENT, &stmt_, nullptr);
  if (rc != SQLITE_OK) fail(db, rc, "prepare");
}

Statement::~Statement() { sqlite3_finalize(stmt_); }

bool Statement::step() {
  owner_.maybe_inject_fault();
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  int code = sqlite3_extended_errcode(db_);
  std::string message = sqlite3_errmsg(db_);
  sqlite3_reset(stmt_);
  throw SqliteError(code, "step: " + message);
}

std::string Statement::text(int col) const {
  auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, col));
  return p ? std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, col))) : std::string();
}

std::int64_t Statement::integer(int col) const { return sqlite3_column_int64(stmt_, col); }

bool Statement::is_null(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }

void Statement::reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

void Statement::bind_one(int i, std::string_view v) {
  int rc = sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_STATIC);
  if (rc != SQLITE_OK) fail(db_, rc, "bind");
}

void Statement::bind_one(int i, std::int64_t v) {
  int rc = sqlite3_bind_int64(stmt_, i, v);
  if (rc != SQLITE_OK) fail(db_, rc, "bind");
}

void Statement::bind_one(int i, std::nullopt_t) {
  int rc = sqlite3_bind_null(stmt_, i);
  if (rc != SQLITE_OK) fail(db_, rc, "bind");
}

Connection::Connection(const std::string& path, bool create,
                       std::shared_ptr<FaultInjection> faults, bool writer)
    : writer_(writer) {
  configure_sqlite_once();
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | (create ? SQLITE_OPEN_CREATE : 0);
  int rc = sqlite3_open_v2(path.c_str(), &db_, flags, nullptr);
  if (rc != SQLITE_OK) {
    std::string message = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
    sqlite3_close(db_);
    db_ = nullptr;
    throw SqliteError(rc, "open " + path + ": " + message);
  }
  sqlite3_extended_result_codes(db_, 1);
  // WAL lets readers proceed while the writer commits; FULL makes every commit durable (fsync of
  // the WAL) before the writer reports success.
  exec("PRAGMA busy_timeout = 5000");
  exec("PRAGMA journal_mode = WAL");
  exec("PRAGMA synchronous = FULL");
  exec("PRAGMA foreign_keys = ON");
  // The writer may run each job in a savepoint (group_commit.cpp: after a job rolled back), and
  // a savepoint copies every page the job changes into a sub-journal. Past its in-memory size
  // that journal spills to a new file in /var/tmp, and every page copy after that is a write()
  // to it: at SQLite's default of 64 KiB, eight times the writes the WAL itself gets. So it
  // stays in memory up to kStatementJournalInMemory, in one block. (temp_store = MEMORY would
  // keep it in memory too, but in 1 KiB pieces: four mallocs and frees per page copied;
  // docs/PERFORMANCE.md, "eighth look".)
  faults_ = std::move(faults);  // armed only once open: injected faults hit statements
}

Connection::~Connection() {
  cache_.clear();
  sqlite3_close_v2(db_);
}

void Connection::maybe_inject_fault() {
  if (!faults_) return;
  auto& counter = writer_ ? faults_->fail_writes : faults_->fail_reads;
  int left = counter.load();
  while (left > 0) {
    if (counter.compare_exchange_weak(left, left - 1)) {
      throw SqliteError(SQLITE_IOERR, "injected fault: disk I/O error");
    }
  }
}

void Connection::exec(const char* sql) {
  maybe_inject_fault();
  char* message = nullptr;
  int rc = sqlite3_exec(db_, sql, nullptr, nullptr, &message);
  if (rc != SQLITE_OK) {
    std::string what = message ? message : sqlite3_errstr(rc);
    sqlite3_free(message);
    throw SqliteError(sqlite3_extended_errcode(db_), std::string("exec: ") + what);
  }
}

Statement& Connection::cached(const char* sql) {
  auto& slot = cache_[sql];
  if (!slot) slot = std::make_unique<Statement>(*this, sql);
  return *slot;
}

int Connection::changes() const { return sqlite3_changes(db_); }

std::int64_t Connection::last_insert_rowid() const { return sqlite3_last_insert_rowid(db_); }

std::int64_t Connection::total_changes() const { return sqlite3_total_changes64(db_); }

}  // namespace paddock::storage::sqlite
