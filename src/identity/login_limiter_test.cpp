// LoginLimiter shared through the store's announcements: two limiters on one store stand for two
// nodes on one database (on SQLite the writer hands each commit's announcements to the handler,
// as PostgreSQL's listener does on every node).
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include "identity/login_limiter.hpp"
#include "storage/sqlite/sqlite_store.hpp"

namespace paddock::identity {
namespace {

class SharedLoginLimiter : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("paddock-limiter-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    auto store = storage::sqlite::open_store({(dir_ / "paddock.db").string()});
    ASSERT_TRUE(store.ok()) << store.error().detail;
    store_ = std::move(store.value());
    node_a_.share_through(*store_, router_, "login");
    node_b_.share_through(*store_, router_, "login");
    store_->set_announcement_handler(
        [this](const std::string& topic, const std::string& payload) { router_(topic, payload); });
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  // Announcements arrive after their commit; wait (bounded) until `done` holds.
  template <class F>
  bool eventually(F done) {
    for (int i = 0; i < 200 && !done(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    return done();
  }

  std::filesystem::path dir_;
  storage::AnnouncementRouter router_;
  LoginLimiter node_a_{{3, 100, 60}};
  LoginLimiter node_b_{{3, 100, 60}};
  std::unique_ptr<storage::Store> store_;
};

TEST_F(SharedLoginLimiter, FailuresOnOneNodeCountOnTheOther) {
  const UnixMillis t = now_millis();
  node_a_.record_failure("ada", "1.2.3.4", t);
  node_b_.record_failure("ada", "5.6.7.8", t);
  node_a_.record_failure("ada", "1.2.3.4", t);
  ASSERT_TRUE(eventually([&] { return node_b_.retry_after("ada", "9.9.9.9", t + 10) > 0; }))
      << "three failures spread over two nodes reach the limit on both";
  EXPECT_GT(node_a_.retry_after("ada", "9.9.9.9", t + 10), 0);
  EXPECT_EQ(node_b_.retry_after("bob", "9.9.9.9", t + 10), 0) << "other users are unaffected";
}

TEST_F(SharedLoginLimiter, ASuccessOnOneNodeForgivesOnTheOther) {
  const UnixMillis t = now_millis();
  for (int i = 0; i < 3; ++i) node_a_.record_failure("user name", "1.2.3.4", t);
  ASSERT_TRUE(eventually([&] { return node_b_.retry_after("user name", "9.9.9.9", t) > 0; }))
      << "a username with a space survives the announcement's format";
  node_b_.record_success("user name");
  EXPECT_TRUE(eventually([&] { return node_a_.retry_after("user name", "9.9.9.9", t) == 0; }));
}

}  // namespace
}  // namespace paddock::identity
