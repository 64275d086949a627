#include "transport/stream_session.hpp"

#include <boost/beast/websocket.hpp>

#include <chrono>

#include "core/log.hpp"
#include "transport/websocket_frames.hpp"

#include <optional>

namespace paddock::transport::detail {
namespace {

namespace websocket = beast::websocket;
using asio::awaitable;
constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);
constexpr std::size_t kFramesPerWrite = 256;
constexpr auto kHeartbeat = std::chrono::seconds(15);
constexpr auto kWriteTimeout = std::chrono::seconds(30);

// Lets other threads wake the stream's pump, which sleeps on a timer on the connection's context.
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

constexpr std::size_t kMaxClientMessage = 64 * 1024;
constexpr auto kPingInterval = std::chrono::seconds(30);
constexpr auto kPeerSilenceLimit = std::chrono::seconds(75);

// Reads one complete client message (reassembling continuations) from `socket` into `out`,
// answering pings on the way. Only for the in-band authentication before the pump starts,
// when nothing else writes. Returns the close code to send on failure, 0 on success.
awaitable<std::uint16_t> read_first_message(asio::ip::tcp::socket& socket, std::string& inbound,
                                            std::string& out) {
  ws::ClientFrame frame;
  out.clear();
  for (;;) {
    std::size_t consumed = 0;
    auto parsed = ws::parse_client_frame(
        {reinterpret_cast<const std::uint8_t*>(inbound.data()), inbound.size()},
        kMaxClientMessage, frame, consumed);
    if (parsed == ws::ParseResult::protocol_error) co_return ws::kCloseProtocolError;
    if (parsed == ws::ParseResult::too_big) co_return ws::kCloseTooBig;
    if (parsed == ws::ParseResult::incomplete) {
      std::array<char, 4096> chunk;  // std::array: GCC 12 mishandles C arrays in coroutines
      auto [ec, n] = co_await socket.async_read_some(asio::buffer(chunk), kTuple);
      if (ec) co_return ws::kCloseGoingAway;
      inbound.append(chunk.data(), n);
      if (inbound.size() > kMaxClientMessage + ws::kMaxHeader + 4) co_return ws::kCloseTooBig;
      continue;
    }
    inbound.erase(0, consumed);
    switch (frame.opcode) {
      case ws::Opcode::ping: {
        std::string pong = ws::server_frame(ws::Opcode::pong, frame.payload);
        co_await asio::async_write(socket, asio::buffer(pong), kTuple);
        continue;
      }
      case ws::Opcode::pong: continue;
      case ws::Opcode::close: co_return ws::kCloseNormal;
      default:
        out += frame.payload;
        if (out.size() > kMaxClientMessage) co_return ws::kCloseTooBig;
        if (frame.fin) co_return 0;
    }
  }
}

// What the reader hands the writer: control frames to send and how the peer left.
struct PeerState {
  std::vector<std::string> control;      // pongs and the reply to a close
  std::chrono::steady_clock::time_point last_heard = std::chrono::steady_clock::now();
  bool closed = false;                   // peer sent close, or the connection failed
  bool reader_done = false;
};

// Beast performs the opening handshake (key, version and header checks). Returns the bare
// socket afterwards: Beast's stream and the request are freed with this coroutine's frame, so an
// idle follower keeps only what the pump needs.
awaitable<std::optional<asio::ip::tcp::socket>> websocket_handshake(
    asio::ip::tcp::socket socket, http::request<http::string_body> request,
    std::string request_id) {
  websocket::stream<beast::tcp_stream> handshake(std::move(socket));
  handshake.set_option(websocket::stream_base::timeout::suggested(beast::role_type::server));
  handshake.set_option(websocket::stream_base::decorator(
      [request_id](websocket::response_type& res) { res.set("X-Request-Id", request_id); }));
  auto [accept_ec] = co_await handshake.async_accept(request, kTuple);
  if (accept_ec) co_return std::nullopt;
  auto& tcp = beast::get_lowest_layer(handshake);
  tcp.expires_never();
  co_return std::move(tcp.socket());
}

// A WebSocket after its handshake, authenticated and greeted: what the pump needs.
struct OpenWebSocket {
  asio::ip::tcp::socket socket;
  std::shared_ptr<feed::EventStream> events;
  std::string inbound;  // client bytes already read, not yet parsed
};

// Handshake, in-band authentication if needed, and the "ready" frame. Its own coroutine so that
// everything it holds is freed before the connection settles into its (long, mostly idle) pump.
awaitable<std::optional<OpenWebSocket>> open_websocket(
    asio::ip::tcp::socket raw, http::request<http::string_body> request, std::string leftover,
    std::shared_ptr<api::StreamUpgrade> upgrade, std::string request_id) {
  auto handshaken =
      co_await websocket_handshake(std::move(raw), std::move(request), std::move(request_id));
  if (!handshaken) co_return std::nullopt;
  asio::ip::tcp::socket socket = std::move(*handshaken);
  handshaken.reset();

  auto send_close = [&socket](std::uint16_t code, std::string_view reason) -> awaitable<void> {
    std::string frame = ws::server_frame(ws::Opcode::close, ws::close_payload(code, reason));
    co_await asio::async_write(socket, asio::buffer(frame), kTuple);
  };

  std::shared_ptr<feed::EventStream> events = upgrade->stream;
  if (!events) {
    // In-band authentication: the first message must carry the token, and soon.
    asio::steady_timer deadline(socket.get_executor(), std::chrono::seconds(10));
    deadline.async_wait([&socket](beast::error_code ec) {
      if (!ec) socket.cancel();
    });
    std::string first;
    std::uint16_t failure = co_await read_first_message(socket, leftover, first);
    deadline.cancel();
    if (failure != 0) {
      co_await send_close(failure, "expected {\"type\":\"auth\",\"token\":...} first");
      co_return std::nullopt;
    }
    auto authenticated = upgrade->authenticate(first);
    if (!authenticated) {
      co_await send_close(ws::kClosePolicy,
                          clip_reason("unauthorized: " + authenticated.error().detail));
      co_return std::nullopt;
    }
    events = std::move(authenticated.value());
  }
  upgrade.reset();

  std::string ready = ws::server_frame(
      ws::Opcode::text,
      "{\"type\":\"ready\",\"cursor\":\"" + std::to_string(events->position()) + "\"}");
  if (auto [ec, n] = co_await asio::async_write(socket, asio::buffer(ready), kTuple); ec) {
    co_return std::nullopt;
  }
  co_return OpenWebSocket{std::move(socket), std::move(events), std::move(leftover)};
}

// Pumps feed frames to an open WebSocket until either side ends it. Kept lean: this frame
// and the reader's are what an idle follower costs.
awaitable<void> pump_websocket(OpenWebSocket open, ShutdownHook& on_shutdown) {
  auto& socket = open.socket;
  auto& events = open.events;
  auto wakeup = std::make_shared<Wakeup>(socket.get_executor());

  // The reader answers pings and notices the peer leaving; clients send nothing else after
  // authentication, and whatever they send is read and dropped.
  auto peer = std::make_shared<PeerState>();
  asio::co_spawn(
      socket.get_executor(),
      [&socket, wakeup, peer, inbound = std::move(open.inbound)]() mutable -> awaitable<void> {
        ws::ClientFrame frame;
        std::array<char, 256> chunk;  // clients send only pongs, pings and closes here
        for (;;) {
          std::size_t consumed = 0;
          auto parsed = ws::parse_client_frame(
              {reinterpret_cast<const std::uint8_t*>(inbound.data()), inbound.size()},
              kMaxClientMessage, frame, consumed);
          if (parsed == ws::ParseResult::incomplete) {
            auto [ec, n] = co_await socket.async_read_some(asio::buffer(chunk), kTuple);
            if (ec) break;
            inbound.append(chunk.data(), n);
            peer->last_heard = std::chrono::steady_clock::now();
            continue;
          }
          if (parsed != ws::ParseResult::frame) {
            std::uint16_t code = parsed == ws::ParseResult::too_big ? ws::kCloseTooBig
                                                                    : ws::kCloseProtocolError;
            peer->control.push_back(
                ws::server_frame(ws::Opcode::close, ws::close_payload(code, "bad frame")));
            break;
          }
          inbound.erase(0, consumed);
          if (frame.opcode == ws::Opcode::ping) {
            peer->control.push_back(ws::server_frame(ws::Opcode::pong, frame.payload));
            wakeup->wake_now();
          } else if (frame.opcode == ws::Opcode::close) {
            // Echo the peer's code (RFC 6455 §5.5.1), then the connection is done.
            std::string code = frame.payload.substr(0, 2);
            peer->control.push_back(ws::server_frame(ws::Opcode::close, code));
            break;
          }
        }
        peer->closed = true;
        peer->reader_done = true;
        wakeup->peer_closed();
      },
      asio::detached);

  on_shutdown = wakeup->shutdown_hook();
  events->set_wakeup(wakeup->waker());

  // Writes `buffers` or gives up after kWriteTimeout: a peer that stopped reading cannot pin
  // the connection (or the server's shutdown) forever.
  asio::steady_timer write_guard(socket.get_executor());
  auto write_all = [&](const std::vector<asio::const_buffer>& buffers) -> awaitable<bool> {
    write_guard.expires_after(kWriteTimeout);
    write_guard.async_wait([&socket](beast::error_code ec) {
      if (!ec) socket.close();
    });
    auto [ec, n] = co_await asio::async_write(socket, buffers, kTuple);
    write_guard.cancel();
    co_return !ec;
  };

  std::vector<feed::FramePtr> frames;
  std::vector<std::string> control;
  std::vector<ws::Header> headers;  // grows with the deepest backlog seen, not up front
  std::vector<asio::const_buffer> gather;
  std::uint16_t close_code = 0;
  std::string close_reason;
  bool healthy = true;
  for (;;) {
    wakeup->scheduled = false;
    frames.clear();
    gather.clear();
    bool alive = events->next(frames, kFramesPerWrite);
    control.clear();
    control.swap(peer->control);
    for (const auto& c : control) gather.push_back(asio::buffer(c));
    if (headers.size() < frames.size()) headers.resize(frames.size());
    // Every queued event in one write: header and shared JSON bytes side by side.
    for (std::size_t i = 0; i < frames.size(); ++i) {
      std::size_t n = ws::server_header(ws::Opcode::text, frames[i]->json.size(), headers[i]);
      gather.push_back(asio::buffer(headers[i].data(), n));
      gather.push_back(asio::buffer(frames[i]->json));
    }
    if (!gather.empty() && !(healthy = co_await write_all(gather))) break;
    if (peer->closed) break;
    if (!alive) {
      close_code = ws::kClosePolicy;
      close_reason = events->end_reason();
      break;
    }
    if (wakeup->shutting_down) {
      close_code = ws::kCloseGoingAway;
      close_reason = "server shutting down; reconnect with cursor " +
                     std::to_string(events->position());
      break;
    }
    if (frames.empty() && control.empty() && co_await wakeup->sleep(kPingInterval)) {
      if (std::chrono::steady_clock::now() - peer->last_heard > kPeerSilenceLimit) {
        close_code = ws::kCloseGoingAway;
        close_reason = "no answer to pings";
        break;
      }
      peer->control.push_back(ws::server_frame(ws::Opcode::ping, {}));
    }
  }
  on_shutdown = nullptr;

  if (healthy && close_code != 0) {
    std::string frame = ws::server_frame(ws::Opcode::close,
                                         ws::close_payload(close_code, clip_reason(close_reason)));
    std::vector<asio::const_buffer> close_frame{asio::buffer(frame)};
    if (co_await write_all(close_frame)) {
      // Give the peer a moment to answer the close before the socket goes.
      asio::steady_timer wait_for_peer(socket.get_executor(), std::chrono::seconds(3));
      while (!peer->reader_done &&
             std::chrono::steady_clock::now() < wait_for_peer.expiry()) {
        co_await wakeup->sleep(std::chrono::milliseconds(100));
      }
    }
  } else if (healthy && !peer->control.empty()) {
    std::vector<asio::const_buffer> replies;
    for (const auto& c : peer->control) replies.push_back(asio::buffer(c));
    co_await write_all(replies);
  }
  beast::error_code ignored;
  socket.shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  socket.close(ignored);
  while (!peer->reader_done) co_await wakeup->sleep(std::chrono::seconds(1));
  events.reset();  // unsubscribes before the wake-up state goes
}

}  // namespace

awaitable<void> run_websocket(asio::ip::tcp::socket socket,
                              http::request<http::string_body> request, std::string leftover,
                              std::shared_ptr<api::StreamUpgrade> upgrade, std::string request_id,
                              ShutdownHook& on_shutdown) {
  // After the handshake the connection is framed by hand (websocket_frames.hpp) so that queued
  // events leave in one gathered write.
  auto open = co_await open_websocket(std::move(socket), std::move(request), std::move(leftover),
                                      std::move(upgrade), std::move(request_id));
  if (!open) co_return;
  co_await pump_websocket(std::move(*open), on_shutdown);
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
        std::array<char, 512> sink;
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
