#pragma once
// transport/stream_session: a connection after it stopped being request/response: a WebSocket
// (RFC 6455, via Beast) or Server-Sent Events stream pumping an api::StreamUpgrade's frames.
// Internal to the transport; included only by its .cpp files.
#include <functional>
#include <memory>
#include <string>

#include "api/http_types.hpp"
#include "transport/pch.hpp"

namespace paddock::transport::detail {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

// Set by a stream session while it runs; the server calls it (on the connection's context) to
// ask the stream to close with a reason because the server is shutting down.
using ShutdownHook = std::function<void()>;

// `leftover`: bytes the client sent after the upgrade request, already read from the socket.
asio::awaitable<void> run_websocket(asio::ip::tcp::socket socket,
                                    http::request<http::string_body> request,
                                    std::string leftover,
                                    std::shared_ptr<api::StreamUpgrade> upgrade,
                                    std::string request_id, ShutdownHook& on_shutdown);

asio::awaitable<void> run_event_source(beast::tcp_stream& stream,
                                       std::shared_ptr<api::StreamUpgrade> upgrade,
                                       std::string request_id, ShutdownHook& on_shutdown);

}  // namespace paddock::transport::detail
