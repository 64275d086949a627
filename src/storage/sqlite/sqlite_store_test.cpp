#include "storage/sqlite/sqlite_store.hpp"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>
#include <future>
#include <thread>

#include "storage/sqlite/connection.hpp"
#include "storage/sqlite/migrations.hpp"

namespace paddock::storage::sqlite {
namespace {

class SqliteStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("paddock-store-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    open();
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }
  void open() {
    store_.reset();
    auto store = open_store({(dir_ / "paddock.db").string(), 1024, &metrics_});
    ASSERT_TRUE(store.ok()) << store.error().detail;
    store_ = std::move(store.value());
  }
  template <class T>
  Result<T> write_and_wait(std::function<Result<T>(Writes&)> fn) {
    std::promise<Result<T>> done;
    auto future = done.get_future();
    store_->write<T>(std::move(fn), [&done](Result<T> r) { done.set_value(std::move(r)); });
    return future.get();
  }
  static UserRecord user(const std::string& name) {
    return UserRecord{"usr_" + name, name, name, "hash", 1};
  }

  std::filesystem::path dir_;
  metrics::StorageMetrics metrics_;
  std::unique_ptr<Store> store_;
};

TEST_F(SqliteStoreTest, CommittedWritesAreVisibleToReadersAndSurviveReopen) {
  auto r = write_and_wait<bool>([](Writes& w) -> Result<bool> {
    if (auto ok = w.insert_user(user("ada")); !ok) return ok.take_error();
    return true;
  });
  ASSERT_TRUE(r.ok());
  auto found = store_->reads().user_by_username("ada");
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->id, "usr_ada");
  open();
  EXPECT_TRUE(store_->reads().user_by_id("usr_ada").has_value());
  EXPECT_EQ(*store_->schema_version(), latest_schema_version());
}

TEST_F(SqliteStoreTest, DuplicateUsernameIsADomainError) {
  auto insert = [](Writes& w) -> Result<bool> {
    if (auto ok = w.insert_user(user("bob")); !ok) return ok.take_error();
    return true;
  };
  ASSERT_TRUE(write_and_wait<bool>(insert).ok());
  auto second = write_and_wait<bool>(insert);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.error().code, Errc::username_taken);
}

TEST_F(SqliteStoreTest, AFailedJobRollsBackOnlyItsOwnWrites) {
  std::promise<void> both;
  std::atomic<int> remaining{2};
  auto finish = [&](auto) {
    if (--remaining == 0) both.set_value();
  };
  // Both jobs land in one batch when submitted back to back; the second inserts a device and
  // then fails, so its device must vanish while the first job's user stays.
  store_->write<bool>(
      [](Writes& w) -> Result<bool> {
        if (auto ok = w.insert_user(user("cy")); !ok) return ok.take_error();
        return true;
      },
      finish);
  store_->write<bool>(
      [](Writes& w) -> Result<bool> {
        w.insert_device({"dev_x", "usr_cy", "n", "phone", "k", false, std::nullopt, 1});
        return make_error(Errc::invalid_field, "changed my mind");
      },
      finish);
  both.get_future().wait();
  EXPECT_TRUE(store_->reads().user_by_id("usr_cy").has_value());
  EXPECT_FALSE(store_->reads().device_by_id("dev_x").has_value());
}

TEST_F(SqliteStoreTest, ConcurrentWritesShareCommits) {
  constexpr int kWriters = 4, kPerWriter = 250;
  ASSERT_TRUE(write_and_wait<bool>([](Writes& w) -> Result<bool> {
                (void)w.insert_user(user("dee"));
                return true;
              }).ok());
  std::atomic<int> done{0};
  std::promise<void> all;
  std::vector<std::thread> threads;
  for (int t = 0; t < kWriters; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerWriter; ++i) {
        std::string id = "dev_" + std::to_string(t) + "_" + std::to_string(i);
        store_->write<bool>(
            [id](Writes& w) -> Result<bool> {
              w.insert_device({id, "usr_dee", "n", "phone", "k", false, std::nullopt, 1});
              return true;
            },
            [&](Result<bool> r) {
              EXPECT_TRUE(r.ok());
              if (++done == kWriters * kPerWriter) all.set_value();
            });
      }
    });
  }
  for (auto& t : threads) t.join();
  all.get_future().wait();
  EXPECT_EQ(store_->reads().devices_of_user("usr_dee").size(),
            static_cast<std::size_t>(kWriters * kPerWriter));
  metrics::TextWriter text;
  metrics_.render(text);
  std::string rendered = text.take();
  // Fewer commits than writes: that is the point of group commit.
  const std::string needle = "paddock_storage_commits_total{outcome=\"ok\"} ";
  auto pos = rendered.find(needle);
  ASSERT_NE(pos, std::string::npos);
  long commits = std::stol(rendered.substr(pos + needle.size()));
  EXPECT_LT(commits, kWriters * kPerWriter);
}

TEST_F(SqliteStoreTest, TakeChallengeIsSingleUse) {
  ASSERT_TRUE(write_and_wait<bool>([](Writes& w) -> Result<bool> {
                (void)w.insert_user(user("eve"));
                w.insert_device({"dev_e", "usr_eve", "n", "phone", "k", true, std::nullopt, 1});
                w.insert_challenge({"dev_e", "nonce1", now_millis() + 60'000});
                return true;
              }).ok());
  auto first = write_and_wait<bool>([](Writes& w) -> Result<bool> {
    return w.take_challenge("dev_e", "nonce1").has_value();
  });
  auto second = write_and_wait<bool>([](Writes& w) -> Result<bool> {
    return w.take_challenge("dev_e", "nonce1").has_value();
  });
  EXPECT_TRUE(*first);
  EXPECT_FALSE(*second);
}

TEST_F(SqliteStoreTest, PurgeRemovesOnlyExpiredSessions) {
  ASSERT_TRUE(write_and_wait<bool>([](Writes& w) -> Result<bool> {
                (void)w.insert_user(user("fay"));
                UnixMillis now = now_millis();
                w.insert_session({"old", "usr_fay", 1, now - 10});
                w.insert_session({"new", "usr_fay", 1, now + 60'000});
                return w.purge_expired(now) == 1;
              }).value());
  EXPECT_FALSE(store_->reads().session_by_token_hash("old").has_value());
  EXPECT_TRUE(store_->reads().session_by_token_hash("new").has_value());
}

TEST_F(SqliteStoreTest, BackupWhileOpenIsAConsistentCopy) {
  ASSERT_TRUE(write_and_wait<bool>([](Writes& w) -> Result<bool> {
                (void)w.insert_user(user("gus"));
                return true;
              }).ok());
  auto copy = (dir_ / "copy.db").string();
  auto ok = backup_database((dir_ / "paddock.db").string(), copy);
  ASSERT_TRUE(ok.ok()) << ok.error().detail;
  Connection db(copy, false);
  auto& s = db.cached("SELECT count(*) FROM users WHERE username = 'gus'").bind();
  ASSERT_TRUE(s.step());
  EXPECT_EQ(s.integer(0), 1);
  s.reset();
}

TEST(Migrations, RefuseADatabaseFromTheFuture) {
  auto path = std::filesystem::temp_directory_path() /
              ("paddock-future-" + std::to_string(::getpid()) + ".db");
  std::filesystem::remove(path);
  {
    Connection db(path.string(), true);
    db.exec("PRAGMA user_version = 999");
  }
  auto r = migrate_database(path.string());
  EXPECT_FALSE(r.ok());
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace paddock::storage::sqlite
