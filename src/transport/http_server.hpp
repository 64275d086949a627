#pragma once
// transport/http_server: HTTP/1.1 keep-alive over Boost.Beast with Asio C++20 coroutines, one
// I/O thread per core. Owns sockets, timeouts, size limits, connection counting (in all and per
// client address), the PROXY protocol from trusted proxies, graceful shutdown and access
// logging; hands each complete request to api::App. This header is free
// of Boost so that main.cpp compiles quickly.
#include <memory>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "core/result.hpp"

namespace paddock::api { class App; }
namespace paddock::metrics { class HttpMetrics; }

namespace paddock::transport {

struct ServerOptions {
  std::string listen = "127.0.0.1:8080";  // HOST:PORT; port 0 picks a free one
  int threads = 0;                         // 0: one per core
  config::Limits limits;
  int shutdown_grace_seconds = 8;  // leaves room to exit within 10 s of the signal
  // Peers whose connections must begin with a PROXY protocol header naming the real client.
  std::vector<config::AddressRange> trusted_proxies;
  // > 0: route handlers run on a pool of this many threads instead of the I/O threads, because
  // their storage reads are network round trips (PostgreSQL) that must not stall a connection
  // loop. 0: handlers run on the I/O thread that read the request (SQLite: a read is a local
  // page lookup, cheaper than the hop).
  int handler_threads = 0;
};

class HttpServer {
 public:
  HttpServer(ServerOptions options, api::App& app, metrics::HttpMetrics& metrics);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds and listens. Returns the bound address as "HOST:PORT".
  Result<std::string> bind();

  // Serves until SIGTERM or SIGINT (or stop()), then stops accepting, lets in-flight requests
  // finish, closes idle connections and returns once all are closed or the grace period ends.
  void run();

  // Begins the same graceful shutdown from any thread.
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace paddock::transport
