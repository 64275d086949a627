#include "transport/http_server.hpp"

#include <array>
#include <atomic>
#include <ctime>
#include <chrono>
#include <mutex>
#include <random>
#include <thread>
#include <unordered_map>

#include "api/app.hpp"
#include "api/problem.hpp"
#include "core/log.hpp"
#include "core/thread_name.hpp"
#include "core/thread_post.hpp"
#include "metrics/metrics.hpp"
#include "transport/address_quota.hpp"
#include "transport/pch.hpp"
#include "transport/proxy_protocol.hpp"
#include "transport/response_head.hpp"
#include "transport/stream_session.hpp"
#include "transport/websocket_frames.hpp"

#include <boost/beast/websocket/rfc6455.hpp>

namespace paddock::transport {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using asio::awaitable;
using asio::use_awaitable;
constexpr auto kTuple = asio::as_tuple(use_awaitable);
using detail::Socket;
// An HTTP connection's stream over its socket; the socket moves on as is to a stream session.
using HttpStream = beast::basic_stream<tcp, asio::io_context::executor_type>;

// Request ids only need to be unique enough to find a request in the logs, not secret.
std::string new_request_id() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  static constexpr char kHex[] = "0123456789abcdef";
  std::uint64_t v = rng();
  std::string id = "req_";
  for (int i = 0; i < 16; ++i, v >>= 4) id += kHex[v & 0xF];
  return id;
}

bool acceptable_request_id(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

std::size_t method_index(api::Method m) { return static_cast<std::size_t>(m); }

// The Date header (RFC 9110 §6.6.1), formatted at most once per second per thread.
std::string_view http_date() {
  thread_local std::time_t cached_second = 0;
  thread_local char text[40];
  std::time_t now = std::time(nullptr);
  if (now != cached_second) {
    cached_second = now;
    std::tm tm{};
    gmtime_r(&now, &tm);
    std::strftime(text, sizeof text, "%a, %d %b %Y %H:%M:%S GMT", &tm);
  }
  return text;
}

// A refused client may try again this soon: a slot frees when any connection (of the server, or
// of that address) closes, and idle ones close within the first-byte or idle timeout.
constexpr int kConnectionRetryAfterSeconds = 5;

Error connection_refusal(std::string detail) {
  Error error = make_error(Errc::too_many_connections, std::move(detail));
  error.retry_after_seconds = kConnectionRetryAfterSeconds;
  return error;
}

// Addresses in the 16-byte form the quota and the trusted-proxy ranges use: IPv4 (also an IPv4
// peer of a dual-stack socket) as ::ffff:a.b.c.d.
Address16 to_address16(const asio::ip::address& address) {
  if (address.is_v4()) {
    return asio::ip::make_address_v6(asio::ip::v4_mapped, address.to_v4()).to_bytes();
  }
  return address.to_v6().to_bytes();
}

std::string address_text(const Address16& address) {
  auto v6 = asio::ip::make_address_v6(address);
  if (v6.is_v4_mapped()) return asio::ip::make_address_v4(asio::ip::v4_mapped, v6).to_string();
  return v6.to_string();
}

// 1xx, 204 and 304 carry neither a body nor Content-Length (RFC 9110 §8.6).
bool may_have_body(int status) { return status >= 200 && status != 204 && status != 304; }

// Suspends the calling coroutine until the App answers, on whatever thread it answers from,
// and resumes it on the connection's own executor. With a handler pool the App runs there; the
// coroutine resumes only once both the answer and the route index are in (a handler may answer
// before dispatch returns the index, on another thread).
template <class Token>
auto async_dispatch(api::App& app, api::Request& request, std::size_t& route,
                    asio::thread_pool* pool, Token&& token) {
  return asio::async_initiate<Token, void(api::Response)>(
      [&app, &request, &route, pool](auto handler) {
        using Handler = decltype(handler);
        struct State {
          explicit State(Handler h) : handler(std::move(h)) {}
          Handler handler;
          std::optional<api::Response> response;
          std::atomic<int> pending{2};  // the answer and the route index
        };
        auto state = std::make_shared<State>(std::move(handler));
        auto executor = asio::get_associated_executor(state->handler);
        auto resume = [state, executor] {
          asio::post(executor, [state]() mutable {
            auto handler = std::move(state->handler);
            handler(std::move(*state->response));
          });
        };
        api::Responder respond(
            [state, resume](api::Response response) {
              state->response = std::move(response);
              if (state->pending.fetch_sub(1) == 1) resume();
            },
            request.request_id);
        auto run = [&app, &request, &route, state, resume, respond = std::move(respond)]() mutable {
          route = app.dispatch(request, std::move(respond));
          if (state->pending.fetch_sub(1) == 1) resume();
        };
        if (!pool) return run();
        // Write completions of this handler come back to the pool, not to the writer.
        detail::run_on_handler_pool(*pool, std::move(run));
      },
      token);
}

}  // namespace

struct HttpServer::Impl {
  // What shutdown needs to know about a connection. Touched only on its own context.
  enum class Phase { idle, reading, handling, streaming };
  // Kept small: a stream session (an idle follower) holds one for its whole life.
  struct Connection {
    asio::io_context* context = nullptr;  // its own (an any_io_executor would take 56 bytes)
    HttpStream* stream = nullptr;
    Phase phase = Phase::idle;
    detail::ShutdownHook on_shutdown;
    AddressSlot address_slot;  // this connection's count in its client's quota
    std::uint64_t id = 0;      // key in `connections`
  };

  Impl(ServerOptions opts, api::App& app_ref, metrics::HttpMetrics& m)
      : options(std::move(opts)),
        app(app_ref),
        metrics(m),
        contexts(make_contexts(options.threads)),
        io(*contexts.front()),
        acceptor(io),
        signals(io, SIGINT, SIGTERM),
        grace_timer(io) {
    for (auto& context : contexts) keep_running.emplace_back(context->get_executor());
  }

  // One io_context per thread, each run by exactly one thread: a connection lives on one
  // context for its whole life, so its handlers never need a strand and stay on one core's
  // caches, and load spreads evenly (a single shared context left one thread doing most work).
  static std::vector<std::unique_ptr<asio::io_context>> make_contexts(int threads) {
    if (threads <= 0) threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    std::vector<std::unique_ptr<asio::io_context>> out;
    for (int i = 0; i < threads; ++i) out.push_back(std::make_unique<asio::io_context>(1));
    return out;
  }
  void stop_all() {
    for (auto& context : contexts) context->stop();
  }

  ServerOptions options;
  api::App& app;
  metrics::HttpMetrics& metrics;
  // Declared before the contexts so that they outlive them: a connection still open when the
  // grace period ends is freed with its context, and gives back its quota slot then.
  std::atomic<bool> stopping{false};
  std::atomic<int> open_connections{0};
  std::mutex connections_mutex;
  // The records themselves (a node each, no separate block): every way out of a connection
  // erases its record last (forget_connection); other threads only copy ids and contexts out.
  std::unordered_map<std::uint64_t, Connection> connections;
  std::uint64_t next_connection_id = 0;  // guarded by connections_mutex
  AddressQuota address_quota{options.limits.max_connections_per_address};
  std::vector<std::unique_ptr<asio::io_context>> contexts;
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> keep_running;
  std::size_t next_context = 0;  // round robin for new connections (accept loop only)
  asio::io_context& io;  // the first context: acceptor, signals, shutdown timer
  // Where route handlers run when they must not run on an I/O thread (ServerOptions).
  std::unique_ptr<asio::thread_pool> handler_pool =
      options.handler_threads > 0
          ? std::make_unique<asio::thread_pool>(static_cast<std::size_t>(options.handler_threads))
          : nullptr;
  tcp::acceptor acceptor;
  asio::signal_set signals;
  asio::steady_timer grace_timer;

  awaitable<void> accept_loop();
  // `peer`: the address accept() gave. `slot` is the peer's count in its quota, or empty when
  // the peer is a trusted proxy (`via_proxy`): the client the PROXY header names is counted
  // instead.
  awaitable<void> serve(Socket socket, tcp::endpoint peer, AddressSlot slot, bool via_proxy);
  awaitable<void> refuse(Socket socket, tcp::endpoint peer, Error error);
  awaitable<bool> write_problem(HttpStream& stream, const Error& error, unsigned version,
                                std::string_view remote = {});
  awaitable<std::optional<proxy_protocol::Header>> read_proxy_header(
      HttpStream& stream, beast::flat_buffer& buffer,
      std::chrono::steady_clock::time_point deadline);
  bool trusted_proxy(const Address16& peer) const;
  Error per_address_refusal() const;
  void begin_shutdown();
  // Every way out of a connection calls this once (see serve()).
  void forget_connection(Connection& c);
  // The record of connection `id`, or null once it closed. Use it only on the connection's
  // context, where its record is erased.
  Connection* find_connection(std::uint64_t id) {
    std::lock_guard lock(connections_mutex);
    auto it = connections.find(id);
    return it == connections.end() ? nullptr : &it->second;
  }
  void connection_closed();
};

awaitable<void> HttpServer::Impl::accept_loop() {
  for (;;) {
    auto& context = *contexts[next_context++ % contexts.size()];
    tcp::endpoint peer;  // filled by accept() itself: no getpeername() per connection
    auto [ec, socket] = co_await acceptor.async_accept(context, peer, kTuple);
    if (ec) {
      if (stopping || ec == asio::error::operation_aborted) co_return;
      // Out of file descriptors and similar: log, back off briefly, keep serving.
      log::event(log::Level::warn, "accept failed", {{"error", ec.message()}});
      asio::steady_timer pause(io, std::chrono::milliseconds(50));
      co_await pause.async_wait(kTuple);
      continue;
    }
    auto executor = socket.get_executor();
    if (open_connections.load() >= options.limits.max_connections) {
      asio::co_spawn(
          executor,
          refuse(std::move(socket), peer,
                 connection_refusal("the server is at its connection limit; retry shortly")),
          asio::detached);
      continue;
    }
    Address16 peer_address = to_address16(peer.address());
    const bool via_proxy = trusted_proxy(peer_address);
    AddressSlot slot;
    if (!via_proxy) {
      slot = address_quota.try_acquire(peer_address);
      if (!slot.held()) {
        asio::co_spawn(executor, refuse(std::move(socket), peer, per_address_refusal()),
                       asio::detached);
        continue;
      }
    }
    asio::co_spawn(executor, serve(std::move(socket), peer, std::move(slot), via_proxy),
                   asio::detached);
  }
}

bool HttpServer::Impl::trusted_proxy(const Address16& peer) const {
  for (const auto& range : options.trusted_proxies) {
    if (range.contains(peer)) return true;
  }
  return false;
}

Error HttpServer::Impl::per_address_refusal() const {
  return connection_refusal("this client address holds its limit of " +
                            std::to_string(options.limits.max_connections_per_address) +
                            " connections; close one or retry shortly");
}

// Feeds the parser what `buffer` holds, consuming what it used. True when that settled the
// request: it is complete, or `ec` says why it is refused; false when more must be read.
static bool parse_buffered(http::request_parser<http::string_body>& parser,
                           beast::flat_buffer& buffer, beast::error_code& ec) {
  parser.eager(true);  // the body too, when it came with the head
  while (buffer.size() > 0 && !parser.is_done()) {
    std::size_t used = parser.put(buffer.data(), ec);
    buffer.consume(used);
    if (ec == http::error::need_more) {
      ec = {};
      return false;
    }
    if (ec) return true;
    if (used == 0) return false;
  }
  return parser.is_done();
}

// Reads until the PROXY header is complete, all before `deadline`. Bytes after the header stay
// in `buffer` for the HTTP parser. Returns nothing when the header is malformed, too long, late,
// or the peer closed: the caller closes without answering, as the spec asks.
awaitable<std::optional<proxy_protocol::Header>> HttpServer::Impl::read_proxy_header(
    HttpStream& stream, beast::flat_buffer& buffer,
    std::chrono::steady_clock::time_point deadline) {
  for (;;) {
    // parse() answers incomplete only below its bound, so there is always room to read into.
    stream.expires_at(deadline);
    auto [ec, n] = co_await stream.async_read_some(
        buffer.prepare(proxy_protocol::kMaxHeaderBytes - buffer.size()), kTuple);
    if (ec) co_return std::nullopt;
    buffer.commit(n);
    const auto* data = static_cast<const char*>(buffer.data().data());
    proxy_protocol::Header header = proxy_protocol::parse({data, buffer.size()});
    if (header.status == proxy_protocol::Status::invalid) co_return std::nullopt;
    if (header.status == proxy_protocol::Status::complete) {
      buffer.consume(header.length);
      co_return header;
    }
  }
}

awaitable<bool> HttpServer::Impl::write_problem(HttpStream& stream, const Error& error,
                                                unsigned version, std::string_view remote) {
  std::string request_id = new_request_id();
  api::Response problem = api::problem_response(error, request_id);
  std::string head;
  append_response_head(head, ResponseHead{problem.status, version, problem.content_type,
                                          http_date(), request_id, &problem.headers,
                                          /*keep_alive=*/false, problem.body.size()});
  const std::array<asio::const_buffer, 2> pieces{asio::buffer(head), asio::buffer(problem.body)};
  stream.expires_after(std::chrono::seconds(2));
  auto [ec, n] = co_await asio::async_write(stream, pieces, kTuple);
  metrics.observe(SIZE_MAX, method_index(api::Method::other), problem.status, 0);
  if (remote.empty()) {
    log::event(log::Level::info, "request rejected",
               {{"request_id", request_id}, {"code", error.code.name}});
  } else {
    log::event(log::Level::info, "request rejected",
               {{"request_id", request_id}, {"code", error.code.name}, {"remote", remote}});
  }
  co_return !ec;
}

awaitable<void> HttpServer::Impl::refuse(Socket socket, tcp::endpoint peer, Error error) {
  beast::error_code ignored;
  std::string remote = peer.address().to_string();
  HttpStream stream(std::move(socket));
  co_await write_problem(stream, error, 11, remote);
  stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
}

awaitable<void> HttpServer::Impl::serve(Socket socket, tcp::endpoint peer_endpoint,
                                        AddressSlot slot, bool via_proxy) {
  open_connections.fetch_add(1);
  metrics.open_connections().add(1);
  Connection* self;
  {
    Connection record;
    record.context = &static_cast<asio::io_context&>(
        asio::query(socket.get_executor(), asio::execution::context));
    record.address_slot = std::move(slot);
    std::lock_guard lock(connections_mutex);
    record.id = next_connection_id++;
    self = &connections.emplace(record.id, std::move(record)).first->second;
  }
  // Every way out calls this once, also for a stream session that outlives this coroutine; the
  // record is gone after it. Plain pointers: std::function keeps only trivially copyable
  // callables inline (a shared pointer would cost a heap block per copy).
  auto forget = [this, connection = self] { forget_connection(*connection); };

  beast::error_code ignored;
  asio::ip::address peer = peer_endpoint.address();
  std::string remote_address = peer.to_string();
  // Non-blocking for the synchronous first attempt at each answer (asynchronous operations
  // work the same either way).
  socket.non_blocking(true, ignored);
  HttpStream stream(std::move(socket));
  self->stream = &stream;
  beast::flat_buffer buffer;
  std::string head;  // each answer's head, its capacity kept from one answer to the next
  const auto& limits = options.limits;
  asio::steady_timer deadline(stream.get_executor());

  // A connection that has sent nothing must begin (PROXY header and first request byte) within
  // the first-byte timeout, so idle sockets cannot hold slots for the whole idle timeout.
  const auto first_byte_deadline = std::chrono::steady_clock::now() +
                                   std::chrono::seconds(std::min(limits.first_byte_timeout_seconds,
                                                                 limits.idle_timeout_seconds));
  if (via_proxy) {
    auto header =
        stopping ? std::nullopt : co_await read_proxy_header(stream, buffer, first_byte_deadline);
    bool admitted = header.has_value();
    if (!header) {
      if (!stopping) {
        log::event(log::Level::info,
                   "connection closed: no valid PROXY header from a trusted proxy",
                   {{"remote", remote_address}});
      }
    } else {
      // Without a source (LOCAL, UNKNOWN) the proxy speaks for itself and is counted as itself.
      Address16 client = header->source ? header->source->address : to_address16(peer);
      if (header->source) remote_address = address_text(client);
      self->address_slot = address_quota.try_acquire(client);
      if (!self->address_slot.held()) {
        admitted = false;
        co_await write_problem(stream, per_address_refusal(), 11, remote_address);
      }
    }
    if (!admitted) {
      stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
      stream.close();
      forget();
      co_return;
    }
  }
  bool first_request = true;

  for (;;) {
    // Between requests: wait for the first byte under the idle timeout (the first-byte timeout
    // before the first request). Shutdown cancels this wait, so idle connections close at once.
    if (buffer.size() == 0) {
      self->phase = Phase::idle;
      if (stopping) break;
      if (first_request) {
        stream.expires_at(first_byte_deadline);
      } else {
        stream.expires_after(std::chrono::seconds(limits.idle_timeout_seconds));
      }
      auto [ec, n] = co_await stream.async_read_some(buffer.prepare(1536), kTuple);
      if (ec) break;  // closed, idle too long, or shutting down: nothing to answer
      buffer.commit(n);
    }
    first_request = false;
    self->phase = Phase::reading;
    if (stopping) break;

    http::request_parser<http::string_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(limits.max_header_bytes));
    parser.body_limit(limits.max_body_bytes);
    // A request that arrived whole with its first bytes (the usual case) is parsed from the
    // buffer: no read and no deadline timer to arm and cancel.
    beast::error_code read_ec;
    bool timed_out = false;
    if (!parse_buffered(parser, buffer, read_ec)) {
      // The rest must arrive within the read timeout (slow-loris defence). Our own timer
      // cancels the read instead of closing the socket, so the client still learns why (408).
      stream.expires_never();
      deadline.expires_after(std::chrono::seconds(limits.read_timeout_seconds));
      deadline.async_wait([&stream, &timed_out](beast::error_code ec) {
        if (ec) return;
        timed_out = true;
        stream.socket().cancel();
      });
      if (!parser.is_header_done()) {
        auto [head_ec, head_bytes] =
            co_await http::async_read_header(stream, buffer, parser, kTuple);
        read_ec = head_ec;
        if (!read_ec && head_bytes > limits.max_header_bytes) read_ec = http::error::header_limit;
      }
      if (!read_ec && !parser.is_done()) {
        auto [body_ec, body_bytes] = co_await http::async_read(stream, buffer, parser, kTuple);
        read_ec = body_ec;
      }
      deadline.cancel();
    }
    if (read_ec) {
      if (stopping && !timed_out) break;
      if (!timed_out &&
          (read_ec == http::error::end_of_stream || read_ec == asio::error::eof ||
           read_ec == asio::error::connection_reset || read_ec == asio::error::operation_aborted)) {
        break;
      }
      Error error;
      if (timed_out) {
        error = make_error(Errc::request_timeout,
                           "the request did not arrive within " +
                               std::to_string(limits.read_timeout_seconds) + " s");
      } else if (read_ec == http::error::body_limit) {
        error = make_error(Errc::payload_too_large,
                           "the body exceeds " + std::to_string(limits.max_body_bytes) + " bytes");
      } else if (read_ec == http::error::header_limit) {
        error = make_error(Errc::header_too_large, "the request head exceeds " +
                                                       std::to_string(limits.max_header_bytes) +
                                                       " bytes");
      } else {
        error = make_error(Errc::malformed_request, "malformed HTTP: " + read_ec.message());
      }
      co_await write_problem(stream, error, 11);
      break;
    }
    self->phase = Phase::handling;

    auto& req = parser.get();
    auto started = std::chrono::steady_clock::now();
    api::Request request;
    request.method = api::parse_method(req.method_string());
    std::string_view target = req.target();
    auto query_at = target.find('?');
    request.path = std::string(target.substr(0, query_at));
    if (query_at != std::string_view::npos) request.query = std::string(target.substr(query_at + 1));
    {
      // Every field, so that handlers can read any header; one reserve, bounded by the
      // parser's header limit.
      std::size_t fields = 0, bytes = 0;
      for (const auto& field : req) {
        ++fields;
        bytes += field.name_string().size() + field.value().size();
      }
      request.headers.reserve(fields, bytes);
      for (const auto& field : req) request.headers.add(field.name_string(), field.value());
    }
    request.websocket_upgrade = beast::websocket::is_upgrade(req);
    std::string_view client_id = req["X-Request-Id"];
    request.request_id = acceptable_request_id(client_id) ? std::string(client_id) : new_request_id();
    request.remote_address = remote_address;
    request.body = std::move(req.body());

    metrics.in_flight_requests().add(1);
    std::size_t route = 0;
    api::Response response =
        co_await async_dispatch(app, request, route, handler_pool.get(), use_awaitable);
    metrics.in_flight_requests().add(-1);

    if (response.upgrade && response.upgrade->kind == api::StreamUpgrade::Kind::websocket) {
      // The opening handshake's own checks (RFC 6455 §4.2.1), answered as problem documents.
      auto fault = ws::check_handshake(req[http::field::sec_websocket_version],
                                       req[http::field::sec_websocket_key]);
      if (fault != ws::HandshakeFault::none) {
        response = detail::handshake_refusal(fault, request.request_id);
      }
    }
    if (response.upgrade) {
      // The connection becomes a stream session; it never returns to request/response, and
      // this coroutine's frame (request, parser, buffers) is freed: an idle follower should
      // cost as little as possible.
      metrics.observe(route, method_index(request.method), response.status, 0);
      self->phase = Phase::streaming;
      self->stream = nullptr;
      detail::StreamStart start{std::move(response.upgrade), request.request_id, remote_address,
                                &self->on_shutdown, forget, handler_pool.get()};
      // The session may end (and the record with it) before start_* returns.
      asio::io_context& context = *self->context;
      const std::uint64_t id = self->id;
      if (start.upgrade->kind == api::StreamUpgrade::Kind::websocket) {
        std::string offered;
        auto [first, last] = req.equal_range(http::field::sec_websocket_protocol);
        for (auto field = first; field != last; ++field) {
          if (!offered.empty()) offered += ',';
          offered += field->value();
        }
        detail::start_websocket(std::move(stream.socket()), std::move(start),
                                req[http::field::sec_websocket_key], offered,
                                beast::buffers_to_string(buffer.data()));
      } else {
        detail::start_event_source(std::move(stream.socket()), std::move(start));
      }
      // A shutdown that began while this upgrade was being handled found no stream to close.
      if (stopping) {
        asio::post(context, [this, id] {
          if (Connection* c = find_connection(id); c && c->on_shutdown) c->on_shutdown();
        });
      }
      co_return;
    }

    const bool keep_alive = req.keep_alive() && !stopping;
    const bool has_body = may_have_body(response.status);
    if (!has_body) response.body.clear();
    head.clear();
    append_response_head(head, ResponseHead{response.status, req.version(),
                                            response.content_type, http_date(),
                                            request.request_id, &response.headers, keep_alive,
                                            has_body ? std::optional(response.body.size())
                                                     : std::nullopt});

    // Written at once when the socket takes it all (the usual case): no write deadline timer.
    const std::array<asio::const_buffer, 2> pieces{asio::buffer(head),
                                                   asio::buffer(response.body)};
    beast::error_code write_ec;
    std::size_t written = asio::write(stream.socket(), pieces, write_ec);
    if (write_ec == asio::error::would_block || write_ec == asio::error::try_again) {
      beast::buffers_suffix<std::array<asio::const_buffer, 2>> rest(pieces);
      rest.consume(written);
      stream.expires_after(std::chrono::seconds(limits.read_timeout_seconds));
      auto [async_ec, more] = co_await asio::async_write(stream, rest, kTuple);
      write_ec = async_ec;
    }
    double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    metrics.observe(route, method_index(request.method), response.status, seconds);
    if (log::enabled(log::Level::debug) || response.status >= 500) {
      std::string status = std::to_string(response.status);
      std::string micros = std::to_string(static_cast<long>(seconds * 1e6));
      log::event(response.status >= 500 ? log::Level::error : log::Level::debug, "request",
                 {{"request_id", request.request_id},
                  {"method", api::method_name(request.method)},
                  {"path", request.path},
                  {"status", status},
                  {"duration_us", micros},
                  {"remote", remote_address}});
    }
    if (write_ec || !keep_alive) break;
  }

  stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
  stream.close();
  forget();
}

void HttpServer::Impl::forget_connection(Connection& c) {
  c.stream = nullptr;
  c.on_shutdown = nullptr;
  c.address_slot.release();
  {
    std::lock_guard lock(connections_mutex);
    connections.erase(c.id);  // `c` is gone from here on
  }
  metrics.open_connections().add(-1);
  open_connections.fetch_sub(1);
  connection_closed();
}

void HttpServer::Impl::connection_closed() {
  if (stopping && open_connections.load() == 0) {
    asio::post(io, [this] { grace_timer.cancel(); });
  }
}

void HttpServer::Impl::begin_shutdown() {
  if (stopping.exchange(true)) return;
  log::event(log::Level::info, "shutting down",
             {{"open_connections", std::to_string(open_connections.load())}});
  asio::post(io, [this] {
    beast::error_code ignored;
    acceptor.close(ignored);
    signals.cancel(ignored);
    std::vector<std::pair<std::uint64_t, asio::io_context*>> open;
    {
      std::lock_guard lock(connections_mutex);
      for (auto& [id, c] : connections) open.emplace_back(id, c.context);
    }
    for (auto [id, context] : open) {
      // Runs on the connection's context, so `phase` and `stream` are read where written (and
      // the record, if still there, cannot go meanwhile: it is erased on that context too).
      asio::post(*context, [this, id = id] {
        Connection* c = find_connection(id);
        if (!c) return;  // closed meanwhile
        // Requests being handled finish; connections waiting for or reading a request close;
        // streams close with a reason.
        if (c->phase == Phase::streaming) {
          if (c->on_shutdown) c->on_shutdown();
        } else if (c->phase != Phase::handling && c->stream) {
          c->stream->socket().cancel();
        }
      });
    }
    grace_timer.expires_after(std::chrono::seconds(options.shutdown_grace_seconds));
    grace_timer.async_wait([this](beast::error_code ec) {
      if (!ec) {
        log::event(log::Level::warn, "grace period over; closing remaining connections",
                   {{"open_connections", std::to_string(open_connections.load())}});
      }
      stop_all();
    });
    if (open_connections.load() == 0) grace_timer.cancel();
  });
}

HttpServer::HttpServer(ServerOptions options, api::App& app, metrics::HttpMetrics& metrics)
    : impl_(std::make_unique<Impl>(std::move(options), app, metrics)) {}

HttpServer::~HttpServer() = default;

Result<std::string> HttpServer::bind() {
  const std::string& listen = impl_->options.listen;
  auto colon = listen.rfind(':');
  std::string host = listen.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  std::string port = listen.substr(colon + 1);
  beast::error_code ec;
  tcp::resolver resolver(impl_->io);
  auto results = resolver.resolve(host, port, tcp::resolver::passive, ec);
  if (ec || results.empty()) {
    return make_error(Errc::invalid_field, "cannot resolve listen address " + listen + ": " +
                                               ec.message(), "listen");
  }
  tcp::endpoint endpoint = results.begin()->endpoint();
  auto& acceptor = impl_->acceptor;
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return make_error(Errc::invalid_field, "cannot listen on " + listen + ": " + ec.message(),
                      "listen");
  }
  auto bound = acceptor.local_endpoint();
  std::string address = bound.address().to_string();
  if (bound.address().is_v6()) address = "[" + address + "]";
  return address + ":" + std::to_string(bound.port());
}

void HttpServer::run() {
  auto& impl = *impl_;
  impl.signals.async_wait([&impl](beast::error_code ec, int) {
    if (!ec) impl.begin_shutdown();
  });
  asio::co_spawn(impl.io, impl.accept_loop(), asio::detached);

  // Storage completions come back to the I/O thread that submitted the write (core/thread_post).
  auto post_hook = [](asio::io_context& context) {
    return ThreadPost{&context, [](void* target, std::function<void()> task) {
                        asio::post(*static_cast<asio::io_context*>(target), std::move(task));
                      }};
  };
  std::vector<std::thread> workers;
  for (std::size_t i = 1; i < impl.contexts.size(); ++i) {
    workers.emplace_back([&impl, i, post_hook] {
      // The main thread runs the first context and keeps the process's name.
      name_this_thread("io-" + std::to_string(i));
      install_thread_post(post_hook(*impl.contexts[i]));
      mark_io_thread(true);
      impl.contexts[i]->run();
    });
  }
  install_thread_post(post_hook(impl.io));
  mark_io_thread(true);
  impl.io.run();
  mark_io_thread(false);
  install_thread_post({});
  for (auto& t : workers) t.join();
  // Handlers still running finish (their answers find the connections gone) before the App
  // they use can go away.
  if (impl.handler_pool) impl.handler_pool->join();
}

void HttpServer::stop() { impl_->begin_shutdown(); }

}  // namespace paddock::transport
