#include "feed/subscriber.hpp"

#include <gtest/gtest.h>

namespace paddock::feed {
namespace {

FramePtr frame(std::int64_t seq) {
  auto f = std::make_shared<Frame>();
  f->seq = seq;
  return f;
}

TEST(Subscriber, KeepsOrderWhileTheRingGrows) {
  Subscriber s("usr_a", 100);
  for (int i = 1; i <= 50; ++i) s.push(frame(i));
  std::vector<FramePtr> out;
  EXPECT_EQ(s.drain(out, 20), 20u);
  for (int i = 51; i <= 90; ++i) s.push(frame(i));  // wraps, then grows again
  EXPECT_EQ(s.drain(out, 1000), 70u);
  ASSERT_EQ(out.size(), 90u);
  for (int i = 0; i < 90; ++i) EXPECT_EQ(out[i]->seq, i + 1);
  EXPECT_FALSE(s.overflowed());
}

TEST(Subscriber, OverflowsPastCapacityAndThenTakesNothing) {
  Subscriber s("usr_a", 3);
  int wakes = 0;
  s.set_wakeup([&] { ++wakes; });
  for (int i = 1; i <= 4; ++i) s.push(frame(i));
  EXPECT_TRUE(s.overflowed());
  EXPECT_EQ(wakes, 2) << "once when the queue became non-empty, once on overflow";
  std::vector<FramePtr> out;
  s.drain(out, 10);
  s.push(frame(5));
  EXPECT_EQ(out.size(), 3u);
  EXPECT_EQ(s.drain(out, 10), 0u);
}

TEST(Subscriber, AnEndedFeedWakesOnceAndTakesNothingMore) {
  Subscriber s("usr_a", 8, std::nullopt, "hash_1");
  EXPECT_EQ(s.session(), "hash_1");
  int wakes = 0;
  s.set_wakeup([&] { ++wakes; });
  EXPECT_TRUE(s.ended().empty());
  s.end("session revoked");
  s.end("again");  // the first reason stands, no second wake
  EXPECT_EQ(s.ended(), "session revoked");
  EXPECT_EQ(wakes, 1);
  s.push(frame(1));
  std::vector<FramePtr> out;
  EXPECT_EQ(s.drain(out, 10), 0u);
}

}  // namespace
}  // namespace paddock::feed
