// The libpq connection against the real test cluster: parameters round-trip as text, statements
// are prepared once, and errors say what a caller can do (retry, conflict, lost connection).
#include <gtest/gtest.h>
#include <unistd.h>

#include <thread>

#include "storage/postgres/connection.hpp"
#include "storage/postgres/test_cluster.hpp"

namespace paddock::storage::postgres {
namespace {

class PostgresConnection : public ::testing::Test {
 protected:
  void SetUp() override {
    auto conninfo = test_cluster_conninfo();
    if (!conninfo) GTEST_SKIP() << "no test cluster: run through ctest (make test)";
    conninfo_ = *conninfo;
    db_ = std::make_unique<Connection>(conninfo_);
  }
  std::string conninfo_;
  std::unique_ptr<Connection> db_;
};

TEST_F(PostgresConnection, ParametersAndColumnsRoundTripAsText) {
  db_->exec("CREATE TEMP TABLE t (id TEXT PRIMARY KEY, n BIGINT, flag BOOLEAN, note TEXT)");
  std::optional<std::string> no_note;
  for (int i = 0; i < 3; ++i) {  // the same statement again: prepared once, run three times
    auto inserted = db_->query("INSERT INTO t VALUES ($1, $2, $3, $4)", "id" + std::to_string(i),
                               std::int64_t{1} << 40 | i, i % 2 == 0, no_note);
    EXPECT_EQ(inserted.affected(), 1);
  }
  auto rows = db_->query("SELECT id, n, flag, note FROM t WHERE n > $1 ORDER BY id",
                         std::int64_t{1} << 40);
  ASSERT_EQ(rows.size(), 2);
  EXPECT_EQ(rows.text(0, 0), "id1");
  EXPECT_EQ(rows.integer(0, 1), (std::int64_t{1} << 40) | 1);
  EXPECT_FALSE(rows.boolean(0, 2));
  EXPECT_TRUE(rows.boolean(1, 2));
  EXPECT_TRUE(rows.is_null(0, 3));

  std::string text = "Grüße, 車 — \"quoted\" 'single' \\ ;";
  auto echoed = db_->query("SELECT $1::text", text);
  EXPECT_EQ(echoed.text(0, 0), text);
}

TEST_F(PostgresConnection, UniqueViolationIsToldApartAndTheConnectionStaysUsable) {
  db_->exec("CREATE TEMP TABLE u (k TEXT UNIQUE)");
  db_->query("INSERT INTO u VALUES ($1)", "a");
  try {
    db_->query("INSERT INTO u VALUES ($1)", "a");
    FAIL() << "a duplicate was inserted";
  } catch (const PgError& e) {
    EXPECT_TRUE(e.unique_violation()) << e.sqlstate << " " << e.what();
    EXPECT_FALSE(e.retryable());
    EXPECT_FALSE(e.connection_lost());
  }
  EXPECT_EQ(db_->query("SELECT count(*) FROM u").integer(0, 0), 1);
  // ON CONFLICT DO NOTHING is how a repository asks the database to decide.
  EXPECT_EQ(db_->query("INSERT INTO u VALUES ($1) ON CONFLICT DO NOTHING", "a").affected(), 0);
}

TEST_F(PostgresConnection, ConcurrentSerializableWritersGetARetryableError) {
  std::string table = "ser_" + std::to_string(::getpid()) + "_" + std::to_string(db_->backend_pid());
  db_->exec("CREATE TABLE " + table + " (k INT PRIMARY KEY, v INT)");
  db_->exec("INSERT INTO " + table + " VALUES (1, 0)");
  Connection other(conninfo_);
  db_->exec("BEGIN ISOLATION LEVEL SERIALIZABLE");
  other.exec("BEGIN ISOLATION LEVEL SERIALIZABLE");
  db_->exec("SELECT v FROM " + table + " WHERE k = 1");
  other.exec("SELECT v FROM " + table + " WHERE k = 1");
  db_->exec("UPDATE " + table + " SET v = v + 1 WHERE k = 1");
  db_->exec("COMMIT");
  bool retryable = false;
  try {
    other.exec("UPDATE " + table + " SET v = v + 1 WHERE k = 1");
    other.exec("COMMIT");
  } catch (const PgError& e) {
    retryable = e.retryable();
    other.exec("ROLLBACK");
  }
  EXPECT_TRUE(retryable);
  db_->exec("DROP TABLE " + table);
}

TEST_F(PostgresConnection, AnUnreachableServerIsAConnectionError) {
  try {
    Connection nowhere("host=/nonexistent-paddock-dir user=paddock connect_timeout=2");
    FAIL() << "connected to nothing";
  } catch (const PgError& e) {
    EXPECT_TRUE(e.connection_lost());
    EXPECT_NE(std::string(e.what()).find("cannot connect"), std::string::npos);
  }
}

TEST_F(PostgresConnection, ATerminatedSessionIsReportedAsLost) {
  Connection admin(conninfo_);
  admin.query("SELECT pg_terminate_backend($1)", db_->backend_pid());
  bool lost = false;
  for (int i = 0; i < 50 && !lost; ++i) {  // the termination is asynchronous
    try {
      db_->query("SELECT 1");
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    } catch (const PgError& e) {
      lost = e.connection_lost();
      if (!lost) ADD_FAILURE() << e.sqlstate << " " << e.what();
      break;
    }
  }
  EXPECT_TRUE(lost);
  EXPECT_FALSE(db_->ok());
}

}  // namespace
}  // namespace paddock::storage::postgres
