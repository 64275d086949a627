#pragma once
// storage/postgres/pg_store: the PostgreSQL Store, for several nodes on one database. A
// group-commit writer thread on its own connection (one transaction per batch, a savepoint per
// job, the whole batch run again when PostgreSQL reports a lost race) and one read connection
// per reading thread, reconnecting by itself when the server comes back. The only public face
// of storage/postgres (main and tests open it here); depends on storage's interface, metrics
// and libpq.
#include <memory>
#include <string>

#include "core/result.hpp"
#include "metrics/metrics.hpp"
#include "storage/store.hpp"

namespace paddock::storage::postgres {

// The one channel every node LISTENs on. A notification's payload is "TOPIC PAYLOAD"
// (Writes::announce). PostgreSQL delivers notifications at commit, in commit order. The writer
// itself announces topic "feed" with the highest event seq a commit appended (decimal), so that
// every node reads the new events from the log.
inline constexpr const char* kAnnounceChannel = "paddock";
inline constexpr const char* kFeedTopic = "feed";

struct PgStoreOptions {
  std::string conninfo;  // a libpq URI (postgresql://...) or key=value string
  std::size_t max_batch = 1024;
  metrics::StorageMetrics* metrics = nullptr;
  int retry_attempts = 5;       // a batch that loses a race (40001, 40P01) runs again this often
  int reconnect_ms = 1000;      // while the server is unreachable, how often to try again
};

// Connects, applies pending migrations (one node at a time: they take an advisory lock) and
// opens the store. Errors carry storage_unavailable and say why.
Result<std::unique_ptr<Store>> open_store(const PgStoreOptions& options);

// Applies pending migrations; returns the schema version.
Result<int> migrate_database(const std::string& conninfo);

// True iff `database` names PostgreSQL (a postgresql:// or postgres:// URI).
bool is_postgres_uri(std::string_view database);

}  // namespace paddock::storage::postgres
