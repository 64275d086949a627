#include "storage/sqlite/sqlite_store.hpp"

#include <sqlite3.h>

#include <atomic>
#include <filesystem>
#include <mutex>
#include <unordered_map>

#include "core/log.hpp"
#include "storage/sqlite/group_commit.hpp"
#include "storage/sqlite/migrations.hpp"
#include "storage/sqlite/repositories.hpp"

namespace paddock::storage::sqlite {
namespace {

Error unavailable(const std::string& detail) {
  return make_error(Errc::storage_unavailable, detail);
}

// One read connection per thread per store. Keyed by a never-reused store serial, so a
// thread never picks up a connection left behind by a destroyed store.
struct ThreadReader {
  std::unique_ptr<Connection> db;
  std::unique_ptr<Context> context;
  UnixMillis last_open_attempt = 0;  // while the database cannot be opened
  UnixMillis last_open_logged = 0;
};

// While the file cannot be opened, each thread tries again at most this often (a request in
// between answers storage_unavailable at once) and logs at most this often.
constexpr UnixMillis kReopenIntervalMs = 1000;
constexpr UnixMillis kReopenLogIntervalMs = 30000;
std::atomic<std::uint64_t> next_store_serial{1};
thread_local std::unordered_map<std::uint64_t, ThreadReader> thread_readers;

class SqliteStore final : public Store {
 public:
  explicit SqliteStore(const SqliteStoreOptions& options)
      : path_(options.path),
        faults_(options.faults),
        writer_(std::make_unique<Connection>(options.path, true, options.faults, true),
                GroupCommitOptions{.max_batch = options.max_batch,
                                   .purge_interval_seconds = 300,
                                   .failing_probe_ms = options.failing_probe_ms,
                                   .rehearse_jobs = options.rehearse_jobs},
                options.metrics,
                &sessions_version_) {}

  ~SqliteStore() override { writer_.stop(); }

  // Never throws: a connection that cannot be opened leaves the context detached (every call
  // answers storage_unavailable) and is retried, at most once a second per thread, so a broken
  // database neither floods the log nor costs an open() per request.
  Reads& reads() override {
    auto& reader = thread_readers[serial_];
    if (!reader.context) reader.context = std::make_unique<Context>(nullptr, &sessions_version_);
    if (!reader.context->attached()) {
      UnixMillis now = now_millis();
      if (now - reader.last_open_attempt >= kReopenIntervalMs) {
        reader.last_open_attempt = now;
        try {
          auto db = std::make_unique<Connection>(path_, false, faults_, false);
          db->exec("PRAGMA query_only = ON");
          reader.db = std::move(db);
          reader.context->attach(reader.db.get());
          reader.last_open_attempt = reader.last_open_logged = 0;
        } catch (const SqliteError& e) {
          if (now - reader.last_open_logged >= kReopenLogIntervalMs) {
            reader.last_open_logged = now;
            log::event(log::Level::error, "storage: cannot open a read connection",
                       {{"error", e.what()}});
          }
        }
      }
    }
    return *reader.context;
  }

  void submit(WriteJob job) override { writer_.submit(std::move(job)); }

  int expected_schema_version() const override { return latest_schema_version(); }

  WriteHealth write_health() const override { return writer_.health(); }

  // One node: the writer hands its own announcements out after each commit, and nothing is
  // ever missed, so there is never a "resync".
  void set_announcement_handler(AnnouncementHandler handler) override {
    writer_.set_announcement_handler(std::move(handler));
  }

  Result<int> schema_version() override {
    reads();  // opens this thread's connection on first use
    auto& reader = thread_readers[serial_];
    if (!reader.db) return unavailable("the database is unreachable");
    try {
      return current_schema_version(*reader.db);
    } catch (const SqliteError& e) {
      return unavailable(e.what());
    }
  }

 private:
  const std::uint64_t serial_ = next_store_serial.fetch_add(1);
  std::string path_;
  std::shared_ptr<FaultInjection> faults_;
  SessionsVersion sessions_version_;  // before the writer, which bumps it
  GroupCommitWriter writer_;
};

}  // namespace

Result<int> migrate_database(const std::string& path) {
  try {
    std::error_code ec;
    auto parent = std::filesystem::path(path).parent_path();
    if (!parent.empty()) std::filesystem::create_directories(parent, ec);
    Connection db(path, true);
    return migrate(db);
  } catch (const SqliteError& e) {
    return unavailable(e.what());
  }
}

Result<std::unique_ptr<Store>> open_store(const SqliteStoreOptions& options) {
  auto version = migrate_database(options.path);
  if (!version) return version.take_error();
  try {
    return std::unique_ptr<Store>(std::make_unique<SqliteStore>(options));
  } catch (const SqliteError& e) {
    return unavailable(e.what());
  }
}

Result<void> backup_database(const std::string& path, const std::string& destination) {
  try {
    if (!std::filesystem::exists(path)) return unavailable("no database at " + path);
    Connection source(path, false);
    sqlite3* target = nullptr;
    if (sqlite3_open(destination.c_str(), &target) != SQLITE_OK) {
      std::string message = sqlite3_errmsg(target);
      sqlite3_close(target);
      return unavailable("cannot create " + destination + ": " + message);
    }
    sqlite3_backup* backup = sqlite3_backup_init(target, "main", source.raw(), "main");
    if (!backup) {
      std::string message = sqlite3_errmsg(target);
      sqlite3_close(target);
      return unavailable("backup failed: " + message);
    }
    int rc;
    do {
      // Copy in steps so that a busy writer only delays the backup, never the other way around.
      rc = sqlite3_backup_step(backup, 256);
      if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED) sqlite3_sleep(10);
    } while (rc == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED);
    sqlite3_backup_finish(backup);
    std::string message = sqlite3_errmsg(target);
    sqlite3_close(target);
    if (rc != SQLITE_DONE) return unavailable("backup failed: " + message);
    return {};
  } catch (const SqliteError& e) {
    return unavailable(e.what());
  }
}

}  // namespace paddock::storage::sqlite
