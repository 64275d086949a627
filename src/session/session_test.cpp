// The session contract's own pieces: shared payload bytes and what a handler does by default.
// The transport's side of the contract is tested in transport/stream_session_test.cpp.
#include <gtest/gtest.h>

#include "session/session.hpp"

namespace paddock::session {
namespace {

// Records what a handler asks of its session.
class RecordingSession final : public Session {
 public:
  Protocol protocol() const override { return Protocol::websocket; }
  void send(MessageKind, SharedBytes payload, std::int64_t) override {
    sent.emplace_back(payload.bytes);
  }
  void send_comment(std::string_view) override {}
  void close(std::uint16_t c, std::string_view r) override {
    code = c;
    reason = std::string(r);
  }
  Waker waker() override { return {}; }
  Post poster() override { return [](std::function<void()> task) { task(); }; }
  Post storage_runner() override { return poster(); }
  void set_deadline(std::chrono::steady_clock::duration) override {}
  const std::string& peer_address() const override { return empty_; }
  const std::string& principal() const override { return empty_; }
  const std::string& subprotocol() const override { return empty_; }

  std::vector<std::string> sent;
  std::uint16_t code = 0;
  std::string reason;

 private:
  std::string empty_;
};

class MinimalHandler final : public Handler {
 public:
  void on_open(Session&) override {}
};

TEST(SharedBytes, ACopyOwnsItsBytesAfterTheSourceIsGone) {
  SharedBytes shared;
  {
    std::string text(1000, 'x');
    shared = SharedBytes::copy(text);
    text.assign(1000, 'y');
  }
  EXPECT_EQ(shared.bytes, std::string(1000, 'x'));
  SharedBytes second = shared;  // sessions share one payload: the bytes are not copied
  EXPECT_EQ(second.bytes.data(), shared.bytes.data());
}

TEST(Handler, DefaultsIgnoreMessagesAndCloseGoingAwayAtShutdown) {
  RecordingSession session;
  MinimalHandler handler;
  handler.on_message(session, MessageKind::text, "ignored");
  handler.on_writable(session, 8);
  handler.on_deadline(session);
  EXPECT_TRUE(session.sent.empty());
  EXPECT_EQ(session.code, 0);
  EXPECT_EQ(handler.slow_consumer_reason(kNoMark), "slow consumer");
  handler.on_shutdown(session);
  EXPECT_EQ(session.code, kCloseGoingAway);
  EXPECT_EQ(session.reason, "server shutting down");
  handler.on_closed();
}

TEST(Waker, AnEmptyOneIsFalseAndDoesNothing) {
  Waker none;
  EXPECT_FALSE(none);
  none();
}

TEST(Waker, WakesItsTargetWhileItLivesAndNothingAfter) {
  int wakes = 0;
  auto target = std::make_shared<std::function<void()>>([&] { ++wakes; });
  Waker wake = Waker::calling(target);
  Waker copy = wake;
  EXPECT_TRUE(wake);
  wake();
  copy();
  EXPECT_EQ(wakes, 2);
  target.reset();  // the session ended
  wake();
  copy();
  EXPECT_EQ(wakes, 2);
  EXPECT_TRUE(wake) << "still a waker, of a target that is gone";
}

TEST(Waker, HandsTheWakeAStrongReference) {
  static std::shared_ptr<void> queued;  // where the transport's wake puts it: its thread's list
  auto target = std::make_shared<int>(7);
  Waker wake(target, [](std::shared_ptr<void> self, WakeHint) { queued = std::move(self); });
  wake();
  std::weak_ptr<int> watch = target;
  target.reset();  // the session ends on its thread meanwhile
  EXPECT_FALSE(watch.expired()) << "the woken target stays until its turn has run";
  queued.reset();
  EXPECT_TRUE(watch.expired());
}

TEST(Waker, PassesTheCallersHintOn) {
  static WakeHint seen;
  auto target = std::make_shared<int>(7);
  Waker wake(target, [](std::shared_ptr<void>, WakeHint hint) { seen = hint; });
  int first = 0;
  int second = 0;
  wake({&first, &second});
  EXPECT_EQ(seen.first, &first);
  EXPECT_EQ(seen.second, &second);
  wake();
  EXPECT_EQ(seen.first, nullptr) << "a wake-up without a hint names nothing";
}

}  // namespace
}  // namespace paddock::session
