// The session layer over real sockets on 127.0.0.1, with a handler that exists only here: what
// the transport promises any protocol (subprotocols, messages in, closes, slow consumers).
#include "transport/stream_session.hpp"

#include <gtest/gtest.h>
#include <poll.h>

#include <atomic>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>
#include <utility>

namespace paddock::transport::detail {
namespace {

using tcp = asio::ip::tcp;
namespace http = beast::http;
using namespace std::chrono_literals;

// Records what the transport hands it; the test thread waits on `changed`.
struct Recorder {
  std::mutex mutex;
  std::condition_variable changed;
  bool opened = false;
  bool closed = false;
  std::string subprotocol;
  std::string principal;
  std::vector<std::pair<session::MessageKind, std::string>> messages;

  template <class Pred>
  bool wait(Pred pred) {
    std::unique_lock lock(mutex);
    return changed.wait_for(lock, 5s, [&] { return pred(); });
  }
};

// Wakes sessions as the feed hub does: each session registers its waker, and once woken
// sends "tick N" for every N up to `due` it has not sent yet, taking `busy` to do so. The first
// session to register starts the next round itself, up to `rounds`: it raises `due` and wakes
// every session, while its thread still has the rest of the current round to run.
struct WakeBoard {
  std::mutex mutex;
  std::vector<session::Waker> wakers;
  std::atomic<int> due{0};
  int rounds = 0;
  std::chrono::microseconds busy{0};

  void wake_all() {
    std::vector<session::Waker> all;
    {
      std::lock_guard lock(mutex);
      all = wakers;
    }
    for (auto& wake : all) wake();
  }
};

class TestHandler final : public session::Handler {
 public:
  TestHandler(std::shared_ptr<Recorder> recorder, std::shared_ptr<WakeBoard> board)
      : recorder_(std::move(recorder)), board_(std::move(board)) {}

  void on_open(session::Session& s) override {
    if (s.protocol() == session::Protocol::server_sent_events) {
      s.send_comment("ready");
      s.send(session::MessageKind::text, session::SharedBytes::copy("{\"a\":1}"), 7);
      s.send(session::MessageKind::text, session::SharedBytes::copy("two\nlines"), 8);
      s.send(session::MessageKind::text, session::SharedBytes::copy("no id"));
      s.close(session::kClosePolicy, "done here");
      return;
    }
    std::lock_guard lock(recorder_->mutex);
    recorder_->opened = true;
    recorder_->subprotocol = s.subprotocol();
    recorder_->principal = s.principal();
    s.send(session::MessageKind::text, session::SharedBytes::copy("hello"), 0);
    recorder_->changed.notify_all();
    if (board_) {
      std::lock_guard board_lock(board_->mutex);
      first_ = board_->wakers.empty();
      board_->wakers.push_back(s.waker());
    }
  }
  void on_writable(session::Session& s, std::size_t) override {
    if (!board_) return;
    const auto done = std::chrono::steady_clock::now() + board_->busy;
    while (std::chrono::steady_clock::now() < done) {
    }
    const int due = board_->due.load();
    if (ticks_sent_ == due) return;
    while (ticks_sent_ < due) {
      s.send(session::MessageKind::text,
             session::SharedBytes::copy("tick " + std::to_string(++ticks_sent_)));
    }
    if (first_ && due < board_->rounds) {
      board_->due = due + 1;
      board_->wake_all();
    }
  }
  void on_message(session::Session& s, session::MessageKind kind, std::string_view data) override {
    {
      std::lock_guard lock(recorder_->mutex);
      recorder_->messages.emplace_back(kind, std::string(data));
      recorder_->changed.notify_all();
    }
    if (data == "close please") s.close(4000, "bye");
    if (data == "stored work") {
      // A read elsewhere (where storage work runs), then an answer and a close from the
      // session's thread: both must reach the peer without any other handler callback.
      auto back = s.poster();
      auto io_thread = std::this_thread::get_id();
      s.storage_runner()([this, back, io_thread, &s] {
        const bool elsewhere = std::this_thread::get_id() != io_thread;
        back([this, elsewhere, &s] {
          if (recorder_->closed) return;
          s.send(session::MessageKind::text,
                 session::SharedBytes::copy(elsewhere ? "ran off the I/O thread"
                                                      : "ran on the I/O thread"));
          s.close(4001, "stored");
        });
      });
    }
    if (data == "flood") {
      // Far past every bound at once, ignoring the budget: the transport must cut, not grow.
      auto chunk = session::SharedBytes::copy(std::string(64 * 1024, 'x'));
      for (int i = 1; i <= 200; ++i) s.send(session::MessageKind::binary, chunk, i);
    }
  }
  std::string slow_consumer_reason(std::int64_t last_mark) override {
    return "slow consumer; resume after " + std::to_string(last_mark);
  }
  void on_closed() override {
    std::lock_guard lock(recorder_->mutex);
    recorder_->closed = true;
    recorder_->changed.notify_all();
  }

 private:
  std::shared_ptr<Recorder> recorder_;
  std::shared_ptr<WakeBoard> board_;
  bool first_ = false;
  int ticks_sent_ = 0;
};

struct Route {
  std::vector<std::string> subprotocols;
  bool required = false;
  bool event_source = false;
  bool handler_pool = false;  // storage work on a pool, as on PostgreSQL
  std::shared_ptr<WakeBoard> board;  // sessions woken from outside
};

// A server of one WebSocket route: reads the upgrade request, then hands over to the session.
class SessionServer {
 public:
  explicit SessionServer(Route route) : route_(std::move(route)) {
    acceptor_.open(tcp::v4());
    acceptor_.bind({asio::ip::make_address("127.0.0.1"), 0});
    acceptor_.listen();
    accept();
    thread_ = std::thread([this] { io_.run(); });
  }
  ~SessionServer() {
    pool_.join();
    io_.stop();
    thread_.join();
  }
  unsigned short port() const { return acceptor_.local_endpoint().port(); }
  std::shared_ptr<Recorder> recorder = std::make_shared<Recorder>();

 private:
  void accept() {
    acceptor_.async_accept(io_, [this](beast::error_code ec, Socket socket) {
      if (ec) return;
      accept();  // the next client
      beast::flat_buffer buffer;
      http::request<http::string_body> request;
      http::read(socket, buffer, request, ec);  // the test client sends it at once
      if (ec) return;
      auto upgrade = std::make_shared<api::StreamUpgrade>();
      upgrade->handler = std::make_shared<TestHandler>(recorder, route_.board);
      upgrade->subprotocols = route_.subprotocols;
      upgrade->subprotocol_required = route_.required;
      upgrade->principal = "usr_test";
      StreamStart start{upgrade, "req_test", "127.0.0.1", nullptr, [] {},
                        route_.handler_pool ? &pool_ : nullptr};
      if (route_.event_source) {
        upgrade->kind = api::StreamUpgrade::Kind::server_sent_events;
        return start_event_source(std::move(socket), std::move(start));
      }
      start_websocket(std::move(socket), std::move(start), request[http::field::sec_websocket_key],
                      request[http::field::sec_websocket_protocol],
                      beast::buffers_to_string(buffer.data()));
    });
  }
  Route route_;
  asio::thread_pool pool_{1};
  asio::io_context io_;
  tcp::acceptor acceptor_{io_};
  std::thread thread_;
};

struct Frame {
  int opcode = -1;
  bool fin = true;
  std::string payload;
  std::uint16_t close_code() const {
    return payload.size() >= 2
               ? static_cast<std::uint16_t>((static_cast<unsigned char>(payload[0]) << 8) |
                                            static_cast<unsigned char>(payload[1]))
               : 0;
  }
};

// A blocking client that speaks just enough RFC 6455.
class Client {
 public:
  Client(unsigned short port, std::string offered = {}, int rcvbuf = 0) {
    if (rcvbuf > 0) {
      socket_.open(tcp::v4());
      socket_.set_option(asio::socket_base::receive_buffer_size(rcvbuf));
    }
    socket_.connect({asio::ip::make_address("127.0.0.1"), port});
    std::string request =
        "GET /test HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n";
    if (!offered.empty()) request += "Sec-WebSocket-Protocol: " + offered + "\r\n";
    request += "\r\n";
    asio::write(socket_, asio::buffer(request));
  }
  ~Client() {
    beast::error_code ignored;
    socket_.close(ignored);
  }

  std::string response_head() {
    std::size_t end;
    while ((end = inbound_.find("\r\n\r\n")) == std::string::npos) {
      if (!fill()) return {};
    }
    std::string head = inbound_.substr(0, end + 4);
    inbound_.erase(0, end + 4);
    return head;
  }

  void send(int opcode, std::string_view payload, bool fin = true) {
    asio::write(socket_, asio::buffer(frame(opcode, payload, fin)));
  }
  // Several frames in one write, so that a server closing after some of them cannot make the
  // rest fail with a broken pipe.
  void send_all(const std::string& frames) { asio::write(socket_, asio::buffer(frames)); }

  static std::string frame(int opcode, std::string_view payload, bool fin = true) {
    std::string frame;
    frame += static_cast<char>((fin ? 0x80 : 0) | opcode);
    const unsigned char mask[4] = {0x12, 0x34, 0x56, 0x78};
    if (payload.size() < 126) {
      frame += static_cast<char>(0x80 | payload.size());
    } else {
      frame += static_cast<char>(0x80 | 126);
      frame += static_cast<char>(payload.size() >> 8);
      frame += static_cast<char>(payload.size() & 0xFF);
    }
    frame.append(reinterpret_cast<const char*>(mask), 4);
    for (std::size_t i = 0; i < payload.size(); ++i) {
      frame += static_cast<char>(payload[i] ^ mask[i % 4]);
    }
    return frame;
  }

  // The next frame, or opcode -1 if the connection ended first.
  Frame receive() {
    for (;;) {
      if (inbound_.size() >= 2) {
        std::size_t length = static_cast<unsigned char>(inbound_[1]) & 0x7F;
        std::size_t at = 2;
        if (length == 126 && inbound_.size() >= 4) {
          length = (static_cast<unsigned char>(inbound_[2]) << 8) |
                   static_cast<unsigned char>(inbound_[3]);
          at = 4;
        } else if (length == 127 && inbound_.size() >= 10) {
          length = 0;
          for (int i = 0; i < 8; ++i)
            length = (length << 8) | static_cast<unsigned char>(inbound_[2 + i]);
          at = 10;
        } else if (length >= 126) {
          at = SIZE_MAX;
        }
        if (at != SIZE_MAX && inbound_.size() >= at + length) {
          Frame f{inbound_[0] & 0x0F, (inbound_[0] & 0x80) != 0, inbound_.substr(at, length)};
          inbound_.erase(0, at + length);
          return f;
        }
      }
      if (!fill()) return {};
    }
  }

  // Everything until the server ends the connection.
  std::string read_to_end() {
    while (fill()) {
    }
    return std::exchange(inbound_, {});
  }

  // What a client does on the server's close: echo its code and stop sending.
  // (The server may be gone already when it answered the peer's own close.)
  void answer_close(const Frame& close) {
    try {
      send(0x8, close.payload.substr(0, 2));
    } catch (const boost::system::system_error&) {
    }
    beast::error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_send, ignored);
  }

  // The next frame that is not a ping or pong.
  Frame receive_data_or_close() {
    for (;;) {
      Frame f = receive();
      if (f.opcode != 0x9 && f.opcode != 0xA) return f;
    }
  }

 private:
  bool fill() {
    // Bounded: a silent server fails the test instead of hanging it. (Not SO_RCVTIMEO: asio
    // takes the timeout's EAGAIN for "would block" and polls again without a limit.)
    pollfd readable{socket_.native_handle(), POLLIN, 0};
    if (::poll(&readable, 1, 5000) <= 0) return false;
    std::array<char, 65536> chunk;
    beast::error_code ec;
    std::size_t n = socket_.read_some(asio::buffer(chunk), ec);
    if (ec) return false;
    inbound_.append(chunk.data(), n);
    return true;
  }

  asio::io_context io_;
  tcp::socket socket_{io_};
  std::string inbound_;
};

TEST(StreamSession, EchoesAnOfferedSubprotocolTheRouteDeclares) {
  SessionServer server(Route{{"ocpp1.6"}, true});
  Client client(server.port(), "chat, ocpp1.6");
  std::string head = client.response_head();
  EXPECT_NE(head.find("HTTP/1.1 101"), std::string::npos) << head;
  EXPECT_NE(head.find("Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"), std::string::npos)
      << head;
  EXPECT_NE(head.find("Sec-WebSocket-Protocol: ocpp1.6\r\n"), std::string::npos) << head;
  Frame hello = client.receive_data_or_close();
  EXPECT_EQ(hello.payload, "hello");
  auto& r = *server.recorder;
  ASSERT_TRUE(r.wait([&] { return r.opened; }));
  std::lock_guard lock(r.mutex);
  EXPECT_EQ(r.subprotocol, "ocpp1.6");
  EXPECT_EQ(r.principal, "usr_test");
}

TEST(StreamSession, ARequiredSubprotocolNotOfferedCompletesTheHandshakeThenCloses1002) {
  SessionServer server(Route{{"ocpp1.6"}, true});
  Client client(server.port(), "chat");
  std::string head = client.response_head();
  EXPECT_NE(head.find("HTTP/1.1 101"), std::string::npos) << head;
  EXPECT_EQ(head.find("Sec-WebSocket-Protocol"), std::string::npos) << head;
  Frame close = client.receive_data_or_close();
  EXPECT_EQ(close.opcode, 0x8);
  EXPECT_EQ(close.close_code(), 1002);
  EXPECT_NE(close.payload.find("subprotocol"), std::string::npos) << close.payload;
  client.answer_close(close);
  auto& r = *server.recorder;
  ASSERT_TRUE(r.wait([&] { return r.closed; }));
  std::lock_guard lock(r.mutex);
  EXPECT_FALSE(r.opened) << "the handler must not run for a client it cannot serve";
}

TEST(StreamSession, AnUndeclaredSubprotocolIsNotEchoed) {
  SessionServer server(Route{});
  Client client(server.port(), "ocpp1.6");
  std::string head = client.response_head();
  EXPECT_NE(head.find("HTTP/1.1 101"), std::string::npos) << head;
  EXPECT_EQ(head.find("Sec-WebSocket-Protocol"), std::string::npos) << head;
  EXPECT_EQ(client.receive_data_or_close().payload, "hello");
  auto& r = *server.recorder;
  ASSERT_TRUE(r.wait([&] { return r.opened; }));
  std::lock_guard lock(r.mutex);
  EXPECT_EQ(r.subprotocol, "");
}

TEST(StreamSession, DeliversClientMessagesWholeToTheHandler) {
  SessionServer server(Route{});
  Client client(server.port());
  client.response_head();
  client.send(0x1, "plain text");
  client.send(0x2, std::string("\x00\xFF\x01", 3));
  // A fragmented text message with a ping between its fragments (RFC 6455 §5.4).
  client.send(0x1, "frag", false);
  client.send(0x9, "are you there");
  client.send(0x0, "men", false);
  client.send(0x0, "ted", true);
  client.send(0x1, std::string(300, 'L'));
  auto& r = *server.recorder;
  ASSERT_TRUE(r.wait([&] { return r.messages.size() == 4; }));
  {
    std::lock_guard lock(r.mutex);
    EXPECT_EQ(r.messages[0], std::make_pair(session::MessageKind::text, std::string("plain text")));
    EXPECT_EQ(r.messages[1],
              std::make_pair(session::MessageKind::binary, std::string("\x00\xFF\x01", 3)));
    EXPECT_EQ(r.messages[2], std::make_pair(session::MessageKind::text, std::string("fragmented")));
    EXPECT_EQ(r.messages[3].second, std::string(300, 'L'));
  }
  EXPECT_EQ(client.receive_data_or_close().payload, "hello");
  Frame pong;
  do pong = client.receive();
  while (pong.opcode != 0xA && pong.opcode != -1);
  EXPECT_EQ(pong.payload, "are you there");
}

TEST(StreamSession, ClosesWithTheRightCodes) {
  struct Row {
    const char* name;
    std::vector<std::pair<int, std::string>> frames;  // opcode, payload (fin)
    std::uint16_t expected;
  };
  const std::vector<Row> rows = {
      {"peer's normal close is echoed", {{0x8, std::string("\x03\xE8", 2)}}, 1000},
      {"peer's 4001 is echoed", {{0x8, std::string("\x0F\xA1", 2) + "why"}}, 4001},
      {"handler closes with its code", {{0x1, "close please"}}, 4000},
      {"close code 999", {{0x8, std::string("\x03\xE7", 2)}}, 1002},
      {"1-byte close payload", {{0x8, std::string("\x03", 1)}}, 1002},
      {"continuation with nothing to continue", {{0x0, "x"}}, 1002},
      {"text that is not UTF-8", {{0x1, "\xC0\xAF"}}, 1007},
  };
  for (const auto& row : rows) {
    SessionServer server(Route{});
    Client client(server.port());
    client.response_head();
    EXPECT_EQ(client.receive_data_or_close().payload, "hello") << row.name;
    for (const auto& [opcode, payload] : row.frames) client.send(opcode, payload);
    Frame close = client.receive_data_or_close();
    EXPECT_EQ(close.opcode, 0x8) << row.name;
    EXPECT_EQ(close.close_code(), row.expected) << row.name;
    client.answer_close(close);
    auto& r = *server.recorder;
    EXPECT_TRUE(r.wait([&] { return r.closed; })) << row.name;
  }
}

TEST(StreamSession, CutsASlowConsumerWithTheLastMarkItWillReceive) {
  SessionServer server(Route{});
  Client client(server.port());
  client.response_head();
  Frame hello = client.receive_data_or_close();
  ASSERT_EQ(hello.payload, "hello");  // mark 0
  client.send(0x1, "flood");
  // The handler queued 200 x 64 KiB at once; the session keeps none of it past its bounds.
  Frame close = client.receive_data_or_close();
  ASSERT_EQ(close.opcode, 0x8);
  EXPECT_EQ(close.close_code(), 1008);
  EXPECT_EQ(close.payload.substr(2), "slow consumer; resume after 0");
  client.answer_close(close);
  auto& r = *server.recorder;
  EXPECT_TRUE(r.wait([&] { return r.closed; }));
}

TEST(StreamSession, AnswersOnlyTheLatestOfManyPings) {
  SessionServer server(Route{});
  Client client(server.port());
  client.response_head();
  ASSERT_EQ(client.receive_data_or_close().payload, "hello");
  // 60 pings in a burst (under the flood limit): one pending pong at most, however many
  // arrive while it waits.
  constexpr int kPings = 60;
  for (int i = 0; i < kPings; ++i) client.send(0x9, "ping " + std::to_string(i));
  client.send(0x1, "close please");
  int pongs = 0;
  std::string last;
  for (;;) {
    Frame f = client.receive();
    ASSERT_NE(f.opcode, -1) << "no close after " << pongs << " pongs";
    if (f.opcode == 0x8) {
      EXPECT_EQ(f.close_code(), 4000);
      break;
    }
    if (f.opcode == 0xA) {
      ++pongs;
      last = f.payload;
    }
  }
  EXPECT_GT(pongs, 0);
  EXPECT_LT(pongs, kPings) << "every ping got its own pong: nothing was coalesced";
  EXPECT_EQ(last, "ping " + std::to_string(kPings - 1)) << "the latest ping must be answered";
}

TEST(StreamSession, ClosesAPeerThatFloodsPings) {
  SessionServer server(Route{});
  Client client(server.port());
  client.response_head();
  ASSERT_EQ(client.receive_data_or_close().payload, "hello");
  std::string flood;
  for (int i = 0; i < 100; ++i) flood += Client::frame(0x9, "flood");
  client.send_all(flood);
  for (;;) {
    Frame f = client.receive();
    ASSERT_NE(f.opcode, -1) << "no close after a ping flood";
    if (f.opcode == 0x8) {
      EXPECT_EQ(f.close_code(), 1008);
      EXPECT_NE(f.payload.find("too many pings"), std::string::npos) << f.payload;
      break;
    }
  }
}

TEST(StreamSession, FramesServerSentEventsInTheTransport) {
  SessionServer server(Route{{}, false, true});
  Client client(server.port());
  std::string head = client.response_head();
  EXPECT_NE(head.find("HTTP/1.1 200 OK\r\n"), std::string::npos) << head;
  EXPECT_NE(head.find("Content-Type: text/event-stream\r\n"), std::string::npos) << head;
  EXPECT_EQ(client.read_to_end(),
            "retry: 2000\n"
            ": ready\n\n"
            "id: 7\ndata: {\"a\":1}\n\n"
            "id: 8\ndata: two\ndata: lines\n\n"
            "data: no id\n\n"
            ": closing: done here\n\n");
}

// Storage work runs on the handler pool when the server has one, else inline on the session's
// thread; either way its answer and close, given from the session's thread, reach the peer.
TEST(StreamSession, StorageWorkRunsOnTheHandlerPoolWhenThereIsOne) {
  for (bool pool : {false, true}) {
    SessionServer server(Route{.handler_pool = pool});
    Client client(server.port());
    client.response_head();
    ASSERT_EQ(client.receive_data_or_close().payload, "hello");
    client.send(0x1, "stored work");
    EXPECT_EQ(client.receive_data_or_close().payload,
              pool ? "ran off the I/O thread" : "ran on the I/O thread");
    Frame close = client.receive_data_or_close();
    EXPECT_EQ(close.opcode, 0x8);
    EXPECT_EQ(close.close_code(), 4001);
    client.answer_close(close);
  }
}

// More sessions than one slice of a thread's woken list (128): the woken ones run in several
// slices, and the next round's wake-ups come while later slices of this round still wait
// (each session takes 10 µs, so the 1 ms cork of those wake-ups ends mid-round). Every session
// must still run for every round, in order.
TEST(StreamSession, EverySessionRunsWhenWakeUpsOutnumberASlice) {
  constexpr int kSessions = 400;
  constexpr int kRounds = 8;
  auto board = std::make_shared<WakeBoard>();
  board->rounds = kRounds;
  board->busy = std::chrono::microseconds(10);
  SessionServer server(Route{.board = board});
  std::vector<std::unique_ptr<Client>> clients;
  for (int i = 0; i < kSessions; ++i) {
    clients.push_back(std::make_unique<Client>(server.port()));
    ASSERT_NE(clients.back()->response_head().find("HTTP/1.1 101"), std::string::npos);
    ASSERT_EQ(clients.back()->receive_data_or_close().payload, "hello");
  }
  {
    std::lock_guard lock(board->mutex);
    ASSERT_EQ(board->wakers.size(), static_cast<std::size_t>(kSessions));
  }
  board->due = 1;
  board->wake_all();
  for (int i = 0; i < kSessions; ++i) {
    for (int round = 1; round <= kRounds; ++round) {
      Frame f = clients[i]->receive_data_or_close();
      ASSERT_EQ(f.payload, "tick " + std::to_string(round)) << "session " << i;
    }
  }
}

}  // namespace
}  // namespace paddock::transport::detail
