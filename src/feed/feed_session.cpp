#include "feed/feed_session.hpp"

#include <chrono>
#include <string>
#include <vector>

namespace paddock::feed {
namespace {

// A live notice's frame is sent without a mark, so SSE gives it no id and no resume point moves.
static_assert(kNotInLog == session::kNoMark);

constexpr auto kAuthDeadline = std::chrono::seconds(10);
constexpr std::string_view kExpectAuth = "expected {\"type\":\"auth\",\"token\":...} first";

}  // namespace

FeedSession::FeedSession(std::shared_ptr<EventStream> stream) : stream_(std::move(stream)) {}

FeedSession::FeedSession(Authenticate authenticate)
    : opening_(std::make_unique<Opening>(Opening{std::move(authenticate)})) {}

void FeedSession::on_open(session::Session& session) {
  if (stream_) return start(session);
  if (!opening_) return;
  opening_->session = &session;
  opening_->back = session.poster();
  opening_->run_storage = session.storage_runner();
  session.set_deadline(kAuthDeadline);
}

void FeedSession::start(session::Session& session) {
  opening_.reset();
  start_cursor_ = stream_->position();
  std::string cursor = std::to_string(start_cursor_);
  if (session.protocol() == session::Protocol::websocket) {
    session.send(session::MessageKind::text,
                 session::SharedBytes::copy("{\"type\":\"ready\",\"cursor\":\"" + cursor + "\"}"),
                 stream_->position());
  } else {
    session.send_comment("ready cursor " + cursor);
  }
  auto wake = session.waker();
  stream_->set_wakeup(wake);
  wake();  // the backlog after the cursor is ready to send now
}

void FeedSession::refuse(session::Session& session, std::string_view detail) {
  session.close(session::kClosePolicy, "unauthorized: " + std::string(detail));
}

void FeedSession::on_message(session::Session& session, session::MessageKind kind,
                             std::string_view data) {
  if (stream_) return;  // after authentication clients send nothing we act on
  if (!opening_ || !opening_->authenticate) return;
  if (kind != session::MessageKind::text) return refuse(session, kExpectAuth);
  // One message is checked; what follows it before the answer is ignored, as after it. The
  // task owns what it uses: opening_ goes on this thread when the answer is back.
  auto check = std::move(opening_->authenticate);
  opening_->authenticate = nullptr;
  opening_->run_storage([self = shared_from_this(), check = std::move(check),
                         back = opening_->back, first = std::string(data)] {
    auto result = check(first);
    back([self, result = std::move(result)] { self->authenticated(result); });
  });
}

void FeedSession::authenticated(Result<std::shared_ptr<EventStream>> result) {
  // Closed meanwhile (the deadline passed, or the peer left): nothing to start.
  if (!opening_ || !opening_->session) return;
  session::Session& session = *opening_->session;
  opening_.reset();
  if (!result) return refuse(session, result.error().detail);
  stream_ = std::move(result.value());
  start(session);
}

void FeedSession::on_deadline(session::Session& session) {
  if (stream_) return;
  opening_.reset();  // an answer arriving later finds the session closing
  refuse(session, kExpectAuth);
}

void FeedSession::on_writable(session::Session& session, std::size_t budget) {
  if (!stream_) return;
  // Scratch shared by the thread's sessions: an idle follower keeps no vector of its own.
  thread_local std::vector<FramePtr> frames;
  frames.clear();
  bool alive = stream_->next(frames, budget);
  for (auto& frame : frames) {
    std::string_view json = frame->json;
    std::int64_t seq = frame->seq;
    session.send(session::MessageKind::text, session::SharedBytes{std::move(frame), json}, seq);
  }
  frames.clear();
  if (!alive) session.close(session::kClosePolicy, stream_->end_reason());
}

std::string FeedSession::slow_consumer_reason(std::int64_t last_mark) {
  // With no marked message delivered in full, the client has nothing past where it started
  // (the stream's position would skip the frames the transport is dropping).
  std::int64_t cursor = last_mark != session::kNoMark ? last_mark : start_cursor_;
  return "slow consumer; reconnect with cursor " + std::to_string(cursor);
}

void FeedSession::on_shutdown(session::Session& session) {
  if (!stream_) return session.close(session::kCloseGoingAway, "server shutting down");
  // Everything handed to the session is delivered before the close, so position() is exact.
  session.close(session::kCloseGoingAway, "server shutting down; reconnect with cursor " +
                                              std::to_string(stream_->position()));
}

void FeedSession::on_closed() {
  opening_.reset();
  stream_.reset();
}

}  // namespace paddock::feed
