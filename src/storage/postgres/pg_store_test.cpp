// The PostgreSQL store's own behaviour with several nodes: two stores on one scratch database
// whose jobs deadlock each other still both succeed (PostgreSQL aborts one transaction; its
// writer runs the batch again); a read on a thread marked as an I/O thread is counted. Named
// Postgres* for ctest's cluster fixture.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <thread>

#include "core/thread_post.hpp"
#include "storage/postgres/pg_store.hpp"
#include "storage/postgres/test_cluster.hpp"

namespace paddock::storage::postgres {
namespace {

using namespace std::chrono_literals;

class PostgresStore : public ::testing::Test {
 protected:
  void SetUp() override {
    auto cluster = test_cluster_conninfo();
    if (!cluster) GTEST_SKIP() << "no PostgreSQL test cluster (run under ctest)";
    scratch_ = std::make_unique<ScratchDatabase>(*cluster);
    for (auto* store : {&a_, &b_}) {
      auto opened = open_store({scratch_->conninfo()});
      ASSERT_TRUE(opened.ok()) << opened.error().detail;
      *store = std::move(opened.value());
    }
  }
  void TearDown() override {
    a_.reset();
    b_.reset();
    scratch_.reset();
  }

  static std::future<Result<bool>> start(Store& store, std::function<Result<bool>(Writes&)> job) {
    auto done = std::make_shared<std::promise<Result<bool>>>();
    auto future = done->get_future();
    store.write<bool>(std::move(job), [done](Result<bool> r) { done->set_value(std::move(r)); });
    return future;
  }

  static EventRecord event() {
    EventRecord e;
    e.target_user = "usr_a";
    e.type = "follow.approved";
    e.payload = "{}";
    e.created_at = 1;
    return e;
  }

  std::unique_ptr<ScratchDatabase> scratch_;
  std::unique_ptr<Store> a_, b_;
};

TEST_F(PostgresStore, JobsThatWouldDeadlockAcrossNodesRunOneAfterTheOtherAndBothSucceed) {
  const SecretRecord secret{"test", "shared-key", "payload", now_millis() + 60'000};
  // Node A takes the secret's key first, then the feed; node B the feed first, then the key.
  // Were the batches to overlap, each would wait for the other until PostgreSQL's deadlock
  // detector aborted one (after deadlock_timeout); every batch takes feed_head's row lock
  // first, so the second waits for the first to commit and neither runs again.
  std::atomic<int> a_runs{0}, b_runs{0};
  auto on_a = start(*a_, [&](Writes& w) -> Result<bool> {
    ++a_runs;
    PADDOCK_TRY(w.secrets().put_secret(secret));
    std::this_thread::sleep_for(300ms);
    PADDOCK_TRY(w.events().append_event(event()));
    return true;
  });
  auto on_b = start(*b_, [&](Writes& w) -> Result<bool> {
    ++b_runs;
    PADDOCK_TRY(w.events().append_event(event()));
    std::this_thread::sleep_for(300ms);
    PADDOCK_TRY(w.secrets().put_secret(secret));
    return true;
  });
  ASSERT_EQ(on_a.wait_for(30s), std::future_status::ready);
  ASSERT_EQ(on_b.wait_for(30s), std::future_status::ready);
  auto a = on_a.get();
  auto b = on_b.get();
  EXPECT_TRUE(a.ok()) << a.error().detail;
  EXPECT_TRUE(b.ok()) << b.error().detail;
  EXPECT_EQ(a_runs + b_runs, 2) << "neither was aborted and run again";
  auto events = a_->reads().events().events_after(0, 10);
  ASSERT_TRUE(events.ok());
  EXPECT_EQ(events->size(), 2u);
  EXPECT_FALSE(a_->write_health().failing) << "a lost race is not a storage fault";
  EXPECT_FALSE(b_->write_health().failing);
}

// What /metrics reports as paddock_io_thread_blocking_calls_total: every round trip of a read
// (its connection's too) made on a thread the transport marked as an I/O thread, and only those.
TEST_F(PostgresStore, AReadOnAnIoThreadIsCountedAndOneElsewhereIsNot) {
  std::thread([this] {
    ASSERT_TRUE(a_->reads().events().last_event_seq().ok());  // connects off the I/O threads
  }).join();
  const std::uint64_t before = blocking_calls_on_io_threads();
  ASSERT_TRUE(a_->reads().events().last_event_seq().ok());
  EXPECT_EQ(blocking_calls_on_io_threads(), before);
  std::uint64_t during = 0;
  std::thread([this, &during, before] {
    mark_io_thread(true);
    auto head = a_->reads().events().last_event_seq();  // a new thread: connect, then read
    during = blocking_calls_on_io_threads() - before;
    mark_io_thread(false);
    EXPECT_TRUE(head.ok());
  }).join();
  EXPECT_GE(during, 2u);
  EXPECT_EQ(blocking_calls_on_io_threads() - before, during);
}

}  // namespace
}  // namespace paddock::storage::postgres
