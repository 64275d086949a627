#include "transport/stream_session.hpp"

#include <boost/beast/websocket.hpp>

#include <chrono>

#include "core/log.hpp"

namespace paddock::transport::detail {
namespace {

namespace websocket = beast::websocket;
using asio::awaitable;
constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);
constexpr std::size_t kFramesPerWrite = 256;
constexpr auto kHeartbeat = std::chrono::seconds(15);
constexpr auto kWriteTimeout = std::chrono::seconds(30);

// Lets other threads wake the stream's pump, which sleeps on a timer on the connection's strand.
// Shared so that a wake-up posted just before the pump ends finds a null timer, not a dangling
// one.
struct Wakeup : std::enable_shared_from_this<Wakeup> {
  explicit Wakeup(asio::any_io_executor ex) : executor(std::move(ex)), timer(executor) {}
  asio::any_io_executor executor;
  asio::steady_timer timer;
  std::atomic<bool> scheduled{false};
  bool peer_gone = false;
  bool shutting_down = false;

  std::function<void()> waker() {
    return [self = shared_from_this()] {
      if (!self->scheduled.exchange(true)) {
        asio::post(self->executor, [self] { self->timer.cancel(); });
      }
    };
  }
  // Sleeps until woken or `timeout`; returns true iff the timeout passed.
  awaitable<bool> sleep(std::chrono::steady_clock::duration timeout) {
    timer.expires_after(timeout);
    auto [ec] = co_await timer.async_wait(kTuple);
    co_return !ec;
  }
  void wake_now() { timer.cancel(); }
  void peer_closed() {
    peer_gone = true;
    wake_now();
  }
  // What the server calls on shutdown: the pump closes with a reason at its next turn.
  ShutdownHook shutdown_hook() {
    return [self = shared_from_this()] {
      self->shutting_down = true;
      self->wake_now();
    };
  }
};

std::string clip_reason(std::string reason) {
  if (reason.size() > 120) reason.resize(120);  // a close frame's reason holds 123 bytes
  return reason;
}

}  // namespace

awaitable<void> run_websocket(beast::tcp_stream stream, http::request<http::string_body> request,
                              std::shared_ptr<api::StreamUpgrade> upgrade, std::string request_id,
                              ShutdownHook& on_shutdown) {
  websocket::stream<beast::tcp_stream> ws(std::move(stream));
  beast::get_lowest_layer(ws).expires_never();
  auto timeouts = websocket::stream_base::timeout::suggested(beast::role_type::server);
  timeouts.idle_timeout = std::chrono::seconds(60);
  ws.set_option(timeouts);
  ws.set_option(websocket::stream_base::decorator(
      [request_id](websocket::response_type& res) { res.set("X-Request-Id", request_id); }));
  ws.read_message_max(64 * 1024);
  ws.auto_fragment(false);  // one feed event, one frame: simpler for clients, fewer headers
  auto [accept_ec] = co_await ws.async_accept(request, kTuple);
  request = {};  // the upgrade request is not needed for the stream's lifetime
  if (accept_ec) co_return;
  ws.text(true);

  auto wakeup = std::make_shared<Wakeup>(ws.get_executor());
  std::shared_ptr<feed::EventStream> events = upgrade->stream;
  beast::flat_buffer inbound;
  if (!events) {
    // In-band authentication: the first text frame must carry the token, and soon.
    asio::steady_timer deadline(ws.get_executor(), std::chrono::seconds(10));
    deadline.async_wait([&ws](beast::error_code ec) {
      if (!ec) beast::get_lowest_layer(ws).cancel();
    });
    auto [read_ec, n] = co_await ws.async_read(inbound, kTuple);
    deadline.cancel();
    if (read_ec) co_return;
    auto authenticated = upgrade->authenticate(beast::buffers_to_string(inbound.data()));
    inbound.consume(inbound.size());
    if (!authenticated) {
      co_await ws.async_close(
          websocket::close_reason(websocket::close_code::policy_error,
                                  clip_reason("unauthorized: " + authenticated.error().detail)),
          kTuple);
      co_return;
    }
    events = std::move(authenticated.value());
  }
  upgrade.reset();

  std::string ready = "{\"type\":\"ready\",\"cursor\":\"" + std::to_string(events->position()) + "\"}";
  if (auto [ec, n] = co_await ws.async_write(asio::buffer(ready), kTuple); ec) co_return;

  // The reader only notices the peer closing (Beast answers pings itself); clients send nothing
  // after authentication.
  auto reader_done = std::make_shared<bool>(false);
  asio::co_spawn(
      ws.get_executor(),
      [&ws, wakeup, reader_done]() -> awaitable<void> {
        beast::flat_buffer discard;
        for (;;) {
          auto [ec, n] = co_await ws.async_read(discard, kTuple);
          if (ec) break;
          discard.consume(discard.size());
        }
        *reader_done = true;
        wakeup->peer_closed();
      },
      asio::detached);

  on_shutdown = wakeup->shutdown_hook();
  events->set_wakeup(wakeup->waker());

  std::vector<feed::FramePtr> frames;
  std::string close_reason;
  websocket::close_code close_code = websocket::close_code::normal;
  for (;;) {
    wakeup->scheduled = false;
    frames.clear();
    bool alive = events->next(frames, kFramesPerWrite);
    bool failed = false;
    for (const auto& frame : frames) {
      auto [ec, n] = co_await ws.async_write(asio::buffer(frame->json), kTuple);
      if (ec) {
        failed = true;
        break;
      }
    }
    if (failed || wakeup->peer_gone) break;
    if (!alive) {
      close_code = websocket::close_code::policy_error;
      close_reason = events->end_reason();
      break;
    }
    if (wakeup->shutting_down) {
      close_code = websocket::close_code::going_away;
      close_reason = "server shutting down; reconnect with cursor " +
                     std::to_string(events->position());
      break;
    }
    if (frames.empty()) co_await wakeup->sleep(std::chrono::hours(24));
  }
  on_shutdown = nullptr;

  if (!wakeup->peer_gone && ws.is_open()) {
    // A peer that no longer reads cannot hold the close (or the server's shutdown) hostage.
    asio::steady_timer guard(ws.get_executor(), std::chrono::seconds(3));
    guard.async_wait([&ws](beast::error_code ec) {
      if (!ec) beast::get_lowest_layer(ws).close();
    });
    co_await ws.async_close(websocket::close_reason(close_code, clip_reason(close_reason)),
                            kTuple);
    guard.cancel();
  }
  if (!*reader_done) {
    beast::get_lowest_layer(ws).close();
    while (!*reader_done) co_await wakeup->sleep(std::chrono::seconds(1));
  }
  events.reset();  // unsubscribes before the wake-up state goes
}

awaitable<void> run_event_source(beast::tcp_stream& stream,
                                 std::shared_ptr<api::StreamUpgrade> upgrade,
                                 std::string request_id, ShutdownHook& on_shutdown) {
  std::shared_ptr<feed::EventStream> events = std::move(upgrade->stream);
  upgrade.reset();
  auto wakeup = std::make_shared<Wakeup>(stream.get_executor());

  // No Content-Length: the body is the stream, and it ends when the connection does.
  std::string head =
      "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\n"
      "X-Accel-Buffering: no\r\nConnection: close\r\nX-Request-Id: " +
      request_id + "\r\n\r\nretry: 2000\n: ready cursor " + std::to_string(events->position()) +
      "\n\n";
  stream.expires_after(kWriteTimeout);
  if (auto [ec, n] = co_await asio::async_write(stream, asio::buffer(head), kTuple); ec) co_return;

  auto reader_done = std::make_shared<bool>(false);
  asio::co_spawn(
      stream.get_executor(),
      [&stream, wakeup, reader_done]() -> awaitable<void> {
        char sink[512];
        for (;;) {
          auto [ec, n] = co_await stream.socket().async_read_some(asio::buffer(sink), kTuple);
          if (ec) break;
        }
        *reader_done = true;
        wakeup->peer_closed();
      },
      asio::detached);

  on_shutdown = wakeup->shutdown_hook();
  events->set_wakeup(wakeup->waker());

  std::vector<feed::FramePtr> frames;
  std::vector<asio::const_buffer> gather;
  std::string farewell;
  for (;;) {
    wakeup->scheduled = false;
    frames.clear();
    bool alive = events->next(frames, kFramesPerWrite);
    if (!frames.empty()) {
      // Every queued frame in one write: one system call however many events are waiting.
      gather.clear();
      for (const auto& f : frames) gather.push_back(asio::buffer(f->sse));
      stream.expires_after(kWriteTimeout);
      if (auto [ec, n] = co_await asio::async_write(stream, gather, kTuple); ec) break;
    }
    if (wakeup->peer_gone) break;
    if (!alive) {
      farewell = ": closing: " + events->end_reason() + "\n\n";
      break;
    }
    if (wakeup->shutting_down) {
      farewell = ": closing: server shutting down\n\n";
      break;
    }
    if (frames.empty() && co_await wakeup->sleep(kHeartbeat)) {
      static const std::string kHeartbeatComment = ":\n\n";
      stream.expires_after(kWriteTimeout);
      if (auto [ec, n] = co_await asio::async_write(stream, asio::buffer(kHeartbeatComment), kTuple);
          ec) {
        break;
      }
    }
  }
  on_shutdown = nullptr;
  if (!farewell.empty() && !wakeup->peer_gone) {
    stream.expires_after(std::chrono::seconds(3));
    co_await asio::async_write(stream, asio::buffer(farewell), kTuple);
  }
  beast::error_code ignored;
  stream.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  stream.socket().close(ignored);
  while (!*reader_done) co_await wakeup->sleep(std::chrono::seconds(1));
  events.reset();
}

}  // namespace paddock::transport::detail
