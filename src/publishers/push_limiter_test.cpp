// PushLimiter shared through the store's announcements: two limiters on one store stand for two
// nodes on one database (on SQLite the writer hands each commit's announcements to the handler,
// as PostgreSQL's listener does on every node).
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <future>
#include <thread>

#include "publishers/errors.hpp"
#include "publishers/push_limiter.hpp"
#include "storage/sqlite/sqlite_store.hpp"

namespace paddock::publishers {
namespace {

TEST(SharedPushLimiter, PushesOnOneNodeSpendTheOthersBucketAndQuota) {
  auto dir = std::filesystem::temp_directory_path() /
             ("paddock-push-limiter-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  auto store = storage::sqlite::open_store({(dir / "paddock.db").string()});
  ASSERT_TRUE(store.ok()) << store.error().detail;
  storage::AnnouncementRouter router;
  PushLimiter node_a({/*per_minute=*/100, /*daily_quota=*/4});
  PushLimiter node_b({/*per_minute=*/100, /*daily_quota=*/4});
  node_a.share_through(**store, router, "publisher_push");
  node_b.share_through(**store, router, "publisher_push");
  (*store)->set_announcement_handler(
      [&router](const std::string& topic, const std::string& payload) { router(topic, payload); });

  // The writer hands announcements out after their commit and before the completions of the
  // jobs in that batch or later ones: once a job submitted after them completes, all are heard.
  auto settle = [&store] {
    std::promise<Result<bool>> done;
    (*store)->write<bool>([](storage::Writes&) -> Result<bool> { return true; },
                          [&done](Result<bool> r) { done.set_value(std::move(r)); });
    ASSERT_TRUE(done.get_future().get().ok());
  };
  const UnixMillis t = now_millis();
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(node_a.take("DL1", t).ok());
  settle();
  // Three of the day's four were taken on A: B has exactly one left.
  EXPECT_TRUE(node_b.take("DL1", t).ok());
  auto refused = node_b.take("DL1", t);
  ASSERT_FALSE(refused.ok()) << "B did not count A's pushes";
  EXPECT_EQ(refused.error().code, kDailyQuotaExceeded);
  settle();
  EXPECT_FALSE(node_a.take("DL1", t).ok()) << "and A counted B's";
  EXPECT_TRUE(node_b.take("DL2", t).ok()) << "other publishers are unaffected";
  store->reset();
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace paddock::publishers
