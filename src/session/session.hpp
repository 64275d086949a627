#pragma once
// session/session: the protocol-neutral contract between the transport and the handler of a
// long-lived connection (a WebSocket or a Server-Sent Events stream): the live feed today,
// OCPP-J next. The transport owns the socket, the handshake (and Sec-WebSocket-Protocol),
// framing, liveness (pings, heartbeats, idle and write timeouts), frame and message limits, and
// the bounded outbound queue with its slow-consumer policy; a handler owns what the messages
// mean. Free of Boost and of every domain module. May depend on: the standard library only.
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace paddock::session {

enum class Protocol { websocket, server_sent_events };
enum class MessageKind { text, binary };

// Close codes a handler uses (RFC 6455 §7.4.1). Over SSE the code is not sent, only the reason.
inline constexpr std::uint16_t kCloseNormal = 1000;
inline constexpr std::uint16_t kCloseGoingAway = 1001;
inline constexpr std::uint16_t kCloseProtocolError = 1002;
inline constexpr std::uint16_t kClosePolicy = 1008;

// A message's position in whatever the handler streams (the feed's cursor), or none.
inline constexpr std::int64_t kNoMark = -1;

// Bytes to send, kept alive by `owner`: one serialized event can be shared by every session
// that sends it, without a copy.
struct SharedBytes {
  std::shared_ptr<const void> owner;
  std::string_view bytes;
  static SharedBytes copy(std::string text);
};

// Up to two addresses that the handler reads first when the turn a wake-up asks for comes (the
// queue that was pushed to, say): the transport may prefetch them a few sessions ahead, so
// that the cache misses of many woken sessions overlap. A hint only, never dereferenced: it may
// be stale by then.
struct WakeHint {
  const void* first = nullptr;
  const void* second = nullptr;
};

// Has a session's Handler::on_writable run soon, from any thread; does nothing once the session
// ended (or when empty). Copying allocates nothing: a std::function holding a weak pointer would
// cost a heap block per follower and one more cache miss per wake-up (libstdc++ keeps only
// trivially copyable callables inline).
class Waker {
 public:
  // Called with a strong reference to the target, on the waking thread; must only schedule.
  using Wake = void (*)(std::shared_ptr<void> target, WakeHint hint);
  Waker() = default;
  Waker(std::weak_ptr<void> target, Wake wake) : target_(std::move(target)), wake_(wake) {}
  // Calls `*fn` for as long as `fn` lives elsewhere (tests, and callers owning a callback).
  static Waker calling(const std::shared_ptr<std::function<void()>>& fn);

  void operator()(WakeHint hint = {}) const {
    if (!wake_) return;
    if (auto target = target_.lock()) wake_(std::move(target), hint);
  }
  explicit operator bool() const { return wake_ != nullptr; }

 private:
  std::weak_ptr<void> target_;
  Wake wake_ = nullptr;
};

// What a handler may do with its connection. Every call must be made on the session's own
// thread (from a Handler callback), except waker()'s result, which any thread may call.
class Session {
 public:
  virtual Protocol protocol() const = 0;
  // Queues a message. WebSocket: one unfragmented text or binary frame. SSE: one event whose
  // `data` is the payload and whose `id` is `mark` (when not kNoMark). `mark` is also what
  // Handler::slow_consumer_reason receives. Ignored once the session is closing.
  virtual void send(MessageKind kind, SharedBytes payload, std::int64_t mark = kNoMark) = 0;
  // SSE: a comment line (`: text`); WebSocket: nothing.
  virtual void send_comment(std::string_view text) = 0;
  // Sends what is queued, then the close (WebSocket: a close frame with `code` and `reason`,
  // the reason cut to 120 bytes; SSE: a `: closing: reason` comment), then ends the connection.
  virtual void close(std::uint16_t code, std::string_view reason) = 0;
  // Returns a Waker that, from any thread, has Handler::on_writable run soon on the
  // session's thread. Calls before it runs coalesce; calls after the session ended do nothing.
  virtual Waker waker() = 0;
  // Runs a task somewhere (see poster() and storage_runner()).
  using Post = std::function<void(std::function<void()> task)>;
  // Returns a function that, from any thread, runs a task on the session's thread: at once when
  // called there, else posted to it. A task may run after the session ended (it must not touch
  // the Session then); one still queued when the server stops is dropped unrun.
  virtual Post poster() = 0;
  // Returns a function that, from any thread, runs a task that reads storage: on the server's
  // handler pool when it has one (PostgreSQL: a read is a network round trip, which must not
  // stall this thread; the pool's writes complete on the pool), else as poster() does (SQLite:
  // on the session's thread, at once when called there). Tasks are not ordered among
  // themselves: a handler that needs order starts the next when the previous one answered.
  virtual Post storage_runner() = 0;
  // Has Handler::on_deadline run once, `after` from now (to within a second); replaces any
  // earlier deadline.
  virtual void set_deadline(std::chrono::steady_clock::duration after) = 0;
  virtual const std::string& peer_address() const = 0;
  // The user the upgrade request authenticated (the route's principal), empty if none.
  virtual const std::string& principal() const = 0;
  // The negotiated Sec-WebSocket-Protocol; empty if none (and always over SSE).
  virtual const std::string& subprotocol() const = 0;

 protected:
  ~Session() = default;
};

// The route's side of a connection. Callbacks run on the session's thread, one at a time.
class Handler {
 public:
  virtual ~Handler() = default;
  // The connection is open (the 101 or SSE head is queued).
  virtual void on_open(Session& session) = 0;
  // A complete message from the peer (WebSocket only; text is valid UTF-8).
  virtual void on_message(Session& session, MessageKind kind, std::string_view data);
  // The outbound queue has room for `budget` (> 0) more messages; send at most that many.
  // Runs after on_open, after the queue drains, and after the waker was called.
  virtual void on_writable(Session& session, std::size_t budget);
  virtual void on_deadline(Session& session);
  // The peer stopped reading long enough (or let too much queue up) that the transport is
  // closing the session with 1008; `last_mark` is the mark of the last message that the peer
  // will still receive in full (kNoMark if none). Returns the close reason.
  virtual std::string slow_consumer_reason(std::int64_t last_mark);
  // The server is shutting down; by default closes with 1001 "server shutting down".
  virtual void on_shutdown(Session& session);
  // The connection ended (either side); nothing more will be called.
  virtual void on_closed();
};

}  // namespace paddock::session
