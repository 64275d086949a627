#pragma once
// transport/stream_session: a connection after it stopped being request/response: a WebSocket
// (RFC 6455, framed by hand in websocket_frames) or a Server-Sent Events stream, run for a
// session::Handler that the route supplied. Owns liveness, limits, the bounded outbound queue
// and the slow-consumer policy; knows nothing of what the messages mean. Sessions are callback
// driven with one shared sweep per I/O thread (no coroutine frame or timer per session), so an
// idle connection costs little. Internal to the transport.
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "api/http_types.hpp"
#include "core/thread_name.hpp"
#include "core/thread_post.hpp"
#include "transport/pch.hpp"
#include "transport/websocket_frames.hpp"

namespace paddock::transport::detail {

namespace asio = boost::asio;
namespace beast = boost::beast;

// Set by a stream session while it runs and cleared when it ends; the server calls it (on the
// connection's context) to ask the stream to close with a reason because the server is shutting
// down.
using ShutdownHook = std::function<void()>;

// A connection's socket, naming its io_context directly rather than through any_io_executor:
// 48 bytes less in the socket and in every pending operation (an idle session always has one).
// The server accepts straight into this type, so a connection that turns into a stream keeps
// its socket: no release and re-registration with the reactor.
using Socket = asio::basic_stream_socket<asio::ip::tcp, asio::io_context::executor_type>;

// Runs `task` on the handler pool (ServerOptions::handler_threads) with the pool's ThreadPost
// hook installed, so that the storage writes it submits complete on the pool as well. The one
// way work reaches the pool: the App's dispatch and a stream handler's storage work
// (session::Session::storage_runner).
template <class Task>
void run_on_handler_pool(asio::thread_pool& pool, Task task) {
  ThreadPost hook{&pool, [](void* target, std::function<void()> posted) {
                    asio::post(*static_cast<asio::thread_pool*>(target), std::move(posted));
                  }};
  asio::post(pool, [hook, task = std::move(task)]() mutable {
    // asio makes the pool's threads itself: each names itself on its first task.
    thread_local bool named = false;
    if (!named) name_this_thread("handler");
    named = true;
    install_thread_post(hook);
    task();
  });
}

struct StreamStart {
  std::shared_ptr<api::StreamUpgrade> upgrade;  // kind, handler, subprotocols, principal
  std::string request_id;
  std::string peer_address;
  ShutdownHook* on_shutdown = nullptr;  // the server's hook for this connection; may be null
  std::function<void()> on_end;         // called once, on the session's thread, when it is gone
  // Where the handler's storage work runs (session::Session::storage_runner); null: on the
  // session's own thread.
  asio::thread_pool* handler_pool = nullptr;
};

// The problem document answering an upgrade request that check_handshake refused: 426 with
// Sec-WebSocket-Version: 13, or 400 for a missing or malformed key.
api::Response handshake_refusal(ws::HandshakeFault fault, const std::string& request_id);

// Answers 101 and runs the WebSocket. `key` passed check_handshake; `offered_subprotocols` is
// the request's Sec-WebSocket-Protocol values, comma-separated; `leftover` are bytes the client
// sent after the upgrade request, already read from the socket.
void start_websocket(Socket socket, StreamStart start, std::string_view key,
                     std::string_view offered_subprotocols, std::string leftover);

// Answers 200 text/event-stream and runs the stream.
void start_event_source(Socket socket, StreamStart start);

}  // namespace paddock::transport::detail
