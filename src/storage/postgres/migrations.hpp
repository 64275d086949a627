#pragma once
// storage/postgres/migrations: the PostgreSQL schema, versioned like the SQLite one
// (storage/sqlite/migrations.hpp) so that one number names one schema on both backends. A new
// cluster starts at version 4 (the SQLite schema after its migrations 1-4, in one step); later
// versions follow SQLite's one for one. Several nodes may start at once: migrate() takes a
// transaction-scoped advisory lock, so exactly one of them applies each step and the others
// find it done. Internal to storage; throws PgError.
#include "storage/postgres/connection.hpp"

namespace paddock::storage::postgres {

int latest_schema_version();
// The applied version (0 for an empty database).
int current_schema_version(Connection& db);
// Applies every migration above the current version up to `up_to`, in one transaction, and
// returns the version reached. Throws PgError (the database is left as it was) on failure, and
// for a database whose version is newer than this build knows.
int migrate(Connection& db, int up_to = latest_schema_version());

}  // namespace paddock::storage::postgres
