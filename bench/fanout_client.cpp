// Load generator for bench/fanout_bench.sh: one vehicle, many WebSocket followers (see
// bench/README.md). Results are JSON lines on stdout; progress and errors go to stderr.
//
//   paddock_fanout_client setup --port P --followers N --tokens FILE [--concurrency 32]
//       Creates an owner, a vehicle with N followers (types ["status"]) and a second vehicle
//       without followers, and writes "owner|vehicle|quiet_vehicle|follower TOKEN_OR_ID" lines.
//   paddock_fanout_client run --port P --connections N --messages M --rate R
//       [--tokens FILE] [--target paddock|node] [--path /v1/stream] [--publish-url PATH|URL]
//       [--threads 1] [--publishers 16] [--drain 3] [--deadline 30] [--stream-ports P1,P2,...]
//       [--sources 1]
//       Opens N WebSocket connections, then publishes M messages at R per second (open loop, R
//       may be fractional), then waits until every delivery arrived, nothing arrived for --drain
//       seconds, or --deadline seconds passed since the last publish. --stream-ports spreads the
//       connections round robin over those ports (several nodes of one cluster); publishing
//       stays on --port. --sources K binds the connections round robin to the source addresses
//       127.0.0.1 ... 127.0.0.K: one address reaches a server's port from at most as many
//       connections as the local port range has ports (about 28,000 by default). Each message
//       text carries "t=<steady_clock ns>"; receivers take the delivery latency from it.
//   paddock_fanout_client idle --port P --connections N --hold S [--tokens FILE] [--sources K]
//       [--target ...]
//       Opens N connections and holds them idle for S seconds.
// std::chrono::steady_clock is CLOCK_MONOTONIC, so stamps compare across processes on one host.

#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <bit>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/json.hpp>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace json = boost::json;
namespace websocket = beast::websocket;
using asio::awaitable;
using asio::use_awaitable;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;
using Ws = websocket::stream<beast::tcp_stream>;
constexpr auto kTuple = asio::as_tuple(use_awaitable);
constexpr std::string_view kPassword = "fanout-password-0123";
constexpr std::size_t kHandshakesInFlight = 128;  // per client thread

std::int64_t now_ns() { return Clock::now().time_since_epoch().count(); }

// ---- Command line ---------------------------------------------------------------------------

struct Options {
  std::string mode;
  std::map<std::string, std::string, std::less<>> values;

  std::string text(std::string_view key, std::string fallback = "") const {
    auto it = values.find(key);
    return it == values.end() ? fallback : it->second;
  }
  std::int64_t number(std::string_view key, std::int64_t fallback = -1) const {
    auto it = values.find(key);
    if (it == values.end()) {
      if (fallback < 0) throw std::runtime_error("missing --" + std::string(key));
      return fallback;
    }
    std::int64_t v = 0;
    const auto& s = it->second;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || end != s.data() + s.size() || v < 0) {
      throw std::runtime_error("--" + std::string(key) + " wants a number, got '" + s + "'");
    }
    return v;
  }
  double real(std::string_view key) const {
    double v = 0;
    std::string s = text(key);
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (s.empty() || ec != std::errc() || end != s.data() + s.size() || !(v > 0)) {
      throw std::runtime_error("--" + std::string(key) + " wants a positive number, got '" + s +
                               "'");
    }
    return v;
  }
};

Options parse_options(int argc, char** argv) {
  static const std::set<std::string, std::less<>> kKnown = {
      "port",     "followers",  "tokens", "concurrency", "connections",
      "messages", "rate",       "path",   "target",      "publish-url",
      "threads",  "publishers", "drain",  "hold",        "deadline", "stream-ports",
      "sources"};
  if (argc < 2)
    throw std::runtime_error("usage: paddock_fanout_client setup|run|idle --key value...");
  Options o;
  o.mode = argv[1];
  for (int i = 2; i < argc; i += 2) {
    std::string_view key = argv[i];
    if (!key.starts_with("--") || !kKnown.contains(key.substr(2)) || i + 1 >= argc) {
      throw std::runtime_error("bad argument '" + std::string(key) + "'");
    }
    o.values.emplace(key.substr(2), argv[i + 1]);
  }
  return o;
}

void raise_fd_limit() {
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur < lim.rlim_max) {
    lim.rlim_cur = lim.rlim_max;
    setrlimit(RLIMIT_NOFILE, &lim);
  }
}

// A JSON object written by hand so numbers stay readable ("1234.5", not "1.2345E3").
class JsonLine {
 public:
  JsonLine& add(std::string_view key, std::string_view value) {
    return raw(key, '"' + std::string(value) + '"');
  }
  JsonLine& add(std::string_view key, std::int64_t value) {
    return raw(key, std::to_string(value));
  }
  JsonLine& add(std::string_view key, double value) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.3f", value);
    return raw(key, buf);
  }
  std::string str() const { return "{" + body_ + "}"; }

 private:
  JsonLine& raw(std::string_view key, const std::string& value) {
    if (!body_.empty()) body_ += ',';
    body_.append("\"").append(key).append("\":").append(value);
    return *this;
  }
  std::string body_;
};

void emit(const JsonLine& line) { std::cout << line.str() << std::endl; }

// ---- Latency histogram ----------------------------------------------------------------------

// Log-linear buckets over nanoseconds: exact below 128 ns, then 64 buckets per power of two
// (at most 1.6% error). Fixed size, so recording never allocates.
class Histogram {
 public:
  void record(std::int64_t ns) {
    ++counts_[index(static_cast<std::uint64_t>(std::max<std::int64_t>(ns, 0)))];
    max_ = std::max(max_, ns);
  }
  void merge(const Histogram& other) {
    for (std::size_t i = 0; i < counts_.size(); ++i) counts_[i] += other.counts_[i];
    max_ = std::max(max_, other.max_);
  }
  std::uint64_t total() const {
    std::uint64_t n = 0;
    for (auto c : counts_) n += c;
    return n;
  }
  // The bucket midpoint of the p-th percentile (0 < p <= 1), in milliseconds.
  double percentile_ms(double p) const {
    std::uint64_t n = total();
    if (n == 0) return 0;
    auto rank = static_cast<std::uint64_t>(std::ceil(p * static_cast<double>(n)));
    std::uint64_t seen = 0;
    for (std::size_t i = 0; i < counts_.size(); ++i) {
      seen += counts_[i];
      if (seen >= std::max<std::uint64_t>(rank, 1)) {
        double mid = static_cast<double>(lower(i)) + static_cast<double>(width(i)) / 2;
        return std::min(mid, static_cast<double>(max_)) / 1e6;
      }
    }
    return max_ms();
  }
  double max_ms() const { return static_cast<double>(max_) / 1e6; }

 private:
  static constexpr int kSubBits = 6;
  static constexpr std::uint64_t kSub = 1u << kSubBits;  // 64
  static std::size_t index(std::uint64_t v) {
    if (v < 2 * kSub) return v;
    int shift = std::bit_width(v) - 1 - kSubBits;
    return 2 * kSub + (shift - 1) * kSub + ((v >> shift) - kSub);
  }
  static std::uint64_t lower(std::size_t i) {
    if (i < 2 * kSub) return i;
    int shift = static_cast<int>((i - 2 * kSub) / kSub) + 1;
    return ((i - 2 * kSub) % kSub + kSub) << shift;
  }
  static std::uint64_t width(std::size_t i) {
    return i < 2 * kSub ? 1 : std::uint64_t{1} << ((i - 2 * kSub) / kSub + 1);
  }
  std::array<std::uint64_t, 2 * kSub + 58 * kSub> counts_{};
  std::int64_t max_ = 0;
};

// ---- HTTP/1.1 keep-alive client -------------------------------------------------------------

class HttpClient {
 public:
  HttpClient(asio::any_io_executor ex, unsigned short port) : stream_(std::move(ex)), port_(port) {}

  awaitable<http::response<http::string_body>> send(http::verb verb, const std::string& target,
                                                    std::string body, std::string_view token) {
    try {
      if (!connected_) {
        co_await stream_.async_connect(tcp::endpoint(asio::ip::address_v4::loopback(), port_),
                                       use_awaitable);
        stream_.socket().set_option(tcp::no_delay(true));
        connected_ = true;
      }
      http::request<http::string_body> req{verb, target, 11};
      req.set(http::field::host, "127.0.0.1:" + std::to_string(port_));
      if (!token.empty()) req.set(http::field::authorization, "Bearer " + std::string(token));
      if (!body.empty()) req.set(http::field::content_type, "application/json");
      req.body() = std::move(body);
      req.prepare_payload();
      stream_.expires_after(std::chrono::seconds(30));
      co_await http::async_write(stream_, req, use_awaitable);
      http::response<http::string_body> res;
      co_await http::async_read(stream_, buffer_, res, use_awaitable);
      if (!res.keep_alive()) close();
      co_return res;
    } catch (...) {
      close();
      throw;
    }
  }

 private:
  void close() {
    beast::error_code ignored;
    stream_.socket().close(ignored);
    buffer_.clear();
    connected_ = false;
  }
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  unsigned short port_;
  bool connected_ = false;
};

// Sends a JSON request and returns the JSON object answered, or throws unless the status is
// `expect`.
awaitable<json::object> call(HttpClient& http, const char* target, const json::value& body,
                             std::string_view token, unsigned expect) {
  auto res = co_await http.send(http::verb::post, target, json::serialize(body), token);
  if (res.result_int() != expect) {
    throw std::runtime_error(std::string("POST ") + target + " answered " +
                             std::to_string(res.result_int()) + ": " + res.body());
  }
  co_return json::parse(res.body()).as_object();
}

// Throws the exception a detached coroutine ended with out of io_context::run().
void rethrow(std::exception_ptr e) {
  if (e) std::rethrow_exception(e);
}

// ---- setup ----------------------------------------------------------------------------------

struct Setup {
  unsigned short port = 0;
  std::string run_id;
  json::object follow_request;      // the same body for every follower
  std::vector<std::string> tokens;  // one per follower
  std::size_t next = 0;
  std::size_t done = 0;
  std::string owner_token, vehicle_id, quiet_vehicle_id;
};

awaitable<void> enroll_followers(Setup& s) {
  HttpClient http(co_await asio::this_coro::executor, s.port);
  while (s.next < s.tokens.size()) {
    std::size_t i = s.next++;
    json::object user;
    user["username"] = "f" + s.run_id + "_" + std::to_string(i);
    user["password"] = kPassword;
    co_await call(http, "/v1/users", user, "", 201);
    auto session = co_await call(http, "/v1/sessions", user, "", 201);
    std::string token(session.at("token").as_string());
    auto prompt = co_await call(http, "/v1/follow-requests", s.follow_request, token, 200);
    json::object confirm;
    confirm["confirmation_token"] = prompt.at("confirmation_token");
    co_await call(http, "/v1/follows", confirm, token, 201);
    s.tokens[i] = std::move(token);
    if (++s.done % 1000 == 0) std::cerr << "setup: " << s.done << " followers\n";
  }
}

json::object plate_of(const std::string& number) { return {{"number", number}, {"region", "DE"}}; }

awaitable<std::string> create_vehicle(HttpClient& http, const std::string& token,
                                      const std::string& plate) {
  json::object body{{"plate", plate_of(plate)}, {"nickname", "fanout " + plate}};
  auto vehicle = co_await call(http, "/v1/vehicles", body, token, 201);
  co_return std::string(vehicle.at("id").as_string());
}

awaitable<void> create_owner(Setup& s, std::size_t concurrency) {
  auto ex = co_await asio::this_coro::executor;
  HttpClient http(ex, s.port);
  json::object owner{{"username", "own" + s.run_id}, {"password", kPassword}};
  co_await call(http, "/v1/users", owner, "", 201);
  auto session = co_await call(http, "/v1/sessions", owner, "", 201);
  s.owner_token = session.at("token").as_string();
  s.vehicle_id = co_await create_vehicle(http, s.owner_token, "FO" + s.run_id);
  s.quiet_vehicle_id = co_await create_vehicle(http, s.owner_token, "FQ" + s.run_id);
  s.follow_request = {{"identification", {{"plate", plate_of("FO" + s.run_id)}}},
                      {"types", json::array{"status"}}};
  for (std::size_t i = 0; i < std::min(concurrency, s.tokens.size()); ++i) {
    asio::co_spawn(ex, enroll_followers(s), rethrow);
  }
}

int run_setup(const Options& o) {
  Setup s;
  s.port = static_cast<unsigned short>(o.number("port"));
  s.tokens.resize(o.number("followers"));
  std::string path = o.text("tokens");
  if (path.empty()) throw std::runtime_error("missing --tokens");
  std::mt19937_64 rng{std::random_device{}()};
  static constexpr char kDigits[] = "0123456789ABCDEFGHJKLMNPRSTUVWXYZ";
  for (int i = 0; i < 8; ++i) s.run_id += kDigits[rng() % (sizeof kDigits - 1)];

  auto start = Clock::now();
  asio::io_context io;
  asio::co_spawn(io, create_owner(s, o.number("concurrency", 32)), rethrow);
  io.run();
  double seconds = std::chrono::duration<double>(Clock::now() - start).count();

  std::ofstream out(path, std::ios::trunc);
  out << "owner " << s.owner_token << "\nvehicle " << s.vehicle_id << "\nquiet_vehicle "
      << s.quiet_vehicle_id << "\n";
  for (const auto& t : s.tokens) out << "follower " << t << "\n";
  if (!out.flush()) throw std::runtime_error("cannot write " + path);
  emit(JsonLine()
           .add("mode", "setup")
           .add("followers", static_cast<std::int64_t>(s.tokens.size()))
           .add("vehicle_id", s.vehicle_id)
           .add("seconds", seconds)
           .add("requests_per_s", static_cast<double>(4 * s.tokens.size() + 6) / seconds));
  return 0;
}

// ---- run / idle -----------------------------------------------------------------------------

struct TokenFile {
  std::string owner, vehicle;
  std::vector<std::string> followers;
};

TokenFile read_tokens(const std::string& path) {
  TokenFile t;
  if (path.empty()) return t;
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read " + path);
  for (std::string key, value; in >> key >> value;) {
    if (key == "owner") t.owner = value;
    if (key == "vehicle") t.vehicle = value;
    if (key == "follower") t.followers.push_back(value);
  }
  return t;
}

struct RunConfig {
  unsigned short port = 0;
  bool paddock = true;  // else the node baseline: no auth, no "ready" frame
  bool idle = false;    // hold the connections instead of publishing
  std::string path, publish_path, owner_token;
  std::int64_t connections = 0, messages = 0, publishers = 16, hold = 0, drain = 3, deadline = 30;
  double rate = 1;  // messages per second
};

// One client thread with its own io_context and its share of the connections.
struct alignas(64) Worker {
  asio::io_context io{1};  // declared first: destroyed after the sockets that use it
  asio::executor_work_guard<asio::io_context::executor_type> guard = asio::make_work_guard(io);
  std::vector<std::string> tokens;           // one per connection ("" for node)
  std::vector<unsigned short> ports;         // the port each connection goes to
  std::vector<asio::ip::address_v4> sources;  // the address each connection comes from
  std::vector<std::unique_ptr<Ws>> sockets;  // every connection, open or not
  std::size_t next = 0;                      // next token to connect
  bool stopping = false;                     // set on this thread when the run ends
  Histogram latency;                         // read only after the thread has ended
  std::string first_error;
  std::atomic<std::int64_t> connected{0}, failed{0}, closed{0}, deliveries{0}, last_delivery{0};
  std::thread thread;
};

// The stamp a publisher put in the message text: "t=<nanoseconds>".
std::optional<std::int64_t> stamp(std::string_view frame) {
  auto at = frame.find("t=");
  if (at == std::string_view::npos) return std::nullopt;
  std::int64_t t = 0;
  auto begin = frame.data() + at + 2;
  auto [end, ec] = std::from_chars(begin, frame.data() + frame.size(), t);
  if (ec != std::errc() || end == begin) return std::nullopt;
  return t;
}

awaitable<void> receive(Worker& w, Ws& ws) {
  beast::flat_buffer buffer;
  for (;;) {
    auto [ec, n] = co_await ws.async_read(buffer, kTuple);
    if (ec) {
      if (!w.stopping) {
        ++w.closed;
        if (w.first_error.empty()) {
          w.first_error = "connection ended: " + ec.message() + " " + ws.reason().reason.c_str();
        }
      }
      co_return;
    }
    std::int64_t now = now_ns();
    std::string_view frame(static_cast<const char*>(buffer.data().data()), buffer.size());
    if (auto t = stamp(frame)) {
      w.latency.record(now - *t);
      w.deliveries.fetch_add(1, std::memory_order_relaxed);
      w.last_delivery.store(now, std::memory_order_relaxed);
    }
    buffer.consume(buffer.size());
  }
}

// Binds `socket` to `source` with the port left to connect(), which then picks one free for
// this destination: a port bound alone would be taken for every destination.
void bind_source(tcp::socket& socket, const asio::ip::address_v4& source) {
  socket.open(tcp::v4());
  int one = 1;
  if (::setsockopt(socket.native_handle(), IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one,
                   sizeof one) != 0) {
    throw std::runtime_error("IP_BIND_ADDRESS_NO_PORT: " + std::string(std::strerror(errno)));
  }
  socket.bind(tcp::endpoint(source, 0));
}

awaitable<void> connect_one(Worker& w, const RunConfig& cfg, const std::string& token,
                            unsigned short port, asio::ip::address_v4 source) {
  Ws& ws = *w.sockets.emplace_back(std::make_unique<Ws>(w.io.get_executor()));
  auto& tcp_stream = beast::get_lowest_layer(ws);
  tcp_stream.expires_after(std::chrono::seconds(30));
  if (source != asio::ip::address_v4::loopback()) bind_source(tcp_stream.socket(), source);
  co_await tcp_stream.async_connect(tcp::endpoint(asio::ip::address_v4::loopback(), port),
                                    use_awaitable);
  tcp_stream.socket().set_option(tcp::no_delay(true));
  tcp_stream.expires_never();
  ws.set_option(websocket::stream_base::timeout::suggested(beast::role_type::client));
  ws.set_option(websocket::stream_base::decorator([token](websocket::request_type& req) {
    if (!token.empty()) req.set(http::field::authorization, "Bearer " + token);
  }));
  co_await ws.async_handshake("127.0.0.1:" + std::to_string(port), cfg.path, use_awaitable);
  if (cfg.paddock) {
    beast::flat_buffer first;
    co_await ws.async_read(first, use_awaitable);
    if (beast::buffers_to_string(first.data()).find("\"ready\"") == std::string::npos) {
      throw std::runtime_error("first frame is not ready: " +
                               beast::buffers_to_string(first.data()));
    }
  }
  asio::co_spawn(w.io, receive(w, ws), asio::detached);
}

awaitable<void> connect_some(Worker& w, const RunConfig& cfg) {
  while (!w.stopping && w.next < w.tokens.size()) {
    const std::string& token = w.tokens[w.next];
    unsigned short port = w.ports[w.next];
    asio::ip::address_v4 source = w.sources[w.next++];
    try {
      co_await connect_one(w, cfg, token, port, source);
      ++w.connected;
    } catch (const std::exception& e) {
      ++w.failed;
      if (w.first_error.empty()) w.first_error = std::string("connect: ") + e.what();
    }
  }
}

struct Publishing {
  const RunConfig* cfg = nullptr;
  std::int64_t start = 0;  // when message 0 is due
  std::int64_t next = 0, sent = 0, errors = 0, first_sent = 0, max_lag = 0;
  Histogram post_latency;
  std::string first_error;
};

// Open loop: message i is due at start + i / rate, whatever the previous posts took.
awaitable<void> publish(Publishing& p) {
  const RunConfig& cfg = *p.cfg;
  auto ex = co_await asio::this_coro::executor;
  HttpClient http(ex, cfg.port);
  asio::steady_timer timer(ex);
  while (p.next < cfg.messages) {
    std::int64_t i = p.next++;
    auto due = p.start + static_cast<std::int64_t>(static_cast<double>(i) * 1e9 / cfg.rate);
    timer.expires_at(Clock::time_point(Clock::duration(due)));
    co_await timer.async_wait(kTuple);
    std::int64_t t = now_ns();
    if (p.first_sent == 0) p.first_sent = t;
    p.max_lag = std::max(p.max_lag, t - due);
    std::string body = R"({"type":"status","text":"t=)" + std::to_string(t) +
                       R"( fanout benchmark: vehicle status update, all systems nominal"})";
    try {
      auto res =
          co_await http.send(http::verb::post, cfg.publish_path, std::move(body), cfg.owner_token);
      if (res.result_int() / 100 != 2)
        throw std::runtime_error(std::to_string(res.result_int()) + " " + res.body());
      ++p.sent;
    } catch (const std::exception& e) {
      ++p.errors;
      if (p.first_error.empty()) p.first_error = e.what();
    }
    p.post_latency.record(now_ns() - t);
  }
}

template <class F>
std::int64_t sum(std::vector<std::unique_ptr<Worker>>& workers, F field) {
  std::int64_t n = 0;
  for (auto& w : workers) n += field(*w).load(std::memory_order_relaxed);
  return n;
}

double cpu_seconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  auto s = [](const timeval& tv) { return static_cast<double>(tv.tv_sec) + tv.tv_usec / 1e6; };
  return s(ru.ru_utime) + s(ru.ru_stime);
}

awaitable<void> sleep_for(std::chrono::milliseconds d) {
  asio::steady_timer timer(co_await asio::this_coro::executor, d);
  co_await timer.async_wait(kTuple);
}

// Connects everything, publishes (run) or holds (idle), waits for the deliveries, reports.
awaitable<void> control(const RunConfig& cfg, std::vector<std::unique_ptr<Worker>>& workers) {
  const bool idle = cfg.idle;
  auto started = Clock::now();
  auto elapsed = [](Clock::time_point since) {
    return std::chrono::duration<double>(Clock::now() - since).count();
  };
  auto connected = [&] {
    return sum(
        workers, [](Worker & w) -> auto& { return w.connected; });
  };
  auto failed = [&] {
    return sum(
        workers, [](Worker & w) -> auto& { return w.failed; });
  };
  auto closed = [&] {
    return sum(
        workers, [](Worker & w) -> auto& { return w.closed; });
  };
  auto deliveries = [&] {
    return sum(
        workers, [](Worker & w) -> auto& { return w.deliveries; });
  };

  while (connected() + failed() < cfg.connections && elapsed(started) < 120) {
    co_await sleep_for(std::chrono::milliseconds(10));
  }
  emit(JsonLine()
           .add("phase", "connected")
           .add("connections", cfg.connections)
           .add("connected", connected())
           .add("failed", failed())
           .add("seconds", elapsed(started)));

  JsonLine report;
  report.add("mode", idle ? "idle" : "run").add("target", cfg.paddock ? "paddock" : "node");
  report.add("connections", cfg.connections).add("connected", connected()).add("failed", failed());
  if (idle) {
    co_await sleep_for(std::chrono::seconds(cfg.hold));
    report.add("closed", closed());
  } else {
    Publishing p;
    p.cfg = &cfg;
    p.start = now_ns() + 20'000'000;
    double cpu_before = cpu_seconds();
    auto ex = co_await asio::this_coro::executor;
    for (std::int64_t k = 0; k < std::min(cfg.publishers, cfg.messages); ++k) {
      asio::co_spawn(ex, publish(p), rethrow);
    }
    const std::int64_t expected = connected() * cfg.messages;
    while (p.sent + p.errors < cfg.messages) co_await sleep_for(std::chrono::milliseconds(5));
    const std::int64_t published_at = now_ns();
    // Drain: until everything arrived, nothing arrived for --drain seconds, or --deadline.
    const auto quiet = std::chrono::seconds(cfg.drain);
    std::int64_t seen = -1;
    auto last_progress = Clock::now();
    const auto deadline = Clock::now() + std::chrono::seconds(cfg.deadline);
    while (deliveries() < expected && Clock::now() - last_progress < quiet &&
           Clock::now() < deadline) {
      if (std::int64_t d = deliveries(); d != seen) seen = d, last_progress = Clock::now();
      co_await sleep_for(std::chrono::milliseconds(5));
    }
    std::int64_t last = 0;
    for (auto& w : workers) last = std::max(last, w->last_delivery.load());
    const std::int64_t got = deliveries();
    const double seconds = static_cast<double>(std::max(last, published_at) - p.first_sent) / 1e9;
    const double publish_seconds = static_cast<double>(published_at - p.first_sent) / 1e9;
    report.add("messages", cfg.messages).add("rate", cfg.rate).add("published", p.sent);
    report.add("publish_errors", p.errors)
        .add("publish_rate", p.sent / std::max(publish_seconds, 1e-3));
    report.add("publish_p99_ms", p.post_latency.percentile_ms(0.99));
    report.add("max_publish_lag_ms", static_cast<double>(p.max_lag) / 1e6);
    report.add("expected", expected).add("deliveries", got).add("missing", expected - got);
    report.add("closed", closed()).add("seconds", seconds);
    report.add("deliveries_per_s", static_cast<double>(got) / seconds);
    report.add("client_cpu_s", cpu_seconds() - cpu_before);
    if (!p.first_error.empty()) std::cerr << "publish error: " << p.first_error << "\n";
  }
  for (auto& w : workers) {
    asio::post(w->io, [&w = *w] {
      w.stopping = true;
      for (auto& s : w.sockets) beast::get_lowest_layer(*s).close();
    });
    w->guard.reset();
  }
  for (auto& w : workers) w->thread.join();
  Histogram latency;
  for (auto& w : workers) {
    latency.merge(w->latency);
    if (!w->first_error.empty()) std::cerr << "client error: " << w->first_error << "\n";
  }
  if (!idle) {
    report.add("p50_ms", latency.percentile_ms(0.50)).add("p99_ms", latency.percentile_ms(0.99));
    report.add("max_ms", latency.max_ms());
  }
  emit(report);
}

int run_clients(const Options& o) {
  RunConfig cfg;
  cfg.port = static_cast<unsigned short>(o.number("port"));
  cfg.paddock = o.text("target", "paddock") == "paddock";
  cfg.path = o.text("path", cfg.paddock ? "/v1/stream" : "/");
  cfg.connections = o.number("connections");
  cfg.idle = o.mode == "idle";
  if (o.mode == "run") {
    cfg.messages = o.number("messages");
    cfg.rate = o.real("rate");
    cfg.publishers = std::max<std::int64_t>(o.number("publishers", 16), 1);
    cfg.drain = o.number("drain", 3);
    cfg.deadline = o.number("deadline", 30);
  } else {
    cfg.hold = o.number("hold");
  }
  TokenFile tokens = read_tokens(o.text("tokens"));
  if (cfg.paddock && tokens.followers.empty()) throw std::runtime_error("paddock needs --tokens");
  cfg.owner_token = cfg.paddock ? tokens.owner : "";
  // --publish-url: a path, or http://127.0.0.1:PORT/path (the port is then ignored: same host).
  std::string publish = o.text(
      "publish-url", cfg.paddock ? "/v1/vehicles/" + tokens.vehicle + "/messages" : "/publish");
  if (publish.starts_with("http://")) {
    auto slash = publish.find('/', 7);
    publish = slash == std::string::npos ? "/" : publish.substr(slash);
  }
  cfg.publish_path = publish;

  std::vector<std::unique_ptr<Worker>> workers;
  const auto threads = std::max<std::int64_t>(o.number("threads", 1), 1);
  for (std::int64_t i = 0; i < threads; ++i) workers.push_back(std::make_unique<Worker>());
  std::vector<unsigned short> stream_ports;
  std::stringstream listed(o.text("stream-ports", std::to_string(cfg.port)));
  for (std::string port; std::getline(listed, port, ',');) {
    Options one;
    one.values.emplace("port", port);
    stream_ports.push_back(static_cast<unsigned short>(one.number("port")));
  }
  if (stream_ports.empty()) throw std::runtime_error("--stream-ports names no port");
  const std::int64_t sources = o.number("sources", 1);
  if (sources < 1 || sources > 254) throw std::runtime_error("--sources wants 1 to 254");
  for (std::int64_t i = 0; i < cfg.connections; ++i) {
    std::string token = cfg.paddock ? tokens.followers[i % tokens.followers.size()] : "";
    auto& w = *workers[i % threads];
    w.tokens.push_back(std::move(token));
    w.ports.push_back(stream_ports[i % stream_ports.size()]);
    // 127.0.0.1 + k: every 127/8 address is the loopback interface's.
    w.sources.push_back(asio::ip::make_address_v4(
        asio::ip::address_v4::loopback().to_uint() + static_cast<std::uint32_t>(i % sources)));
  }
  for (auto& w : workers) {
    w->sockets.reserve(w->tokens.size());
    for (std::size_t k = 0; k < std::min(kHandshakesInFlight, w->tokens.size()); ++k) {
      asio::co_spawn(w->io, connect_some(*w, cfg), rethrow);
    }
    w->thread = std::thread([&io = w->io] { io.run(); });
  }
  asio::io_context io;
  asio::co_spawn(io, control(cfg, workers), rethrow);
  io.run();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    std::ios::sync_with_stdio(false);
    raise_fd_limit();
    Options o = parse_options(argc, argv);
    if (o.mode == "setup") return run_setup(o);
    if (o.mode == "run" || o.mode == "idle") return run_clients(o);
    throw std::runtime_error("unknown mode '" + o.mode + "' (setup, run or idle)");
  } catch (const std::exception& e) {
    std::cerr << "paddock_fanout_client: " << e.what() << "\n";
    return 1;
  }
}
