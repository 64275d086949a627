// The lock workflow across nodes: two LockWorkflows (nodes A and B) on one database, on SQLite
// (one writer, one router: what a single node does with its own announcements) and on
// PostgreSQL (two stores, announcements by NOTIFY); each has its own registry of connected piles (a recording pile link standing in for
// the OCPP connections, answered by the test). The test thread is the I/O thread: it carries a
// ThreadPost hook, so write completions and the piles' threads run there, in pump().
#include "antitheft/lock_workflow.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/json/parse.hpp>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <set>
#include <thread>

#include "core/thread_post.hpp"
#include "core/work_pool.hpp"
#include "storage/postgres/pg_store.hpp"
#include "storage/postgres/test_cluster.hpp"
#include "storage/sqlite/sqlite_store.hpp"

namespace paddock::antitheft {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

// Tasks posted to the test thread, run by pump().
class Loop {
 public:
  void post(std::function<void()> task) {
    std::lock_guard lock(mutex_);
    tasks_.push_back(std::move(task));
    ready_.notify_one();
  }
  // Runs tasks until `done()` holds; false after 10 s without it.
  bool pump_until(const std::function<bool()>& done) {
    auto deadline = std::chrono::steady_clock::now() + 10s;
    while (!done()) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      run_one(20ms);
    }
    return true;
  }
  std::size_t queued() const {
    std::lock_guard lock(mutex_);
    return tasks_.size();
  }
  // The hook that makes this loop a thread's: what the thread starts completes here.
  ThreadPost hook() {
    return {this, [](void* target, std::function<void()> task) {
              static_cast<Loop*>(target)->post(std::move(task));
            }};
  }
  // Runs whatever arrives for `span`: what is still in flight settles.
  void settle(std::chrono::milliseconds span = 300ms) {
    auto end = std::chrono::steady_clock::now() + span;
    while (std::chrono::steady_clock::now() < end) run_one(10ms);
  }

 private:
  void run_one(std::chrono::milliseconds wait) {
    std::function<void()> task;
    {
      std::unique_lock lock(mutex_);
      if (!ready_.wait_for(lock, wait, [this] { return !tasks_.empty(); })) return;
      task = std::move(tasks_.front());
      tasks_.pop_front();
    }
    task();
  }

  mutable std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<std::function<void()>> tasks_;
};

// One node's connected piles. Calls are recorded and answered by the test; a pile's thread is
// the test thread.
class RecordingPiles final : public PileCalls {
 public:
  struct Sent {
    std::string cp;
    std::string action;
    json::object payload;
    Callback<json::object> done;
  };
  explicit RecordingPiles(Loop& loop) : loop_(loop) {}

  bool online(std::string_view cp) const override {
    std::lock_guard lock(mutex_);
    return connected_.contains(std::string(cp));
  }
  std::vector<std::string> connected() const override {
    std::lock_guard lock(mutex_);
    return {connected_.begin(), connected_.end()};
  }
  bool run_on_pile_thread(std::string_view cp, std::function<void()> task) override {
    if (!online(cp)) return false;
    loop_.post(std::move(task));
    return true;
  }
  void call(std::string_view cp, std::string action, json::object payload,
            Callback<json::object> done) override {
    std::lock_guard lock(mutex_);
    sent_.push_back({std::string(cp), std::move(action), std::move(payload),
                     bind_to_current_thread(std::move(done))});
  }

  void connect(const std::string& cp) {
    std::lock_guard lock(mutex_);
    connected_.insert(cp);
  }
  void disconnect(const std::string& cp) {
    std::lock_guard lock(mutex_);
    connected_.erase(cp);
  }
  std::size_t count() const {
    std::lock_guard lock(mutex_);
    return sent_.size();
  }
  // The vendor messageId of call `i` (DataTransfer), or its action.
  std::string what(std::size_t i) const {
    std::lock_guard lock(mutex_);
    const auto& s = sent_.at(i);
    if (s.action != "DataTransfer") return s.action;
    return std::string(s.payload.at("messageId").as_string());
  }
  void answer(std::size_t i, json::object result) {
    Callback<json::object> done;
    {
      std::lock_guard lock(mutex_);
      done = sent_.at(i).done;
    }
    done(std::move(result));
  }

 private:
  Loop& loop_;
  mutable std::mutex mutex_;
  std::set<std::string> connected_;
  std::vector<Sent> sent_;
};

// The nodes' database: on SQLite one store whose writer hands every announcement to one router
// both nodes listen on; on PostgreSQL (the test cluster) two stores on one scratch database,
// each node with its own router, so announcements travel by NOTIFY as between machines.
class LockAcrossNodesTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    install_thread_post(loop_.hook());
    if (GetParam() == "postgres") {
      auto cluster = storage::postgres::test_cluster_conninfo();
      if (!cluster) GTEST_SKIP() << "no test cluster: run through ctest (make test)";
      scratch_ = std::make_unique<storage::postgres::ScratchDatabase>(*cluster);
      for (auto* store : {&store_, &store_b_}) {
        auto opened = storage::postgres::open_store({scratch_->conninfo()});
        ASSERT_TRUE(opened.ok()) << opened.error().detail;
        *store = std::move(opened.value());
      }
    } else {
      dir_ = std::filesystem::temp_directory_path() /
             ("paddock-locks-" + std::to_string(::getpid()) + "-" +
              std::to_string(reinterpret_cast<std::uintptr_t>(this)));
      std::filesystem::remove_all(dir_);
      std::filesystem::create_directories(dir_);
      auto store = storage::sqlite::open_store({(dir_ / "paddock.db").string()});
      ASSERT_TRUE(store.ok()) << store.error().detail;
      store_ = std::move(store.value());
    }
    storage::Store& b = store_b_ ? *store_b_ : *store_;
    storage::AnnouncementRouter& heard_by_b = store_b_ ? router_b_ : router_;
    node_a_ = std::make_unique<LockWorkflow>(*store_, hasher_, limiter_, nullptr, piles_a_);
    node_b_ = std::make_unique<LockWorkflow>(b, hasher_, limiter_, nullptr, piles_b_);
    node_a_->listen(router_);
    node_b_->listen(heard_by_b);
    store_->set_announcement_handler(
        [this](const std::string& topic, const std::string& payload) { router_(topic, payload); });
    if (store_b_) {
      store_b_->set_announcement_handler(
          [this](const std::string& topic, const std::string& payload) {
            router_b_(topic, payload);
          });
    }
    seed();
  }
  void TearDown() override {
    // The writers drain while the nodes they announce to are alive.
    store_b_.reset();
    store_.reset();
    scratch_.reset();
    install_thread_post({});
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }

  // Resync as a node's listener says it after a reconnection.
  void resync_b() { (store_b_ ? router_b_ : router_)("resync", ""); }

  void write(std::function<Result<void>(storage::Writes&)> job) {
    std::optional<Result<bool>> done;
    store_->write<bool>(
        [job](storage::Writes& w) -> Result<bool> {
          PADDOCK_TRY(job(w));
          return true;
        },
        [&done](Result<bool> r) { done = std::move(r); });
    ASSERT_TRUE(loop_.pump_until([&] { return done.has_value(); }));
    ASSERT_TRUE(done->ok()) << done->error().detail;
  }

  // usr_a owns veh_1, which charges on CP-1 connector 1.
  void seed() {
    auto hash = hasher_.hash_now("secret pass");
    ASSERT_TRUE(hash.ok());
    write([hash = *hash](storage::Writes& w) -> Result<void> {
      PADDOCK_TRY(w.identity().insert_user({"usr_a", "alice", "Alice", hash, 1}));
      storage::VehicleRecord v;
      v.id = "veh_1";
      v.owner_id = "usr_a";
      v.vin = "VIN00000000000001";
      v.nickname = "car";
      v.visibility = "uffpuu";
      v.created_at = 1;
      PADDOCK_TRY(w.sharing().insert_vehicle(v));
      PADDOCK_TRY(w.charge_points().insert_charge_point(
          {"CP-1", "h", "V", "M", "usr_a", 1, std::nullopt, std::nullopt, "", ""}));
      ocpp::TransactionRecord t;
      t.charge_point_id = "CP-1";
      t.connector_id = 1;
      t.id_tag = "TAG";
      t.vehicle_id = "veh_1";
      return w.charge_points().start_transaction(t).ok()
                 ? Result<void>()
                 : Result<void>(make_error(Errc::internal, "no session"));
    });
  }

  void lock_through(LockWorkflow& node) {
    std::optional<Result<LockView>> done;
    node.lock("usr_a", "veh_1", "stolen", "secret pass", "127.0.0.1",
              [&done](Result<LockView> r) { done = std::move(r); });
    ASSERT_TRUE(loop_.pump_until([&] { return done.has_value(); }));
    ASSERT_TRUE(done->ok()) << done->error().detail;
  }
  void unlock_through(LockWorkflow& node) {
    std::optional<Result<LockView>> done;
    node.unlock("usr_a", "veh_1", "secret pass", "127.0.0.1",
                [&done](Result<LockView> r) { done = std::move(r); });
    ASSERT_TRUE(loop_.pump_until([&] { return done.has_value(); }));
    ASSERT_TRUE(done->ok()) << done->error().detail;
  }

  // The pile's boot as a storage thread that is slow to come back runs it: the step it takes is
  // committed at once, but what the step then does waits in `late` until the test runs it.
  void boot_late(LockWorkflow& node, Loop& late) {
    std::thread([&] {
      install_thread_post(late.hook());
      node.pile_booted("CP-1");
    }).join();
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (late.queued() == 0 && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(2ms);
    }
    ASSERT_EQ(late.queued(), 1u) << "the boot's step did not complete";
  }

  // CP-1, connected to node A, took LockVehicle: the lock holds.
  void locked_by_vendor_on_a() {
    piles_a_.connect("CP-1");
    lock_through(*node_a_);
    ASSERT_TRUE(loop_.pump_until([&] { return piles_a_.count() == 1; }));
    piles_a_.answer(0, {{"status", "Accepted"}});
    ASSERT_TRUE(loop_.pump_until([&] { return state_is("locked"); }));
  }

  LockRecord latest() {
    auto l = store_->reads().antitheft().latest_lock("veh_1");
    EXPECT_TRUE(l.ok() && l->has_value());
    return l.ok() && *l ? **l : LockRecord{};
  }
  bool state_is(const std::string& state) { return latest().state == state; }

  Loop loop_;
  RecordingPiles piles_a_{loop_};
  RecordingPiles piles_b_{loop_};
  WorkPool pool_{1, "hash"};
  identity::PasswordHasher hasher_{identity::HashStrength::min, pool_};
  identity::LoginLimiter limiter_{identity::LoginLimits{}};
  storage::AnnouncementRouter router_;    // node A's (and on SQLite B's too)
  storage::AnnouncementRouter router_b_;  // node B's, on PostgreSQL
  std::unique_ptr<LockWorkflow> node_a_;
  std::unique_ptr<LockWorkflow> node_b_;
  std::filesystem::path dir_;
  std::unique_ptr<storage::postgres::ScratchDatabase> scratch_;
  std::unique_ptr<storage::Store> store_;    // node A's; on SQLite the only one
  std::unique_ptr<storage::Store> store_b_;  // node B's, on PostgreSQL
};

TEST_P(LockAcrossNodesTest, ALockAskedOnOneNodeReachesThePileOnAnotherAndSoDoesTheUnlock) {
  piles_b_.connect("CP-1");
  lock_through(*node_a_);
  ASSERT_TRUE(loop_.pump_until([&] { return piles_b_.count() == 1; }));
  EXPECT_EQ(piles_b_.what(0), "LockVehicle");
  piles_b_.answer(0, {{"status", "Accepted"}});
  ASSERT_TRUE(loop_.pump_until([&] { return state_is("locked"); }));
  loop_.settle();
  EXPECT_EQ(piles_b_.count(), 1u) << "LockVehicle went twice";

  unlock_through(*node_a_);
  ASSERT_TRUE(loop_.pump_until([&] { return piles_b_.count() == 2; }));
  EXPECT_EQ(piles_b_.what(1), "UnlockVehicle");
  piles_b_.answer(1, {{"status", "Accepted"}});
  ASSERT_TRUE(loop_.pump_until([&] { return !latest().reversal_pending; }));
  loop_.settle();
  EXPECT_EQ(piles_b_.count(), 2u) << "the reversal went twice";
  EXPECT_EQ(piles_a_.count(), 0u) << "a node without the pile called it";
  EXPECT_EQ(latest().state, "released");
}

TEST_P(LockAcrossNodesTest, OnThePilesOwnNodeTheAnnouncementDoesNotSendTheLockAgain) {
  piles_a_.connect("CP-1");
  lock_through(*node_a_);
  ASSERT_TRUE(loop_.pump_until([&] { return piles_a_.count() == 1; }));
  loop_.settle();  // every announcement of the lock heard while LockVehicle is out
  EXPECT_EQ(piles_a_.count(), 1u);
  piles_a_.answer(0, {{"status", "Accepted"}});
  ASSERT_TRUE(loop_.pump_until([&] { return state_is("locked"); }));
  loop_.settle();
  EXPECT_EQ(piles_a_.count(), 1u);
  EXPECT_EQ(piles_b_.count(), 0u);
}

TEST_P(LockAcrossNodesTest, AResyncBringsAPileConnectedMeanwhileToTheArmedLock) {
  lock_through(*node_a_);
  ASSERT_TRUE(loop_.pump_until([&] { return state_is("pending_plug_in"); }));
  loop_.settle();
  EXPECT_EQ(piles_a_.count() + piles_b_.count(), 0u);
  // The pile came to B while B's listener was away: it hears "resync" and re-checks its piles.
  piles_b_.connect("CP-1");
  resync_b();
  ASSERT_TRUE(loop_.pump_until([&] { return piles_b_.count() == 1; }));
  EXPECT_EQ(piles_b_.what(0), "LockVehicle");
  piles_b_.answer(0, {{"status", "Accepted"}});
  ASSERT_TRUE(loop_.pump_until([&] { return state_is("locked"); }));
  EXPECT_EQ(piles_a_.count(), 0u);
}

TEST_P(LockAcrossNodesTest, AnUnlockWhileThePileIsNowhereIsReversedByTheNodeItReturnsTo) {
  piles_b_.connect("CP-1");
  lock_through(*node_b_);
  ASSERT_TRUE(loop_.pump_until([&] { return piles_b_.count() == 1; }));
  piles_b_.answer(0, {{"status", "Accepted"}});
  ASSERT_TRUE(loop_.pump_until([&] { return state_is("locked"); }));
  // The pile leaves B; the owner unlocks through A: the reversal waits in the database.
  piles_b_.disconnect("CP-1");
  unlock_through(*node_a_);
  ASSERT_TRUE(loop_.pump_until([&] { return latest().reversal_pending; }));
  loop_.settle();
  EXPECT_EQ(piles_a_.count(), 0u);
  EXPECT_EQ(piles_b_.count(), 1u);
  // It returns to A, whose listener had missed announcements.
  piles_a_.connect("CP-1");
  router_("resync", "");  // node A's listener
  ASSERT_TRUE(loop_.pump_until([&] { return piles_a_.count() == 1; }));
  EXPECT_EQ(piles_a_.what(0), "UnlockVehicle");
  piles_a_.answer(0, {{"status", "Accepted"}});
  ASSERT_TRUE(loop_.pump_until([&] { return !latest().reversal_pending; }));
  loop_.settle();
  EXPECT_EQ(piles_a_.count(), 1u);
}

TEST_P(LockAcrossNodesTest, ACarPlacedFromAnotherNodeIsLockedByThePilesNode) {
  auto running = store_->reads().charge_points().running_transaction_of_vehicle("veh_1");
  ASSERT_TRUE(running.ok() && running->has_value());
  const std::int64_t first = (*running)->id;
  write([first](storage::Writes& w) -> Result<void> {
    PADDOCK_TRY(w.charge_points().stop_transaction(first, 1, 2, "Local"));
    return {};
  });
  lock_through(*node_a_);  // on no pile: armed
  ASSERT_TRUE(loop_.pump_until([&] { return state_is("pending_plug_in"); }));
  EXPECT_FALSE(latest().charge_point_id.has_value());
  piles_b_.connect("CP-1");
  // Telemetry answered by A names the pile and connector of a session on B's pile.
  node_a_->session_linked("veh_1", "CP-1", 2, first + 1);
  ASSERT_TRUE(loop_.pump_until([&] { return piles_b_.count() == 1; }));
  EXPECT_EQ(piles_b_.what(0), "LockVehicle");
  EXPECT_EQ(latest().connector_id, 2);
  piles_b_.answer(0, {{"status", "Accepted"}});
  ASSERT_TRUE(loop_.pump_until([&] { return state_is("locked"); }));
  EXPECT_EQ(piles_a_.count(), 0u);
}

// A step's actions run after its commit, on the thread that asked, which may come to them
// late (a busy storage pool on PostgreSQL): by then later steps may have changed the lock.
TEST_P(LockAcrossNodesTest, ALateBootStepSendsNoLockToAPileThatAlreadyTookIt) {
  piles_a_.connect("CP-1");
  lock_through(*node_a_);
  ASSERT_TRUE(loop_.pump_until([&] { return piles_a_.count() == 1; }));
  Loop late;
  boot_late(*node_a_, late);  // taken while the lock was requested: "send LockVehicle"
  piles_a_.answer(0, {{"status", "Accepted"}});
  ASSERT_TRUE(loop_.pump_until([&] { return state_is("locked"); }));
  loop_.settle();
  ASSERT_TRUE(late.pump_until([&] { return late.queued() == 0; }));
  loop_.settle();
  EXPECT_EQ(piles_a_.count(), 1u) << "LockVehicle went again to a pile that had locked the car";
}

TEST_P(LockAcrossNodesTest, ALateBootStepDoesNotLockAgainACarReleasedMeanwhile) {
  locked_by_vendor_on_a();
  Loop late;
  boot_late(*node_a_, late);  // taken while the lock held: "re-apply"
  unlock_through(*node_a_);
  ASSERT_TRUE(loop_.pump_until([&] { return piles_a_.count() == 2; }));
  EXPECT_EQ(piles_a_.what(1), "UnlockVehicle");
  piles_a_.answer(1, {{"status", "Accepted"}});
  loop_.settle();
  ASSERT_TRUE(late.pump_until([&] { return late.queued() == 0; }));
  loop_.settle();
  ASSERT_EQ(piles_a_.count(), 2u) << "re-applied: " << piles_a_.what(piles_a_.count() - 1);
  EXPECT_EQ(latest().state, "released");
}

TEST_P(LockAcrossNodesTest, BootsWhileTheLeversGoAgainReapplyThemOnceMoreAfterwardsNotAlongside) {
  locked_by_vendor_on_a();
  node_a_->pile_booted("CP-1");
  ASSERT_TRUE(loop_.pump_until([&] { return piles_a_.count() == 2; }));
  EXPECT_EQ(piles_a_.what(1), "LockVehicle");
  // Booted again (or a late step of the same boot) while the re-applied lock is out.
  node_a_->pile_booted("CP-1");
  node_a_->pile_booted("CP-1");
  loop_.settle();
  EXPECT_EQ(piles_a_.count(), 2u) << "two re-applications at once";
  piles_a_.answer(1, {{"status", "Accepted"}});
  // The pile may have rebooted after taking the first: once more, once.
  ASSERT_TRUE(loop_.pump_until([&] { return piles_a_.count() == 3; }));
  EXPECT_EQ(piles_a_.what(2), "LockVehicle");
  piles_a_.answer(2, {{"status", "Accepted"}});
  loop_.settle();
  EXPECT_EQ(piles_a_.count(), 3u);
  EXPECT_EQ(latest().state, "locked");
}

TEST_P(LockAcrossNodesTest, AnUnlockWhileTheLeversGoAgainIsSentAfterThemNotAmongThem) {
  locked_by_vendor_on_a();
  node_a_->pile_booted("CP-1");
  ASSERT_TRUE(loop_.pump_until([&] { return piles_a_.count() == 2; }));
  EXPECT_EQ(piles_a_.what(1), "LockVehicle");
  unlock_through(*node_a_);
  loop_.settle();
  EXPECT_EQ(piles_a_.count(), 2u) << "the undoing went out while the lock was being re-applied";
  piles_a_.answer(1, {{"status", "Accepted"}});
  ASSERT_TRUE(loop_.pump_until([&] { return piles_a_.count() == 3; }));
  EXPECT_EQ(piles_a_.what(2), "UnlockVehicle");
  piles_a_.answer(2, {{"status", "Accepted"}});
  loop_.settle();
  EXPECT_EQ(piles_a_.count(), 3u);
  EXPECT_EQ(latest().state, "released");
  EXPECT_FALSE(latest().reversal_pending);
}

INSTANTIATE_TEST_SUITE_P(Sqlite, LockAcrossNodesTest, ::testing::Values("sqlite"),
                         [](const auto& info) { return info.param; });
// Named for ctest's cluster fixture (tests matching Postgres*).
INSTANTIATE_TEST_SUITE_P(Postgres, LockAcrossNodesTest, ::testing::Values("postgres"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace paddock::antitheft
