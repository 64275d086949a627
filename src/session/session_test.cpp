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
  std::function<void()> waker() override { return [] {}; }
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

}  // namespace
}  // namespace paddock::session
