#pragma once
// storage/sqlite/migrations: the schema, as an ordered list of versioned steps. The applied
// version lives in PRAGMA user_version and moves forward only, in the same transaction as the
// step it records. Internal to storage/sqlite; depends on its connection.
#include "storage/sqlite/connection.hpp"

namespace paddock::storage::sqlite {

// The newest schema version this build knows.
int latest_schema_version();

// Applies every step newer than the database's version, up to `up_to` (tests build databases
// of earlier versions with it). Returns the resulting version. Throws SqliteError (callers in
// this module turn it into a value); refuses (throws) a database newer than this build.
int migrate(Connection& db, int up_to = 1 << 30);

int current_schema_version(Connection& db);

}  // namespace paddock::storage::sqlite
