#pragma once
// storage/sqlite/sqlite_store: the embedded-database Store. One file under the data directory,
// WAL mode, a group-commit writer thread and one read connection per reading thread. The only
// public face of storage/sqlite (main and tests open it here); depends on storage's interface,
// metrics and SQLite.
#include <memory>
#include <string>

#include "core/result.hpp"
#include "metrics/metrics.hpp"
#include "storage/sqlite/connection.hpp"
#include "storage/store.hpp"

namespace paddock::storage::sqlite {

struct SqliteStoreOptions {
  std::string path;                         // database file
  std::size_t max_batch = 1024;
  metrics::StorageMetrics* metrics = nullptr;
  std::shared_ptr<FaultInjection> faults;   // tests only: injected storage faults
  int failing_probe_ms = 5000;  // while writes fail, how often the writer probes for recovery
  bool rehearse_jobs = false;   // tests only: each job runs twice (GroupCommitOptions)
};

// Opens (creating if needed) and migrates the database. Errors carry storage_unavailable.
Result<std::unique_ptr<Store>> open_store(const SqliteStoreOptions& options);

// Applies pending migrations to the database at `path`; returns the schema version.
Result<int> migrate_database(const std::string& path);

// Copies a consistent snapshot of the database at `path` to `destination` with SQLite's online
// backup API; safe while a server writes to it.
Result<void> backup_database(const std::string& path, const std::string& destination);

}  // namespace paddock::storage::sqlite
