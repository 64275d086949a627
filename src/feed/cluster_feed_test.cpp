// ClusterFeed with two nodes on one PostgreSQL database (two stores on a scratch database of the
// test cluster, each with its own hub, feed and announcement router): what one node commits
// reaches the other's subscribers from the log, in seq order, once; concurrent writers on both
// nodes never make a subscriber see a seq go back or miss one; session ends and notices travel.
// Named Postgres* for ctest's cluster fixture.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <future>
#include <mutex>
#include <span>
#include <thread>

#include "feed/cluster_feed.hpp"
#include "storage/postgres/pg_store.hpp"
#include "storage/postgres/test_cluster.hpp"

namespace paddock::feed {
namespace {

using namespace std::chrono_literals;

struct Node {
  std::unique_ptr<storage::Store> store;
  std::unique_ptr<Hub> hub;
  std::unique_ptr<ClusterFeed> feed;
  storage::AnnouncementRouter router;
  std::promise<void> listening;
  bool heard_resync = false;
};

storage::EventRecord personal(const std::string& user_id, int n) {
  storage::EventRecord e;
  e.target_user = user_id;
  e.type = "follow.approved";
  e.payload = "{\"n\":" + std::to_string(n) + "}";
  e.created_at = now_millis();
  return e;
}

class PostgresClusterFeed : public ::testing::Test {
 protected:
  void SetUp() override {
    auto cluster = storage::postgres::test_cluster_conninfo();
    if (!cluster) GTEST_SKIP() << "no PostgreSQL test cluster (run under ctest)";
    scratch_ = std::make_unique<storage::postgres::ScratchDatabase>(*cluster);
    for (auto* node : {&a_, &b_}) {
      auto store = storage::postgres::open_store({scratch_->conninfo()});
      ASSERT_TRUE(store.ok()) << store.error().detail;
      node->store = std::move(store.value());
      // No follows here (personal events and notices only): the hub needs no index loaded.
      node->hub = std::make_unique<Hub>(*node->store);
      node->feed = std::make_unique<ClusterFeed>(*node->store, *node->hub);
      ASSERT_TRUE(node->feed->start(node->router).ok());
      node->router.on_resync([node](const std::string&) {
        if (!node->heard_resync) node->listening.set_value();
        node->heard_resync = true;
      });
      auto listening = node->listening.get_future();
      node->store->set_announcement_handler(
          [node](const std::string& topic, const std::string& payload) {
            node->router(topic, payload);
          });
      ASSERT_EQ(listening.wait_for(10s), std::future_status::ready);
    }
  }
  void TearDown() override {
    for (auto* node : {&b_, &a_}) {
      node->feed.reset();
      node->hub.reset();
      node->store.reset();
    }
    scratch_.reset();
  }

  // Appends `count` personal events for `user_id` through `node`, one job each.
  void append(Node& node, const std::string& user_id, int count, int first = 0) {
    for (int i = 0; i < count; ++i) {
      std::promise<Result<std::int64_t>> done;
      node.store->write<std::int64_t>(
          [&, i](storage::Writes& w) { return w.events().append_event(personal(user_id, first + i)); },
          [&done](Result<std::int64_t> r) { done.set_value(std::move(r)); });
      ASSERT_TRUE(done.get_future().get().ok());
    }
  }

  // Frames the subscriber has received by `deadline`, until `want` of them.
  static std::vector<FramePtr> collect(Subscriber& s, std::size_t want,
                                       std::chrono::seconds within = 10s) {
    std::vector<FramePtr> out;
    auto deadline = std::chrono::steady_clock::now() + within;
    while (out.size() < want && std::chrono::steady_clock::now() < deadline) {
      if (s.drain(out, want - out.size()) == 0) std::this_thread::sleep_for(5ms);
    }
    return out;
  }

  std::unique_ptr<storage::postgres::ScratchDatabase> scratch_;
  Node a_, b_;
};

TEST_F(PostgresClusterFeed, WhatOneNodeCommitsReachesTheOthersStreamsOnceInOrder) {
  auto on_b = std::make_shared<Subscriber>("usr_fan", 64);
  auto on_a = std::make_shared<Subscriber>("usr_fan", 64);
  b_.hub->subscribe(on_b);
  a_.hub->subscribe(on_a);
  append(a_, "usr_fan", 5);
  for (auto* s : {on_b.get(), on_a.get()}) {
    auto frames = collect(*s, 5);
    ASSERT_EQ(frames.size(), 5u) << "the writing node too delivers from the log";
    for (std::size_t i = 1; i < frames.size(); ++i) EXPECT_GT(frames[i]->seq, frames[i - 1]->seq);
    std::this_thread::sleep_for(200ms);
    std::vector<FramePtr> more;
    EXPECT_EQ(s->drain(more, 10), 0u) << "each event once";
  }
  b_.hub->unsubscribe(on_b.get());
  a_.hub->unsubscribe(on_a.get());
}

TEST_F(PostgresClusterFeed, ConcurrentWritersOnTwoNodesNeverMakeASeqGoBackOrGoMissing) {
  auto reader = std::make_shared<Subscriber>("usr_fan", 4096);
  b_.hub->subscribe(reader);
  constexpr int kEach = 150;
  // Both nodes append at once, each from several threads: their writers' transactions overlap.
  std::vector<std::thread> writers;
  for (int t = 0; t < 3; ++t) {
    writers.emplace_back([this, t] { append(a_, "usr_fan", kEach / 3, t * 1000); });
    writers.emplace_back([this, t] { append(b_, "usr_fan", kEach / 3, 5000 + t * 1000); });
  }
  for (auto& w : writers) w.join();
  auto frames = collect(*reader, 2 * kEach, 30s);
  ASSERT_EQ(frames.size(), static_cast<std::size_t>(2 * kEach));
  for (std::size_t i = 1; i < frames.size(); ++i) {
    ASSERT_GT(frames[i]->seq, frames[i - 1]->seq) << "at " << i;
  }
  // Nothing the log holds was skipped: the frames are exactly the log's events, seq for seq.
  auto log = b_.store->reads().events().events_after(0, 10 * kEach);
  ASSERT_TRUE(log.ok());
  ASSERT_EQ(log->size(), frames.size());
  for (std::size_t i = 0; i < frames.size(); ++i) EXPECT_EQ(frames[i]->seq, (*log)[i].seq);
  b_.hub->unsubscribe(reader.get());
}

TEST_F(PostgresClusterFeed, EachHubsPositionIsTheLogsSeqItDeliveredThroughOnEveryNode) {
  // Started at the log's head (empty here); streams may start there without reading the log.
  a_.hub->drain();
  b_.hub->drain();
  EXPECT_EQ(a_.hub->delivered_through(), 0);
  EXPECT_EQ(b_.hub->delivered_through(), 0);
  auto on_b = std::make_shared<Subscriber>("usr_fan", 64);
  EXPECT_EQ(b_.hub->subscribe(on_b), 0);
  append(a_, "usr_fan", 3);
  auto frames = collect(*on_b, 3);
  ASSERT_EQ(frames.size(), 3u);
  auto head = b_.store->reads().events().last_event_seq();
  ASSERT_TRUE(head.ok());
  b_.hub->drain();
  EXPECT_EQ(b_.hub->delivered_through(), *head) << "the node that did not write";
  // A stream subscribing now gets its position with the subscription: the last frame delivered.
  auto later = std::make_shared<Subscriber>("usr_fan", 64);
  EXPECT_EQ(b_.hub->subscribe(later), frames.back()->seq);
  b_.hub->unsubscribe(later.get());
  b_.hub->unsubscribe(on_b.get());
}

TEST_F(PostgresClusterFeed, ANodesOwnCommitMovesItsStartPositionBeforeItsLogReadDoes) {
  a_.hub->drain();
  std::promise<Result<std::int64_t>> done;
  a_.store->write<std::int64_t>(
      [&](storage::Writes& w) { return w.events().append_event(personal("usr_fan", 0)); },
      [&done](Result<std::int64_t> r) { done.set_value(std::move(r)); },
      [this](std::int64_t& seq) {  // as every service publishes its commit's events
        storage::EventRecord e = personal("usr_fan", 0);
        e.seq = seq;
        a_.feed->publish({e});
      });
  auto seq = done.get_future().get();
  ASSERT_TRUE(seq.ok());
  // Answered: a stream opened now must start past it, whether or not the log was read yet.
  ASSERT_TRUE(a_.hub->start_position().has_value());
  EXPECT_GE(*a_.hub->start_position(), *seq);
}

TEST_F(PostgresClusterFeed, ASessionEndedOnOneNodeEndsItsStreamsOnTheOther) {
  auto stream = std::make_shared<Subscriber>("usr_fan", 8, std::nullopt, "token-hash-1");
  auto other = std::make_shared<Subscriber>("usr_fan", 8, std::nullopt, "token-hash-2");
  b_.hub->subscribe(stream);
  b_.hub->subscribe(other);
  a_.feed->end_session("usr_fan", "token-hash-1");
  auto deadline = std::chrono::steady_clock::now() + 10s;
  while (stream->ended().empty() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(5ms);
  }
  EXPECT_FALSE(stream->ended().empty());
  EXPECT_TRUE(other->ended().empty()) << "only that session's streams";
  b_.hub->unsubscribe(stream.get());
  b_.hub->unsubscribe(other.get());
}

TEST_F(PostgresClusterFeed, NoticesReachTheOtherNodesReceiversButNeverTwiceTheSendersOwn) {
  auto named_on_b = std::make_shared<Subscriber>("usr_named", 8);
  auto named_on_a = std::make_shared<Subscriber>("usr_named", 8);
  auto excluded_on_b = std::make_shared<Subscriber>("usr_out", 8);
  b_.hub->subscribe(named_on_b);
  a_.hub->subscribe(named_on_a);
  b_.hub->subscribe(excluded_on_b);
  // Each node counts the receivers it reached itself (the publisher's statistics add them up).
  std::mutex reach_mutex;
  std::vector<std::string> reached;
  for (auto* node : {&a_, &b_}) {
    std::string name = node == &a_ ? "a:" : "b:";
    node->hub->on_reach([&, name](const std::string& counted_as,
                                  std::span<const std::string_view> users) {
      std::lock_guard lock(reach_mutex);
      for (auto user : users) reached.push_back(name + counted_as + ":" + std::string(user));
    });
  }
  events::LiveNotice notice;
  notice.everyone = true;
  notice.except = {"usr_out"};
  notice.json = R"({"type":"publisher.message","text":"hello there"})";
  notice.counted_as = "DL0000000000000000-offer-1";
  a_.feed->notify(std::move(notice));
  auto on_b = collect(*named_on_b, 1);
  ASSERT_EQ(on_b.size(), 1u);
  EXPECT_EQ(on_b[0]->json, R"({"type":"publisher.message","text":"hello there"})");
  EXPECT_EQ(collect(*named_on_a, 1).size(), 1u);
  std::this_thread::sleep_for(300ms);
  std::vector<FramePtr> more;
  EXPECT_EQ(named_on_a->drain(more, 4), 0u) << "the sender's node delivered it once";
  EXPECT_EQ(excluded_on_b->drain(more, 4), 0u) << "the excluded stay excluded on every node";
  {
    std::lock_guard lock(reach_mutex);
    std::sort(reached.begin(), reached.end());
    EXPECT_EQ(reached, (std::vector<std::string>{"a:DL0000000000000000-offer-1:usr_named",
                                                 "b:DL0000000000000000-offer-1:usr_named"}));
  }
  for (auto* hub : {a_.hub.get(), b_.hub.get()}) {
    hub->unsubscribe(named_on_b.get());
    hub->unsubscribe(named_on_a.get());
    hub->unsubscribe(excluded_on_b.get());
  }
}

}  // namespace
}  // namespace paddock::feed
