#pragma once
// feed/feed_session: the live feed as a session handler (session/session.hpp): the "ready"
// greeting with the starting cursor, then the EventStream's frames as the transport has room
// for them, and a close whose reason names the cursor to resume from. Over WebSocket it can
// also take the in-band authentication frame that browsers send instead of a header; that
// check reads storage, so it runs where the session's storage work runs
// (session::Session::storage_runner), and the stream starts when its answer is back.
#include <functional>
#include <memory>
#include <string_view>

#include "core/result.hpp"
#include "feed/event_stream.hpp"
#include "session/session.hpp"

namespace paddock::feed {

class FeedSession final : public session::Handler,
                          public std::enable_shared_from_this<FeedSession> {
 public:
  // Given the first client message, the stream, or the error whose detail follows
  // "unauthorized: " in the 1008 close.
  using Authenticate =
      std::function<Result<std::shared_ptr<EventStream>>(std::string_view first_message)>;

  // A stream whose client authenticated on the upgrade request.
  explicit FeedSession(std::shared_ptr<EventStream> stream);
  // A WebSocket whose first text message, within 10 s, must authenticate it.
  explicit FeedSession(Authenticate authenticate);

  void on_open(session::Session& session) override;
  void on_message(session::Session& session, session::MessageKind kind,
                  std::string_view data) override;
  void on_writable(session::Session& session, std::size_t budget) override;
  void on_deadline(session::Session& session) override;
  std::string slow_consumer_reason(std::int64_t last_mark) override;
  void on_shutdown(session::Session& session) override;
  void on_closed() override;

 private:
  void start(session::Session& session);
  void refuse(session::Session& session, std::string_view detail);
  // The first message's check answered, on the session's thread.
  void authenticated(Result<std::shared_ptr<EventStream>> result);

  // Until the first message's check answered (in-band authentication only): held apart so
  // that a running stream does not carry it (an idle follower should cost little).
  struct Opening {
    Authenticate authenticate;  // until the first message is taken
    session::Session* session = nullptr;  // null once it closed
    session::Session::Post back;          // where the check's answer comes back
    session::Session::Post run_storage;   // where the check runs
  };

  std::shared_ptr<EventStream> stream_;
  std::unique_ptr<Opening> opening_;
  std::int64_t start_cursor_ = 0;  // where the stream started, sent in the greeting
};

}  // namespace paddock::feed
