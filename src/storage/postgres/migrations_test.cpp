// The PostgreSQL schema against the real test cluster: applied once, idempotent, safe when
// several nodes start together, and refused when the database is newer than the build.
#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "storage/postgres/migrations.hpp"
#include "storage/postgres/test_cluster.hpp"
#include "storage/sqlite/migrations.hpp"

namespace paddock::storage::postgres {
namespace {

// One number names one schema: every SQLite migration has its PostgreSQL counterpart.
TEST(SchemaVersions, PostgresKeepsUpWithSqlite) {
  EXPECT_EQ(latest_schema_version(), sqlite::latest_schema_version());
}

class PostgresMigrations : public ::testing::Test {
 protected:
  void SetUp() override {
    auto cluster = test_cluster_conninfo();
    if (!cluster) GTEST_SKIP() << "no test cluster: run through ctest (make test)";
    db_ = std::make_unique<ScratchDatabase>(*cluster);
  }
  std::unique_ptr<ScratchDatabase> db_;
};

TEST_F(PostgresMigrations, AnEmptyDatabaseReachesTheLatestVersionOnceAndStaysThere) {
  Connection db(db_->conninfo());
  EXPECT_EQ(current_schema_version(db), 0);
  EXPECT_EQ(migrate(db), latest_schema_version());
  EXPECT_EQ(current_schema_version(db), latest_schema_version());
  EXPECT_EQ(migrate(db), latest_schema_version());  // nothing left to do
  // The tables every repository needs exist.
  for (const char* table : {"users", "sessions", "devices", "vehicles", "vehicle_members",
                            "messages", "follows", "single_use_secrets", "events", "contacts",
                            "key_shares", "key_audit", "key_revocation_versions",
                            "head_units", "links", "operators", "charge_points",
                            "charge_point_connectors", "charge_transactions", "vehicle_platforms",
                            "antitheft_settings", "vehicle_telemetry", "antitheft_id_tags",
                            "vehicle_locks", "vehicle_lock_audit", "vehicle_charge_state",
                            "publishers", "publisher_secrets", "publisher_sequence",
                            "publisher_messages", "publisher_receivers",
                            "publisher_subscriptions", "publisher_opt_outs",
                            "publisher_message_reach", "publisher_inbox_cursors",
                            "publisher_public_reads"}) {
    auto found = db.query("SELECT to_regclass($1) IS NOT NULL", std::string(table));
    EXPECT_TRUE(found.boolean(0, 0)) << table;
  }
}

TEST_F(PostgresMigrations, NodesStartingTogetherApplyEachStepOnce) {
  constexpr int kNodes = 4;
  std::vector<int> reached(kNodes, -1);
  std::vector<std::string> errors(kNodes);
  std::vector<std::thread> nodes;
  for (int i = 0; i < kNodes; ++i) {
    nodes.emplace_back([&, i] {
      try {
        Connection db(db_->conninfo());
        reached[i] = migrate(db);
      } catch (const PgError& e) {
        errors[i] = e.what();
      }
    });
  }
  for (auto& t : nodes) t.join();
  for (int i = 0; i < kNodes; ++i) {
    EXPECT_EQ(reached[i], latest_schema_version()) << errors[i];
  }
}

TEST_F(PostgresMigrations, ADatabaseFromTheFutureIsRefusedAndLeftAlone) {
  Connection db(db_->conninfo());
  migrate(db);
  db.exec("UPDATE paddock_schema SET version = 999");
  try {
    migrate(db);
    FAIL() << "migrated a database newer than the build";
  } catch (const PgError& e) {
    EXPECT_NE(std::string(e.what()).find("newer than this build"), std::string::npos) << e.what();
  }
  EXPECT_EQ(current_schema_version(db), 999);
}

}  // namespace
}  // namespace paddock::storage::postgres
