#include "feed/subscriber.hpp"

#include <gtest/gtest.h>

namespace paddock::feed {
namespace {

FramePtr frame(std::int64_t seq) {
  auto f = std::make_shared<Frame>();
  f->seq = seq;
  return f;
}

// Wakers that call test callbacks; keeps the callbacks alive (a Waker holds a weak reference).
class Wakeups {
 public:
  session::Waker operator()(std::function<void()> fn) {
    kept_.push_back(std::make_shared<std::function<void()>>(std::move(fn)));
    return session::Waker::calling(kept_.back());
  }

 private:
  std::vector<std::shared_ptr<std::function<void()>>> kept_;
};

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

TEST(Subscriber, AWakeUpNamesTheSubscriberAndTheSlotItsTurnReadsFirst) {
  static session::WakeHint seen;
  auto target = std::make_shared<int>(0);
  Subscriber s("usr_a", 100);
  s.set_wakeup(session::Waker(target, [](std::shared_ptr<void>, session::WakeHint hint) {
    seen = hint;
  }));
  auto first = frame(1);
  s.push(first);
  EXPECT_EQ(seen.first, &s);
  ASSERT_NE(seen.second, nullptr);
  EXPECT_EQ(*static_cast<const FramePtr*>(seen.second), first) << "the slot holding the frame";
  std::vector<FramePtr> out;
  EXPECT_EQ(s.drain(out, 10), 1u);
}

TEST(Subscriber, OverflowsPastCapacityAndThenTakesNothing) {
  Wakeups waker_calling;
  Subscriber s("usr_a", 3);
  int wakes = 0;
  s.set_wakeup(waker_calling([&] { ++wakes; }));
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
  Wakeups waker_calling;
  Subscriber s("usr_a", 8, std::nullopt, "hash_1");
  EXPECT_EQ(s.session(), "hash_1");
  int wakes = 0;
  s.set_wakeup(waker_calling([&] { ++wakes; }));
  EXPECT_TRUE(s.ended().empty());
  s.end("session revoked");
  s.end("again");  // the first reason stands, no second wake
  EXPECT_EQ(s.ended(), "session revoked");
  EXPECT_EQ(wakes, 1);
  s.push(frame(1));
  std::vector<FramePtr> out;
  EXPECT_EQ(s.drain(out, 10), 0u);
}

TEST(Subscriber, TakeSaysWhyItTakesNothing) {
  Subscriber s("usr_a", 2);
  std::vector<FramePtr> out;
  s.push(frame(1));
  auto taken = s.take(out, 10);
  EXPECT_EQ(taken.frames, 1u);
  EXPECT_FALSE(taken.ended || taken.overflowed);
  for (int i = 2; i <= 4; ++i) s.push(frame(i));
  taken = s.take(out, 10);
  EXPECT_TRUE(taken.overflowed);
  EXPECT_EQ(taken.frames, 0u) << "an overflowed queue is resumed by cursor, not drained";
  Subscriber ended("usr_b", 8);
  ended.push(frame(1));
  ended.end("session revoked");
  taken = ended.take(out, 10);
  EXPECT_TRUE(taken.ended);
  EXPECT_EQ(taken.frames, 0u);
  EXPECT_EQ(out.size(), 1u);
}

TEST(Subscriber, TheFirstWakeUpStaysAndOneSetLateWakesForWhatWaits) {
  Wakeups waker_calling;
  Subscriber s("usr_a", 8);
  s.push(frame(1));
  int first = 0, second = 0;
  s.set_wakeup(waker_calling([&] { ++first; }));
  EXPECT_EQ(first, 1) << "a frame was waiting";
  s.set_wakeup(waker_calling([&] { ++second; }));
  std::vector<FramePtr> out;
  s.drain(out, 10);
  s.push(frame(2));
  EXPECT_EQ(first, 2);
  EXPECT_EQ(second, 0) << "push calls the wake-up it was given first, without copying it";
}

}  // namespace
}  // namespace paddock::feed
