// The PostgreSQL store while its server goes away and comes back: writes and reads answer
// storage_unavailable (never hang, never throw), the store reconnects by itself once the server
// is back, every write it acknowledged is still there, and the listener asks its handler to
// resync. Each case runs a cluster of its own (scripts/pg-test-cluster.sh start/pause/resume/
// stop), never the shared test cluster, which other cases are using meanwhile. Named Postgres*
// so that it runs with the PostgreSQL tests (under ctest, or with the test cluster's variables).
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <future>
#include <thread>

#include "storage/postgres/pg_store.hpp"
#include "storage/postgres/test_cluster.hpp"

#ifndef PADDOCK_SOURCE_DIR
#error "PADDOCK_SOURCE_DIR must name the source tree (set for this file in CMakeLists.txt)"
#endif

namespace paddock::storage::postgres {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr auto kRecovery = 20s;  // bound on the store finding the server again
constexpr auto kJobWait = 20s;   // bound on any one job's completion

class PostgresOutage : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!test_cluster_conninfo()) GTEST_SKIP() << "no test cluster: run through ctest (make test)";
    state_ = std::filesystem::temp_directory_path() /
              ("paddock-outage-" + std::to_string(::getpid()) + ".state");
    ASSERT_EQ(cluster("start"), 0);
    std::ifstream in(state_);
    for (std::string line; std::getline(in, line);) {
      if (line.starts_with("conninfo=")) conninfo_ = line.substr(9);
    }
    ASSERT_FALSE(conninfo_.empty());
  }
  void TearDown() override {
    store_.reset();
    if (!state_.empty()) cluster("stop");
  }

  int cluster(const char* action) {
    std::string command = std::string("'" PADDOCK_SOURCE_DIR "/scripts/pg-test-cluster.sh' ") +
                          action + " '" + state_.string() + "' >/dev/null";
    return std::system(command.c_str());
  }

  // Runs one insert_user job and waits for its outcome (bounded).
  Result<void> add_user(const std::string& name) {
    auto done = std::make_shared<std::promise<Result<bool>>>();
    auto future = done->get_future();
    store_->write<bool>(
        [name](Writes& w) -> Result<bool> {
          PADDOCK_TRY(w.identity().insert_user({"usr_" + name, name, name, "hash", 1}));
          return true;
        },
        [done](Result<bool> r) { done->set_value(std::move(r)); });
    if (future.wait_for(kJobWait) != std::future_status::ready) {
      return make_error(Errc::internal, "the write did not complete");
    }
    auto r = future.get();
    if (!r.ok()) return r.error();
    return {};
  }

  std::filesystem::path state_;
  std::string conninfo_;
  std::unique_ptr<Store> store_;
};

TEST_F(PostgresOutage, WritesAnswerUnavailableWhileTheServerIsDownAndResumeByThemselves) {
  PgStoreOptions options{conninfo_};
  options.reconnect_ms = 100;
  auto opened = open_store(options);
  ASSERT_TRUE(opened.ok()) << opened.error().detail;
  store_ = std::move(opened.value());
  std::atomic<int> resyncs{0};
  store_->set_announcement_handler([&](const std::string& topic, const std::string&) {
    if (topic == "resync") ++resyncs;
  });

  ASSERT_TRUE(add_user("before").ok());
  ASSERT_TRUE(store_->reads().identity().user_by_id("usr_before").ok());
  for (auto until = Clock::now() + kRecovery; resyncs == 0 && Clock::now() < until;) {
    std::this_thread::sleep_for(20ms);
  }
  ASSERT_EQ(resyncs.load(), 1) << "the listener's first connection announces a resync";

  // Load on another thread the whole time: a user per job, one job at a time, noting which
  // ones the store acknowledged.
  std::atomic<bool> stop_load{false};
  std::vector<std::string> acknowledged;
  int refused = 0;
  std::thread load([&] {
    auto until = Clock::now() + 3 * kRecovery;
    for (int i = 0; i < 5000 && !stop_load && Clock::now() < until; ++i) {
      std::string name = "load";
      name += std::to_string(i);
      auto r = add_user(name);
      if (r.ok()) {
        acknowledged.push_back(name);
      } else {
        EXPECT_EQ(r.error().code, Errc::storage_unavailable) << r.error().detail;
        ++refused;
      }
      std::this_thread::sleep_for(10ms);
    }
  });

  std::this_thread::sleep_for(200ms);
  ASSERT_EQ(cluster("pause"), 0);
  auto during = add_user("during");
  ASSERT_FALSE(during.ok());
  EXPECT_EQ(during.error().code, Errc::storage_unavailable);
  EXPECT_TRUE(store_->write_health().failing);
  auto read_during = store_->reads().identity().user_by_id("usr_before");
  ASSERT_FALSE(read_during.ok());
  EXPECT_EQ(read_during.error().code, Errc::storage_unavailable);
  std::this_thread::sleep_for(300ms);  // the load keeps hitting the closed door

  ASSERT_EQ(cluster("resume"), 0);
  bool wrote = false;
  for (auto until = Clock::now() + kRecovery; !wrote && Clock::now() < until;) {
    wrote = add_user("after").ok();
    if (!wrote) std::this_thread::sleep_for(50ms);
  }
  ASSERT_TRUE(wrote) << "the writer did not reconnect by itself";
  EXPECT_FALSE(store_->write_health().failing);
  bool read = false;
  for (auto until = Clock::now() + kRecovery; !read && Clock::now() < until;) {
    auto r = store_->reads().identity().user_by_id("usr_after");
    read = r.ok() && r->has_value();
    if (!read) std::this_thread::sleep_for(50ms);
  }
  ASSERT_TRUE(read) << "the reader did not reconnect by itself";
  for (auto until = Clock::now() + kRecovery; resyncs < 2 && Clock::now() < until;) {
    std::this_thread::sleep_for(20ms);
  }
  EXPECT_GE(resyncs.load(), 2) << "the listener came back without asking for a resync";

  std::this_thread::sleep_for(200ms);  // some load after the return too
  stop_load = true;
  load.join();
  EXPECT_GT(refused, 0) << "the load never ran into the outage";
  ASSERT_FALSE(acknowledged.empty());
  // No acknowledged write is lost; the refused one never happened.
  auto& reads = store_->reads();
  EXPECT_TRUE(reads.identity().user_by_id("usr_before")->has_value());
  EXPECT_FALSE(reads.identity().user_by_id("usr_during")->has_value());
  for (const auto& name : acknowledged) {
    auto r = reads.identity().user_by_username(name);
    ASSERT_TRUE(r.ok());
    EXPECT_TRUE(r->has_value()) << name << " was acknowledged and is gone";
  }
}

}  // namespace
}  // namespace paddock::storage::postgres
