// What only the SQLite backend has: durability across reopen, group commit, backup, the
// schema's migrations from earlier versions, and injected storage faults. The repository
// contracts themselves are in storage/conformance, run by sqlite_conformance_test.cpp.
#include "storage/sqlite/sqlite_store.hpp"

#include <gtest/gtest.h>
#include <sodium.h>
#include <sqlite3.h>

#include <condition_variable>
#include <deque>
#include <map>
#include <filesystem>
#include <future>
#include <thread>

#include "core/encoding.hpp"
#include "core/thread_post.hpp"
#include "devices/device_service.hpp"
#include "identity/tokens.hpp"
#include "sharing/sharing_service.hpp"
#include "core/post_queue_for_tests.hpp"
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
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }
  std::string path() const { return (dir_ / "paddock.db").string(); }
  void open(bool rehearse_jobs = false) {
    store_.reset();
    SqliteStoreOptions options{path(), 1024, &metrics_, faults_};
    options.rehearse_jobs = rehearse_jobs;
    auto store = open_store(options);
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
  template <class T, class F>
  Result<T> wait(F start) {
    std::promise<Result<T>> p;
    start([&](Result<T> r) { p.set_value(std::move(r)); });
    return p.get_future().get();
  }
  static UserRecord user(const std::string& name) {
    return UserRecord{"usr_" + name, name, name, "hash", 1};
  }

  std::filesystem::path dir_;
  metrics::StorageMetrics metrics_;
  std::shared_ptr<FaultInjection> faults_ = std::make_shared<FaultInjection>();
  std::unique_ptr<Store> store_;
};

TEST_F(SqliteStoreTest, CommittedWritesAreVisibleToReadersAndSurviveReopen) {
  open();
  auto r = write_and_wait<bool>([](Writes& w) -> Result<bool> {
    PADDOCK_TRY(w.identity().insert_user(user("ada")));
    return true;
  });
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*store_->reads().identity().user_by_username("ada"))->id, "usr_ada");
  open();
  EXPECT_TRUE(store_->reads().identity().user_by_id("usr_ada")->has_value());
  EXPECT_EQ(*store_->schema_version(), latest_schema_version());
}

TEST_F(SqliteStoreTest, ConcurrentWritesShareCommits) {
  open();
  constexpr int kWriters = 4, kPerWriter = 250;
  ASSERT_TRUE(write_and_wait<bool>([](Writes& w) -> Result<bool> {
                PADDOCK_TRY(w.identity().insert_user(user("dee")));
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
              PADDOCK_TRY(w.devices().insert_device(
                  {id, "usr_dee", "n", "phone", "k", false, std::nullopt, 1}));
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
  EXPECT_EQ(store_->reads().devices().devices_of_user("usr_dee")->size(),
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

// SQLite's temporary files are unlinked as soon as they are open: the writer thread's open
// descriptors are where they show.
int open_temp_files() {
  int found = 0;
  for (const auto& fd : std::filesystem::directory_iterator("/proc/self/fd")) {
    std::error_code ec;
    auto target = std::filesystem::read_symlink(fd.path(), ec).string();
    if (!ec && target.find("etilqs_") != std::string::npos) ++found;
  }
  return found;
}

TEST_F(SqliteStoreTest, AJobThatRewritesManyPagesOpensNoTemporaryFile) {
  // A job in a savepoint has every page it changes copied into a sub-journal. One that changes
  // a few dozen existing pages must keep that copy in memory, not in a new file.
  open();
  ASSERT_TRUE(write_and_wait<bool>([](Writes& w) -> Result<bool> {
                PADDOCK_TRY(w.identity().insert_user(user("many")));
                for (int i = 0; i < 600; ++i) {
                  // Live for now: the writer's own purge must leave them to the job below.
                  SessionRecord s{std::string(64, 'a') + std::to_string(i), "usr_many", 1,
                                  now_millis() + 3'600'000};
                  PADDOCK_TRY(w.identity().insert_session(s));
                }
                return true;
              }).ok());
  // After a batch in which a job rolled back, the next runs with a savepoint per job.
  ASSERT_FALSE(write_and_wait<bool>([](Writes&) -> Result<bool> {
                 return make_error(Errc::invalid_field, "rolled back");
               }).ok());
  int seen = -1;
  auto purged = write_and_wait<std::size_t>([&seen](Writes& w) -> Result<std::size_t> {
    auto gone = w.identity().purge_expired_sessions(now_millis() + 7'200'000);
    seen = open_temp_files();  // the sub-journal is still open here, inside the commit
    return gone;
  });
  ASSERT_TRUE(purged.ok());
  EXPECT_EQ(*purged, 600u);
  EXPECT_EQ(seen, 0);
}

TEST_F(SqliteStoreTest, BackupWhileOpenIsAConsistentCopy) {
  open();
  ASSERT_TRUE(write_and_wait<bool>([](Writes& w) -> Result<bool> {
                PADDOCK_TRY(w.identity().insert_user(user("gus")));
                return true;
              }).ok());
  auto copy = (dir_ / "copy.db").string();
  auto ok = backup_database(path(), copy);
  ASSERT_TRUE(ok.ok()) << ok.error().detail;
  Connection db(copy, false);
  auto& s = db.cached("SELECT count(*) FROM users WHERE username = 'gus'").bind();
  ASSERT_TRUE(s.step());
  EXPECT_EQ(s.integer(0), 1);
  s.reset();
}

// The tests' rehearsal (GroupCommitOptions::rehearse_jobs): each job runs twice, and only the
// second run's writes and announcements remain, so a job that cannot run twice (as PostgreSQL's
// retry of a batch would run it) fails the test that wrote it.
TEST_F(SqliteStoreTest, ARehearsedJobRunsTwiceAndOnlyTheSecondRunCounts) {
  open(/*rehearse_jobs=*/true);
  std::vector<std::string> announced;
  std::mutex announced_mutex;
  store_->set_announcement_handler([&](const std::string& topic, const std::string&) {
    std::lock_guard lock(announced_mutex);
    announced.push_back(topic);
  });
  int runs = 0;
  auto r = write_and_wait<bool>([&runs](Writes& w) -> Result<bool> {
    ++runs;
    // A second insert of the same user would fail: the first run's row must be gone.
    PADDOCK_TRY(w.identity().insert_user(user("twice")));
    PADDOCK_TRY(w.announce("rehearsed", ""));
    return true;
  });
  ASSERT_TRUE(r.ok()) << r.error().detail;
  EXPECT_EQ(runs, 2);
  auto found = store_->reads().identity().user_by_username("twice");
  ASSERT_TRUE(found.ok());
  EXPECT_TRUE(found->has_value());
  std::lock_guard lock(announced_mutex);
  EXPECT_EQ(announced, std::vector<std::string>{"rehearsed"}) << "announced once, not twice";
}

// A batch runs without a savepoint per job until a job rolls back; then the whole transaction
// is rolled back and the batch runs again with one per job, so only the failed job's writes go.
// The batch after one with a rollback starts with savepoints (a failing job there runs once);
// after a clean batch, the next starts without them again.
TEST_F(SqliteStoreTest, ABatchWithARolledBackJobRunsAgainAndKeepsTheOthers) {
  open();
  std::vector<std::string> announced;
  std::mutex announced_mutex;
  store_->set_announcement_handler([&](const std::string& topic, const std::string&) {
    std::lock_guard lock(announced_mutex);
    announced.push_back(topic);
  });
  // Run counts and results are touched by the writer thread, read once its completions ran.
  std::map<std::string, int> runs;
  std::map<std::string, bool> durable;
  std::mutex done_mutex;
  std::condition_variable done;
  int pending = 0;
  auto submit = [&](const std::string& name, bool keep, std::function<void()> block = {}) {
    {
      std::lock_guard lock(done_mutex);
      ++pending;
    }
    store_->submit(WriteJob{[&, name, keep, block](Writes& w) {
                              if (block) block();
                              ++runs[name];
                              if (!w.identity().insert_user(user(name)).ok()) return false;
                              if (!w.announce(name, "").ok()) return false;
                              return keep;
                            },
                            [&, name](bool ok) {
                              std::lock_guard lock(done_mutex);
                              durable[name] = ok;
                              --pending;
                              done.notify_all();
                            }});
  };
  auto wait_for_all = [&] {
    std::unique_lock lock(done_mutex);
    done.wait(lock, [&] { return pending == 0; });
  };
  // A job that, the first time it runs, holds the writer until `queue_next` has queued more:
  // those then make up the next batch.
  auto holding = [&](const std::string& name, auto queue_next) {
    auto released = std::make_shared<std::promise<void>>();
    auto held = std::make_shared<std::promise<void>>();
    auto go = released->get_future().share();
    submit(name, true, [held, go, once = std::make_shared<bool>(true)] {
      if (!std::exchange(*once, false)) return;
      held->set_value();
      go.wait();
    });
    held->get_future().wait();
    queue_next();
    released->set_value();
  };
  holding("opener", [&] {
    submit("ann", true);
    submit("bea", false);  // writes a user, then rolls back: the batch runs again
    submit("cal", true);   // reached only in the second pass
  });
  wait_for_all();
  // The batch after the rollback: a job that fails there runs once, in its own savepoint.
  submit("fay", false);
  wait_for_all();
  // A clean batch, then a failing job: without savepoints again, so it runs twice.
  holding("closer", [&] { submit("gus", false); });
  wait_for_all();

  EXPECT_EQ(runs["ann"], 2) << "run again in the second pass";
  EXPECT_EQ(runs["bea"], 2);
  EXPECT_EQ(runs["cal"], 1) << "the first pass stopped at the rollback";
  EXPECT_EQ(runs["fay"], 1) << "after a rollback a batch starts with savepoints";
  EXPECT_EQ(runs["gus"], 2) << "after a clean batch a batch starts without them";
  for (const char* name : {"ann", "bea", "cal", "fay", "gus"}) {
    EXPECT_TRUE(durable[name]) << name << ": a rollback is a domain answer, not a fault";
  }
  for (const char* name : {"ann", "cal"}) {
    EXPECT_TRUE(store_->reads().identity().user_by_username(name)->has_value()) << name;
  }
  for (const char* name : {"bea", "fay", "gus"}) {
    EXPECT_FALSE(store_->reads().identity().user_by_username(name)->has_value()) << name;
  }
  {
    std::lock_guard lock(announced_mutex);
    EXPECT_EQ(announced, (std::vector<std::string>{"opener", "ann", "cal", "closer"}))
        << "each kept job announces once, in order; the abandoned passes announce nothing";
  }
  metrics::TextWriter text;
  metrics_.render(text);
  EXPECT_NE(text.take().find("paddock_storage_batch_reruns_total 2\n"), std::string::npos);
}

// The writer only writes: a completion goes back to the submitting thread's ThreadPost hook
// and runs there, not on the writer.
TEST_F(SqliteStoreTest, CompletionsRunOnTheSubmittingThread) {
  open();
  std::thread::id ran_on;
  std::thread::id on_commit_ran_on;
  {
    PostQueueForTests queue;
    store_->write<bool>(
        [](Writes& w) -> Result<bool> {
          PADDOCK_TRY(w.identity().insert_user(user("hal")));
          return true;
        },
        [&](Result<bool> r) {
          EXPECT_TRUE(r.ok());
          ran_on = std::this_thread::get_id();
        },
        [&](bool&) { on_commit_ran_on = std::this_thread::get_id(); });
    // Nothing runs the completion until this thread does.
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    EXPECT_EQ(ran_on, std::thread::id()) << "the completion must wait for this thread";
    ASSERT_TRUE(queue.run_one());
  }
  EXPECT_NE(on_commit_ran_on, std::thread::id()) << "on_commit runs on the writer at commit";
  EXPECT_NE(on_commit_ran_on, std::this_thread::get_id());
  EXPECT_EQ(ran_on, std::this_thread::get_id());
}

TEST_F(SqliteStoreTest, AReadFaultIsStorageUnavailableAndTheNextReadWorks) {
  open();
  ASSERT_TRUE(init_crypto());
  devices::DeviceService devices(*store_);
  ASSERT_TRUE(devices.list("usr_x").ok());  // opens this thread's read connection
  faults_->fail_reads = 1;
  auto failed = devices.list("usr_x");
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().code, Errc::storage_unavailable);
  auto again = devices.list("usr_x");
  EXPECT_TRUE(again.ok());
}

// A read thread answers sessions and users it read before from memory (no statement runs: an
// injected read fault stays unspent) until a commit deletes a session; then every thread reads
// again, so a logged-out token is refused everywhere once its logout is acknowledged.
TEST_F(SqliteStoreTest, ReadThreadsCacheSessionsUntilACommitDeletesOne) {
  constexpr UnixMillis kFarFuture = 4'000'000'000'000;  // the writer purges expired sessions
  open();
  ASSERT_TRUE(write_and_wait<bool>([](Writes& w) -> Result<bool> {
                PADDOCK_TRY(w.identity().insert_user(user("ada")));
                PADDOCK_TRY(w.identity().insert_session({"hash-1", "usr_ada", 1, kFarFuture}));
                PADDOCK_TRY(w.identity().insert_session({"hash-2", "usr_ada", 1, kFarFuture}));
                return true;
              }).ok());
  auto session = [this](const char* hash) {
    auto found = store_->reads().identity().session_by_token_hash(hash);
    EXPECT_TRUE(found.ok());
    return found.ok() && found->has_value();
  };
  auto on_other_thread = [&](const char* hash) {
    bool found = false;
    std::thread([&] { found = session(hash); }).join();
    return found;
  };
  EXPECT_TRUE(session("hash-1"));
  EXPECT_TRUE(session("hash-2"));
  EXPECT_TRUE(store_->reads().identity().user_by_id("usr_ada")->has_value());

  faults_->fail_reads = 1;
  EXPECT_TRUE(session("hash-1"));
  EXPECT_TRUE(store_->reads().identity().user_by_id("usr_ada")->has_value());
  EXPECT_EQ(faults_->fail_reads.load(), 1) << "answered without a statement";
  faults_->fail_reads = 0;
  EXPECT_FALSE(session("unknown")) << "absence is never cached";

  // Deleting nothing keeps the caches.
  ASSERT_TRUE(write_and_wait<bool>([](Writes& w) { return w.identity().delete_session("nope"); })
                  .ok());
  faults_->fail_reads = 1;
  EXPECT_TRUE(session("hash-2"));
  EXPECT_EQ(faults_->fail_reads.load(), 1);
  faults_->fail_reads = 0;

  // A logout (on any thread's cache) takes effect before its completion runs.
  EXPECT_TRUE(on_other_thread("hash-1"));
  ASSERT_TRUE(*write_and_wait<bool>([](Writes& w) { return w.identity().delete_session("hash-1"); }));
  EXPECT_FALSE(session("hash-1"));
  EXPECT_FALSE(on_other_thread("hash-1"));
  EXPECT_TRUE(session("hash-2"));  // read again, still there
}

// Identity's token hashes (64 lower-case hex digits) are cached under their decoded bytes: the
// record comes back whole from memory, and a logout still reaches it.
TEST_F(SqliteStoreTest, ReadThreadsCacheHexTokenHashesCompactlyAndWhole) {
  constexpr UnixMillis kFarFuture = 4'000'000'000'000;
  const std::string hex(64, 'a');
  const std::string other = std::string(63, 'a') + "b";
  open();
  ASSERT_TRUE(write_and_wait<bool>([&](Writes& w) -> Result<bool> {
                PADDOCK_TRY(w.identity().insert_user(user("ada")));
                PADDOCK_TRY(w.identity().insert_session({hex, "usr_ada", 7, kFarFuture}));
                PADDOCK_TRY(w.identity().insert_session({other, "usr_ada", 8, kFarFuture}));
                return true;
              }).ok());
  auto read = [this](const std::string& hash) {
    return store_->reads().identity().session_by_token_hash(hash);
  };
  ASSERT_TRUE(read(hex).ok() && read(hex)->has_value());
  faults_->fail_reads = 1;
  auto cached = read(hex);
  ASSERT_TRUE(cached.ok() && cached->has_value());
  EXPECT_EQ(faults_->fail_reads.load(), 1) << "answered without a statement";
  EXPECT_EQ((*cached)->token_hash, hex);
  EXPECT_EQ((*cached)->user_id, "usr_ada");
  EXPECT_EQ((*cached)->created_at, 7);
  EXPECT_EQ((*cached)->expires_at, kFarFuture);
  faults_->fail_reads = 0;
  EXPECT_EQ((*read(other))->created_at, 8) << "a hash one digit apart is another session";

  ASSERT_TRUE(*write_and_wait<bool>([&](Writes& w) { return w.identity().delete_session(hex); }));
  auto gone = read(hex);
  ASSERT_TRUE(gone.ok());
  EXPECT_FALSE(gone->has_value());
}

TEST_F(SqliteStoreTest, AReadConnectionThatCannotOpenAnswersUnavailableAndIsRetriedLater) {
  open();
  // The file is moved away before this (new) thread opens its read connection, then put back.
  std::string away = path() + ".away";
  std::filesystem::rename(path(), away);
  std::thread([&] {
    auto first = store_->reads().identity().user_by_username("nobody");
    ASSERT_FALSE(first.ok());
    EXPECT_EQ(first.error().code, Errc::storage_unavailable);
    std::filesystem::rename(away, path());
    // Within the retry interval the thread does not try again...
    auto soon = store_->reads().identity().user_by_username("nobody");
    EXPECT_FALSE(soon.ok());
    // ...and after it, it does, and reads work.
    std::this_thread::sleep_for(std::chrono::milliseconds(1100));
    auto later = store_->reads().identity().user_by_username("nobody");
    ASSERT_TRUE(later.ok()) << later.error().detail;
    EXPECT_FALSE(later->has_value());
  }).join();
}

TEST_F(SqliteStoreTest, AWriteFaultFailsTheJobAndMarksWritesFailingUntilACleanCommit) {
  open();
  ASSERT_TRUE(write_and_wait<bool>([](Writes& w) -> Result<bool> {
                PADDOCK_TRY(w.identity().insert_user(user("ivy")));
                return true;
              }).ok());
  EXPECT_FALSE(store_->write_health().failing);
  ASSERT_TRUE(init_crypto());
  unsigned char pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES];
  crypto_sign_keypair(pk, sk);
  const std::string key = base64url_encode({pk, sizeof pk});
  devices::DeviceService devices(*store_);
  // The next statement on the writer fails as a full disk would.
  faults_->fail_writes = 1;
  auto failed = wait<DeviceRecord>([&](auto cb) {
    devices.register_device("usr_ivy", {"phone", "phone", key, false}, cb);
  });
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().code, Errc::storage_unavailable);
  auto health = store_->write_health();
  EXPECT_TRUE(health.failing);
  EXPECT_EQ(health.consecutive_failures, 1u);
  EXPECT_GT(health.failing_since, 0);
  EXPECT_NE(health.last_error.find("injected"), std::string::npos) << health.last_error;
  EXPECT_TRUE(store_->reads().devices().devices_of_user("usr_ivy")->empty());

  // A batch that writes nothing (its job refused with a domain error) commits even on a full
  // disk, so it proves nothing: the flag stays until a commit really writes.
  auto refused = write_and_wait<bool>([](Writes& w) -> Result<bool> {
    PADDOCK_TRY(w.identity().insert_user(user("zed")));
    return make_error(Errc::forbidden, "refused after writing");
  });
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, Errc::forbidden);
  EXPECT_TRUE(store_->write_health().failing);
  auto nothing = write_and_wait<bool>([](Writes&) -> Result<bool> { return true; });
  ASSERT_TRUE(nothing.ok());
  EXPECT_TRUE(store_->write_health().failing);

  auto ok = wait<DeviceRecord>([&](auto cb) {
    devices.register_device("usr_ivy", {"phone", "phone", key, false}, cb);
  });
  ASSERT_TRUE(ok.ok()) << ok.error().detail;
  EXPECT_FALSE(store_->write_health().failing);
}

// A node that is not ready gets no traffic, so no request would ever clear the flag: while
// writes fail the writer probes by itself, and a recovered disk makes the node ready again.
TEST_F(SqliteStoreTest, WhileWritesFailTheWriterProbesAndRecoversWithoutTraffic) {
  store_.reset();
  auto store = open_store({path(), 1024, &metrics_, faults_, /*failing_probe_ms=*/20});
  ASSERT_TRUE(store.ok()) << store.error().detail;
  store_ = std::move(store.value());
  ASSERT_TRUE(write_and_wait<bool>([](Writes& w) -> Result<bool> {
                PADDOCK_TRY(w.identity().insert_user(user("jon")));
                return true;
              }).ok());
  faults_->fail_writes = 1;
  auto failed = write_and_wait<bool>([](Writes& w) -> Result<bool> {
    PADDOCK_TRY(w.identity().insert_user(user("kit")));
    return true;
  });
  ASSERT_FALSE(failed.ok());
  EXPECT_TRUE(store_->write_health().failing);
  // No more writes from here on; the probe must clear the flag (bounded wait).
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (store_->write_health().failing && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_FALSE(store_->write_health().failing);
}

class NoLiveFeed final : public sharing::LiveFeed {
 public:
  void apply(sharing::FeedUpdate) override {}
};

// A database written by the previous schema (version 2), opened by this build, keeps its data:
// challenges and confirmations still redeem, events keep their cursors, and a new event gets a
// seq above every seq issued before (even deleted ones).
TEST_F(SqliteStoreTest, AVersion2DatabaseMigratesWithItsData) {
  ASSERT_TRUE(init_crypto());
  auto token = identity::issue_token();
  UnixMillis later = now_millis() + 60'000;
  {
    Connection db(path(), true);
    ASSERT_EQ(migrate(db, 2), 2);
    std::string sql =
        "INSERT INTO users VALUES ('usr_o','o','o','h',1), ('usr_f','f','f','h',1);"
        "INSERT INTO devices VALUES ('dev_1','usr_o','n','phone','k',1,NULL,1);"
        "INSERT INTO device_challenges VALUES ('dev_1','nonce1'," +
        std::to_string(later) +
        ");"
        "INSERT INTO vehicles VALUES ('veh_1','usr_o','VIN00000000000001',NULL,NULL,NULL,'car',"
        "'uffpuu',0,1,1);"
        "INSERT INTO follow_confirmations VALUES ('" +
        token.hash + "','usr_f','veh_1',3," + std::to_string(later) +
        ");"
        "INSERT INTO events (vehicle_id, target_user, type, message_type, message_id, payload, "
        "created_at) VALUES ('veh_1',NULL,'message.created',0,'msg_1','{}',1),"
        "('veh_1',NULL,'message.created',0,'msg_2','{}',1);"
        "DELETE FROM events WHERE seq = 2;";
    db.exec(sql.c_str());
  }
  open();
  EXPECT_EQ(*store_->schema_version(), latest_schema_version());
  EXPECT_TRUE(store_->reads().devices().device_by_id("dev_1")->has_value());

  auto challenge = write_and_wait<bool>([](Writes& w) -> Result<bool> {
    PADDOCK_ASSIGN(
        taken, w.secrets().take_secret(devices::kChallengePurpose, "dev_1:nonce1", now_millis()));
    return taken.has_value();
  });
  EXPECT_TRUE(*challenge);

  NoLiveFeed live;
  sharing::SharingService sharing(*store_, live);
  auto followed =
      wait<FollowRecord>([&](auto cb) { sharing.confirm_follow("usr_f", token.token, cb); });
  ASSERT_TRUE(followed.ok()) << followed.error().detail;
  EXPECT_EQ(followed->vehicle_id, "veh_1");
  EXPECT_EQ(followed->types, 3u);

  auto events = store_->reads().events().vehicle_events_after("veh_1", 0, 0x3f, 10);
  ASSERT_EQ(events->size(), 1u);
  EXPECT_EQ((*events)[0].seq, 1);
  EXPECT_EQ((*events)[0].vehicle_id, "veh_1");
  EXPECT_EQ(*store_->reads().events().last_event_seq(), 2);
  auto next = write_and_wait<std::int64_t>([](Writes& w) {
    return w.events().append_event(EventRecord{0, "veh_1", std::nullopt, std::nullopt,
                                               "message.created", 0, "msg_3", "{}", 1});
  });
  EXPECT_EQ(*next, 3);
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
