#include "transport/stream_session.hpp"

#include <array>
#include <charconv>
#include <atomic>
#include <chrono>
#include <mutex>
#include <optional>
#include <set>
#include <vector>

#include <unistd.h>

#include "api/problem.hpp"

namespace paddock::transport::detail {
namespace {

using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;
using session::kNoMark;

// Limits of one session, named where they are enforced below.
constexpr std::size_t kMaxClientMessage = 64 * 1024;    // one reassembled client message
constexpr std::size_t kMaxQueuedMessages = 256;         // the handler's budget per turn
constexpr std::size_t kMaxQueuedBytes = 512 * 1024;     // no new budget past this
constexpr std::size_t kHardMaxMessages = 1024;          // a handler sending past its budget...
constexpr std::size_t kHardMaxBytes = 8 * 1024 * 1024;  // ...is cut as a slow consumer here
constexpr std::size_t kReadPauseBytes = 256 * 1024;     // stop reading a peer that doesn't read
constexpr std::size_t kItemsPerWrite = 64;              // messages gathered into one write
constexpr std::size_t kCopiedWrite = 4096;  // a write up to this size goes as one copied buffer
constexpr int kPumpRounds = 4;  // budgets' worth one session sends before the others' turn
constexpr std::size_t kKeptWakeList = 256;  // woken sessions a thread's list keeps room for
// How long woken sessions wait before they write. The kernel's work per write, not per byte,
// is most of a delivery's cost: with 10,000 followers at saturation a 1 ms wait halved the
// writes (153k → 57k-71k sendmsg per million deliveries) and cut server CPU by a third, for
// at most 1 ms more latency (docs/PERFORMANCE.md, "Issue 13, third look").
constexpr auto kWakeCork = std::chrono::milliseconds(1);
// Woken sessions run in slices of this many, each slice a handler of its own, so that a
// thread's other work (the publisher's POST, a commit's answer, the next wake-up) waits for one
// slice, about a millisecond, rather than for 5,000 followers' writes.
constexpr std::size_t kWokenPerSlice = 128;
// A woken session's turn starts with cache misses, one after the other: the session, then its
// handler and what its wake-up's hint names (the feed: the subscriber and its ring slot). A
// slice asks for them this many sessions ahead, so that the misses overlap (user CPU per
// delivery at 1,000 followers: -18 % to -25 %; docs/PERFORMANCE.md, "sixth" and "eighth look").
constexpr std::size_t kSessionAhead = 8;
constexpr std::size_t kHandlerAhead = 4;
constexpr std::size_t kReadChunk = 16 * 1024;
constexpr std::size_t kReasonLimit = 120;                 // a close frame's reason holds 123 bytes
constexpr auto kStallLimit = std::chrono::seconds(10);    // a write without progress: cut
constexpr auto kWriteTimeout = std::chrono::seconds(30);  // ...and the close must be out by then
constexpr auto kCloseWait = std::chrono::seconds(3);      // for the peer's answer to our close
constexpr auto kShutdownCloseWait = std::chrono::seconds(4);  // within the server's grace period
constexpr std::uint32_t kMaxPingsPerSecond = 64;       // more from a client: close 1008
constexpr auto kPingInterval = std::chrono::seconds(30);
constexpr auto kPeerSilenceLimit = std::chrono::seconds(75);
constexpr auto kHeartbeat = std::chrono::seconds(15);  // SSE comment after this much quiet
constexpr auto kSweepInterval = std::chrono::seconds(1);
constexpr std::size_t kSpareQueues = 64;  // per thread: item vectors kept for reuse...
constexpr std::size_t kSpareQueueCapacity = 2 * kItemsPerWrite;  // ...up to this capacity

// An allocator asio does not recycle through (it recycles for std::allocator): asio's per-thread
// cache hands an operation whatever larger block the thread freed last (the HTTP phase's, up to
// about 350 bytes), which a long-pending operation would then hold for as long as it waits.
template <class T>
struct ExactSize {
  using value_type = T;
  ExactSize() = default;
  template <class U>
  ExactSize(const ExactSize<U>&) {}  // NOLINT: rebinding is implicit, as for std::allocator
  T* allocate(std::size_t n) { return std::allocator<T>().allocate(n); }
  void deallocate(T* p, std::size_t n) { std::allocator<T>().deallocate(p, n); }
  template <class U>
  bool operator==(const ExactSize<U>&) const {
    return true;
  }
};

// Messages the sessions of this thread were handed (pump() tells whether a handler sent
// anything without a counter in every session).
thread_local std::size_t messages_sent_on_thread = 0;

std::string clip_reason(std::string_view reason) {
  if (reason.size() <= kReasonLimit) return std::string(reason);
  std::size_t n = kReasonLimit;
  while (n > 0 && (static_cast<unsigned char>(reason[n]) & 0xC0) == 0x80) --n;  // whole chars
  return std::string(reason.substr(0, n));
}

class StreamSession;

// One per io_context, for the sessions of its thread: a single timer that visits each of them
// once a second for pings, heartbeats, deadlines and stalled writes (no timer per session), and
// the list of sessions woken from other threads, run kWakeCork after the first of them was woken
// (no posted handler per session and wake-up), kWokenPerSlice at a time.
class ThreadSessions : public asio::execution_context::service {
 public:
  static asio::execution_context::id id;
  explicit ThreadSessions(asio::execution_context& context)
      : service(context), io_(static_cast<asio::io_context&>(context)) {}

  void add(StreamSession* s);
  // True once the io_context is being destroyed (sessions are then freed with its handlers).
  bool shut_down() const { return shut_down_; }
  void remove(StreamSession* s);
  // From any thread: the session pumps on its own thread soon. The reference goes to that
  // thread, so a session never ends on the waking one (except while the context goes away).
  // `hint`: what its handler reads first (prefetched ahead of its turn).
  void wake(std::shared_ptr<StreamSession> s, session::WakeHint hint);

 private:
  // The timer service may have been registered after this one, so it may be destroyed first:
  // the timer goes now, while every service is still there (shut down, not yet destroyed).
  void shutdown() override {
    shut_down_ = true;
    sessions_.clear();
    timer_.reset();
    cork_timer_.reset();
    std::vector<Woken> woken;
    {
      std::lock_guard lock(wake_mutex_);
      wake_stopped_ = true;
      woken.swap(woken_);
    }
    running_.clear();
    running_next_ = 0;
  }
  void arm();
  void sweep();
  void cork();
  void run_woken();
  void run_slice();

  asio::io_context& io_;  // the context this service belongs to
  std::optional<asio::steady_timer> timer_;  // made with the first session
  std::optional<asio::steady_timer> cork_timer_;  // made with the first wake-up
  std::vector<StreamSession*> sessions_;
  bool armed_ = false;
  bool shut_down_ = false;

  struct Woken {
    std::shared_ptr<StreamSession> session;
    session::WakeHint hint;
  };
  std::mutex wake_mutex_;
  std::vector<Woken> woken_;    // under wake_mutex_
  bool wake_posted_ = false;    // under wake_mutex_: run_woken is due
  bool wake_stopped_ = false;   // under wake_mutex_
  std::vector<Woken> running_;  // this thread's: woken_ being run
  std::size_t running_next_ = 0;  // the first of running_ not run yet
  bool slice_posted_ = false;     // a run_slice() is queued
};
asio::execution_context::id ThreadSessions::id;

// An outbound message: its framing (head and tail) around the payload, written in order.
struct Item {
  session::SharedBytes payload;
  std::array<char, 32> head{};
  std::uint8_t head_size = 0;
  std::string_view tail;  // static bytes
  std::int64_t mark = kNoMark;
  bool is_close = false;
  bool essential = false;  // the handshake answer: never dropped
  std::size_t size() const { return head_size + payload.bytes.size() + tail.size(); }
};

Item raw_item(std::string bytes) {
  Item item;
  item.payload = session::SharedBytes::copy(std::move(bytes));
  return item;
}

// What a session has to write: `inflight` is being written (stable while a write is pending),
// `queue` waits.
struct Outbound {
  std::vector<Item> inflight;
  std::size_t inflight_pos = 0;  // first item not completely written
  std::size_t front_offset = 0;  // bytes of that item already written
  std::vector<Item> queue;
};

// Outbound state shared by the sessions of one thread: a session borrows one while it has
// something to write and gives it back once everything is out, so an idle session holds none
// (a pointer instead of 80 bytes) and a busy one allocates none in the steady state.
std::vector<std::unique_ptr<Outbound>>& spare_outbounds() {
  thread_local std::vector<std::unique_ptr<Outbound>> spares;
  return spares;
}
std::unique_ptr<Outbound> borrow_outbound() {
  auto& spares = spare_outbounds();
  if (spares.empty()) return std::make_unique<Outbound>();
  auto out = std::move(spares.back());
  spares.pop_back();
  return out;
}
void give_back(std::unique_ptr<Outbound>& out) {
  if (!out) return;
  out->inflight.clear();
  out->queue.clear();
  out->inflight_pos = out->front_offset = 0;
  auto& spares = spare_outbounds();
  // One a burst grew is freed rather than kept.
  if (spares.size() < kSpareQueues && out->inflight.capacity() <= kSpareQueueCapacity &&
      out->queue.capacity() <= kSpareQueueCapacity) {
    spares.push_back(std::move(out));
  }
  out.reset();
}

// Sec-WebSocket-Protocol values a session negotiated, held once per process: they come from
// the routes' declared lists (select_subprotocol), so the set stays as small as those lists.
const std::string& interned_subprotocol(std::string name) {
  static std::mutex mutex;
  static std::set<std::string> names;  // nodes never move: references stay valid
  std::lock_guard lock(mutex);
  return *names.insert(std::move(name)).first;
}

class StreamSession : public session::Session, public std::enable_shared_from_this<StreamSession> {
 public:
  StreamSession(Socket socket, StreamStart start)
      : socket_(std::move(socket)),
        handler_(std::move(start.upgrade->handler)),
        principal_(std::move(start.upgrade->principal)),
        peer_address_(std::move(start.peer_address)),
        hook_(start.on_shutdown),
        on_end_(std::move(start.on_end)),
        handler_pool_(start.handler_pool) {}

  virtual ~StreamSession() {
    // Freed with a context that is being destroyed (the server outlived its grace period): the
    // server's bookkeeping that on_end touches may be gone already.
    bool context_gone = thread_ && thread_->shut_down();
    if (thread_) thread_->remove(this);
    handler_.reset();  // before on_end: the handler may hold what the server counts
    if (hook_ && !context_gone) *hook_ = nullptr;  // it points at this session
    if (on_end_ && !context_gone) on_end_();
  }

  // --- session::Session ---
  void send(session::MessageKind kind, session::SharedBytes payload, std::int64_t mark) override {
    if (closing_) return;
    ++messages_sent_on_thread;
    enqueue(frame(kind, std::move(payload), mark));
    if (out_->queue.size() > kHardMaxMessages || queued_bytes_ > kHardMaxBytes) overfull_ = true;
  }
  void close(std::uint16_t code, std::string_view reason) override {
    if (closing_) return;
    queue_close(code, reason, kWriteTimeout);
  }
  session::Waker waker() override {
    return session::Waker(weak_from_this(), [](std::shared_ptr<void> s, session::WakeHint hint) {
      wake(std::static_pointer_cast<StreamSession>(std::move(s)), hint);
    });
  }
  // From any thread: `s` pumps on its own thread soon (ThreadSessions).
  static void wake(std::shared_ptr<StreamSession> s, session::WakeHint hint = {}) {
    s->wake_scheduled_.store(true);
    ThreadSessions* thread = s->thread_;  // set by begin(), before the handler has a waker
    thread->wake(std::move(s), hint);
  }
  Post poster() override {
    auto& io = static_cast<asio::io_context&>(
        asio::query(socket_.get_executor(), asio::execution::context));
    return [&io, weak = weak_from_this()](std::function<void()> task) {
      if (io.get_executor().running_in_this_thread()) return task();
      asio::post(io, [weak, task = std::move(task)] {
        task();
        // What the task sent or closed is written as after a handler callback.
        if (auto s = weak.lock()) s->after_handler();
      });
    };
  }
  Post storage_runner() override {
    if (!handler_pool_) return poster();
    return [pool = handler_pool_](std::function<void()> task) {
      run_on_handler_pool(*pool, std::move(task));
    };
  }
  void set_deadline(Clock::duration after) override { deadline_ = Clock::now() + after; }
  const std::string& peer_address() const override { return peer_address_; }
  const std::string& principal() const override { return principal_; }
  const std::string& subprotocol() const override { return *subprotocol_; }

  // Starts the session: head (101 or SSE), the handler's greeting, then reading.
  // `leftover`: bytes the client sent after its upgrade request, handed to opened().
  void begin(std::string head, std::string leftover = {}) {
    beast::error_code ignored;
    if (!socket_.non_blocking()) socket_.non_blocking(true, ignored);  // the server set it
    socket_.set_option(tcp::no_delay(true), ignored);
    auto& context = asio::query(socket_.get_executor(), asio::execution::context);
    thread_ = &asio::use_service<ThreadSessions>(context);
    thread_->add(this);
    last_heard_ = last_sent_ = Clock::now();
    if (hook_) {
      // A plain pointer: std::function keeps only trivially copyable callables inline (a
      // weak pointer would cost a heap block per session). The server calls the hook on this
      // session's thread and clears it in on_end (from the destructor), so it never dangles.
      *hook_ = [session = this] { session->server_shutdown(); };
    }
    Item answer = raw_item(std::move(head));
    answer.essential = true;
    enqueue(std::move(answer));
    opened(std::move(leftover));
    after_handler();
    pump();
    start_read();
  }

  // Called by ThreadSessions for each wake-up listed (a session woken twice before its turn is
  // listed twice and pumps once; one woken again while it pumps is listed for the next turn).
  void woken() {
    if (wake_scheduled_.exchange(false)) pump();
  }
  // Hints for a slice (kSessionAhead): the session's lines, and (once those are in) its handler.
  void prefetch() const {
    const char* self = reinterpret_cast<const char*>(this);
    for (std::size_t at = 0; at < sizeof(StreamSession); at += 64) __builtin_prefetch(self + at, 1);
  }
  void prefetch_handler() const { __builtin_prefetch(handler_.get()); }

  // Called by the sweep about once a second.
  void tick(Clock::time_point now) {
    if (finished_) return;
    if (now >= deadline_) {
      deadline_ = Clock::time_point::max();
      if (!closing_) handler_->on_deadline(*this);
      after_handler();
    }
    if (closing_) {
      if (now >= close_deadline_) finish();
      return;
    }
    if (writing_ && now - last_sent_ >= kStallLimit) {
      cut_slow_consumer();
      flush();
      return;
    }
    if (!writing_ && unwritten() == 0 && !control_) {
      give_back(out_);  // a quiet session holds no outbound state
      idle(now);
    }
  }

  void server_shutdown() {
    if (finished_) return;
    if (!closing_) handler_->on_shutdown(*this);
    after_handler();
    // The server's grace period is short: a peer that does not take the close soon is dropped.
    close_deadline_ = std::min(close_deadline_, Clock::now() + kShutdownCloseWait);
  }

 protected:
  // Framing of one message, of the close, and what to do with bytes read.
  virtual Item frame(session::MessageKind kind, session::SharedBytes payload,
                     std::int64_t mark) = 0;
  virtual Item close_item(std::uint16_t code, std::string_view reason) = 0;
  virtual void opened(std::string /*leftover*/) { handler_->on_open(*this); }
  virtual void received(const char* data, std::size_t size) = 0;
  virtual bool read_paused() const { return false; }
  virtual void close_written() { finish(); }
  virtual void idle(Clock::time_point now) = 0;  // nothing to write: ping or heartbeat

  void enqueue(Item item) {
    queued_bytes_ += item.size();
    if (!out_) out_ = borrow_outbound();
    out_->queue.push_back(std::move(item));
  }

  // Queues the close after what is queued; the session ends once it is written, or at
  // `within` from now whatever happens.
  void queue_close(std::uint16_t code, std::string_view reason, Clock::duration within) {
    closing_ = true;
    close_deadline_ = Clock::now() + within;
    Item item = close_item(code, clip_reason(reason));
    item.is_close = true;
    enqueue(std::move(item));
  }

  // Drops every message not yet started and the pending control frame; one partly written is
  // finished, so the framing stays intact. (Writes are synchronous: none is ever in flight.)
  void drop_unstarted() {
    if (out_) std::erase_if(out_->queue, [](const Item& item) { return !item.essential; });
    control_.reset();
    truncate_inflight();
    recount();
  }
  void truncate_inflight() {
    if (!out_) return;
    std::size_t keep = out_->inflight_pos + (out_->front_offset > 0 ? 1 : 0);
    if (keep < out_->inflight.size()) out_->inflight.resize(keep);
  }
  void recount() {
    queued_bytes_ = 0;
    if (!out_) return;
    for (std::size_t i = out_->inflight_pos; i < out_->inflight.size(); ++i) {
      queued_bytes_ += out_->inflight[i].size();
    }
    queued_bytes_ -= static_cast<std::uint32_t>(
        std::min<std::size_t>(queued_bytes_, out_->front_offset));
    for (const auto& item : out_->queue) queued_bytes_ += item.size();
  }

  // The slow-consumer decision: close with 1008 right behind the message being written, with
  // the handler's reason (its resume cursor), so the peer still gets it once it reads again.
  void cut_slow_consumer() {
    if (closing_) return;
    cut();
  }
  void cut() {
    std::int64_t mark = delivered_mark_;
    if (out_ && out_->front_offset > 0 && out_->inflight_pos < out_->inflight.size() &&
        out_->inflight[out_->inflight_pos].mark != kNoMark) {
      mark = out_->inflight[out_->inflight_pos].mark;
    }
    drop_unstarted();
    queue_close(session::kClosePolicy, handler_->slow_consumer_reason(mark), kWriteTimeout);
  }

  // After every handler callback: enforce the hard bounds, then write.
  void after_handler() {
    if (finished_) return;
    if (overfull_) {
      overfull_ = false;
      cut_slow_consumer();
    }
    flush();
  }

  // Messages queued or being written.
  std::size_t unwritten() const {
    return out_ ? out_->queue.size() + (out_->inflight.size() - out_->inflight_pos) : 0;
  }

  std::size_t budget() const {
    if (queued_bytes_ >= kMaxQueuedBytes) return 0;
    std::size_t queued = unwritten();
    return queued >= kMaxQueuedMessages ? 0 : kMaxQueuedMessages - queued;
  }

  // Asks the handler for as much as the budget allows, and again while it has more and the
  // writes keep up (a write that completes at once has no completion to pump again); a session
  // that still has more after a few rounds waits for the thread's other woken sessions.
  void pump() {
    for (int round = 0; round < kPumpRounds; ++round) {
      if (closing_ || finished_) return;
      std::size_t room = budget();
      if (room == 0) return;  // the socket is full: writable() pumps again
      std::size_t sent_before = messages_sent_on_thread;
      handler_->on_writable(*this, room);
      bool sent = messages_sent_on_thread != sent_before;
      after_handler();
      if (!sent) return;  // nothing more for now: a push or a read's completion wakes it
    }
    wake(shared_from_this());
  }

  // The pieces of the write being made (flush), the thread's: no session keeps a list.
  static std::vector<asio::const_buffer>& gathered() {
    thread_local std::vector<asio::const_buffer> pieces;
    return pieces;
  }

  // Writes what is queued: at once while the socket takes it (no operation object, no
  // completion handler, no copy of the buffer list), then waiting for writability.
  void flush() {
    const bool read_was_paused = read_paused();
    while (!writing_ && !finished_) {
      if (!take_inflight()) break;
      // Every queued message in one write: framing and shared payload bytes side by side.
      auto& gather = gathered();
      gather.clear();
      std::size_t skip = out_->front_offset;
      auto add = [&skip, &gather](const void* data, std::size_t size) {
        if (skip >= size) {
          skip -= size;
          return;
        }
        gather.emplace_back(static_cast<const char*>(data) + skip, size - skip);
        skip = 0;
      };
      for (std::size_t i = out_->inflight_pos; i < out_->inflight.size(); ++i) {
        const Item& item = out_->inflight[i];
        add(item.head.data(), item.head_size);
        add(item.payload.bytes.data(), item.payload.bytes.size());
        add(item.tail.data(), item.tail.size());
      }
      beast::error_code ec;
      std::size_t n = write_gathered(ec);  // the socket is non-blocking (begin)
      if (ec == asio::error::would_block || ec == asio::error::try_again) {
        writing_ = true;  // the items stay put until the socket is writable again
        last_sent_ = Clock::now();  // a write starting counts as progress
        socket_.async_wait(Socket::wait_write,
                           [self = shared_from_this()](beast::error_code wait_ec) {
                             self->writable(wait_ec);
                           });
        return;
      }
      written(ec, n);
    }
    // A write that drained the queue lets a paused reader go on.
    if (read_was_paused && !finished_ && !read_paused()) start_read();
  }

  // Writes `gather` (flush's list of pieces) in one system call. A small write goes as one
  // buffer copied together here: the kernel's cost per piece (the iovec walk, one copy per
  // piece into the socket buffer) outweighs copying a few hundred bytes once more.
  std::size_t write_gathered(beast::error_code& ec) {
    auto& gather = gathered();
    const std::size_t total = asio::buffer_size(gather);
    if (gather.size() < 2 || total > kCopiedWrite) return socket_.write_some(gather, ec);
    thread_local std::array<char, kCopiedWrite> joined;
    asio::buffer_copy(asio::buffer(joined), gather);
    return socket_.write_some(asio::buffer(joined.data(), total), ec);
  }

  // Moves what waits into the in-flight list when that is done; false when nothing is left to
  // write (the outbound state is then given back).
  bool take_inflight() {
    if (!out_) {
      if (!control_) return false;  // nothing to write
      out_ = borrow_outbound();
    }
    if (out_->inflight_pos >= out_->inflight.size()) {
      out_->inflight.clear();
      out_->inflight_pos = 0;
      out_->front_offset = 0;
      if (!control_ && out_->queue.size() <= kItemsPerWrite) {
        out_->inflight.swap(out_->queue);  // the whole queue goes in this write
      } else {
        if (control_) {
          queued_bytes_ += control_->size();
          out_->inflight.push_back(std::move(*control_));
          control_.reset();
        }
        std::size_t take = std::min(kItemsPerWrite - out_->inflight.size(), out_->queue.size());
        auto& queue = out_->queue;
        for (std::size_t i = 0; i < take; ++i) out_->inflight.push_back(std::move(queue[i]));
        queue.erase(queue.begin(), queue.begin() + static_cast<std::ptrdiff_t>(take));
      }
    }
    if (out_->inflight.empty()) {
      give_back(out_);  // everything is out: an idle session holds no outbound state
      return false;
    }
    return true;
  }

  // The socket became writable after a write would have blocked (or the wait failed).
  void writable(beast::error_code ec) {
    writing_ = false;
    if (finished_) return;
    if (ec) return finish();
    flush();
    pump();  // the write freed budget: the handler may have more
    start_read();
  }

  // Accounts `n` bytes written: finished items, the delivered mark, the close.
  void written(beast::error_code ec, std::size_t n) {
    if (ec) return finish();
    last_sent_ = Clock::now();
    queued_bytes_ -= n;
    while (n > 0 && out_->inflight_pos < out_->inflight.size()) {
      Item& item = out_->inflight[out_->inflight_pos];
      std::size_t left = item.size() - out_->front_offset;
      if (n < left) {
        out_->front_offset += n;
        break;
      }
      n -= left;
      out_->front_offset = 0;
      if (item.mark != kNoMark) delivered_mark_ = item.mark;
      if (item.is_close) close_sent_ = true;
      item.payload.owner.reset();
      ++out_->inflight_pos;
    }
    if (close_sent_) close_written();
  }

  void start_read() {
    if (reading_ || finished_ || read_paused()) return;
    // Try at once: the socket may have become readable while nobody waited.
    thread_local std::array<char, kReadChunk> chunk;
    for (int round = 0; round < 4; ++round) {
      beast::error_code ec;
      std::size_t n = socket_.read_some(asio::buffer(chunk), ec);
      if (ec == asio::error::would_block || ec == asio::error::try_again) {
        reading_ = true;
        // The one operation an idle session keeps pending, allocated at its own size (ExactSize).
        socket_.async_wait(Socket::wait_read,
                           asio::bind_allocator(
                               ExactSize<void>(),
                               [self = shared_from_this()](beast::error_code wait_ec) {
                                 self->reading_ = false;
                                 if (wait_ec) return self->finish();
                                 self->start_read();
                               }));
        return;
      }
      if (ec) return finish();  // EOF or reset: the peer is gone
      last_heard_ = Clock::now();
      received(chunk.data(), n);
      after_handler();
      if (finished_ || read_paused()) return;
    }
    // Let the thread's other connections run before reading more from this one.
    reading_ = true;
    asio::post(socket_.get_executor(), [self = shared_from_this()] {
      self->reading_ = false;
      self->start_read();
    });
  }

  void finish() {
    if (finished_) return;
    finished_ = true;
    closing_ = true;
    beast::error_code ignored;
    socket_.shutdown(Socket::shutdown_both, ignored);
    socket_.close(ignored);
    handler_->on_closed();
    give_back(out_);
    control_.reset();
  }

  Socket socket_;
  std::shared_ptr<session::Handler> handler_;
  std::string principal_;
  std::string peer_address_;
  const std::string* subprotocol_ = &interned_subprotocol({});
  ShutdownHook* hook_;
  std::function<void()> on_end_;
  asio::thread_pool* handler_pool_;
  ThreadSessions* thread_ = nullptr;

  std::unique_ptr<Outbound> out_;  // null while nothing waits to be written
  // At most one control frame waits (the latest wins); rare, so not held inline.
  std::unique_ptr<Item> control_;
  std::int64_t delivered_mark_ = kNoMark;

  Clock::time_point last_heard_;
  Clock::time_point last_sent_;  // the last write's start or progress (stalls, pings, heartbeats)
  Clock::time_point close_deadline_;
  Clock::time_point deadline_ = Clock::time_point::max();  // the handler's; max() if none
  // Not yet written, in flight and queued: bounded far below 4 GiB by the limits above.
  std::uint32_t queued_bytes_ = 0;

 public:
  std::uint32_t sweep_index = UINT32_MAX;  // position in ThreadSessions::sessions_

 protected:
  // The flags side by side (every session carries them: padding between them was 24 bytes).
  std::atomic<bool> wake_scheduled_{false};  // woken, and its pump has not run yet
  bool writing_ = false;  // a write would have blocked: waiting for the socket to take more
  bool reading_ = false;
  bool closing_ = false;  // no more messages: a close is queued (or the session ended)
  bool close_sent_ = false;
  bool finished_ = false;
  bool overfull_ = false;
};

void ThreadSessions::add(StreamSession* s) {
  if (shut_down_) return;
  if (!timer_) timer_.emplace(io_);
  s->sweep_index = static_cast<std::uint32_t>(sessions_.size());
  sessions_.push_back(s);
  arm();
}

void ThreadSessions::remove(StreamSession* s) {
  if (shut_down_ || s->sweep_index >= sessions_.size() || sessions_[s->sweep_index] != s) return;
  sessions_[s->sweep_index] = sessions_.back();
  sessions_[s->sweep_index]->sweep_index = s->sweep_index;
  sessions_.pop_back();
  s->sweep_index = UINT32_MAX;
}

void ThreadSessions::arm() {
  if (armed_ || sessions_.empty()) return;
  armed_ = true;
  timer_->expires_after(kSweepInterval);
  timer_->async_wait([this](beast::error_code ec) {
    if (ec) return;  // the context is shutting down
    armed_ = false;
    sweep();
    arm();
  });
}

void ThreadSessions::sweep() {
  auto now = Clock::now();
  // By index: a tick never adds or removes sessions (those happen in handlers of their own).
  for (std::size_t i = 0; i < sessions_.size(); ++i) sessions_[i]->tick(now);
}

void ThreadSessions::wake(std::shared_ptr<StreamSession> s, session::WakeHint hint) {
  bool post;
  {
    std::lock_guard lock(wake_mutex_);
    if (wake_stopped_) return;
    woken_.push_back({std::move(s), hint});
    post = !wake_posted_;
    wake_posted_ = true;
  }
  if (post) asio::post(io_, [this] { cork(); });
}

// On this thread: the woken sessions run after kWakeCork. Sessions woken meanwhile join the
// same turn, and each session woken again meanwhile writes its new frames with the earlier
// ones: under load one write carries several events.
void ThreadSessions::cork() {
  if (!cork_timer_) cork_timer_.emplace(io_);
  cork_timer_->expires_after(kWakeCork);
  cork_timer_->async_wait([this](beast::error_code ec) {
    if (!ec) run_woken();  // else the context is shutting down
  });
}

void ThreadSessions::run_woken() {
  {
    std::lock_guard lock(wake_mutex_);
    wake_posted_ = false;
    if (running_.empty()) {
      running_.swap(woken_);
    } else {
      // Slices of an earlier list are still queued: these run behind them, in wake-up order.
      // What already ran goes first, so that a thread that never catches up (every session
      // woken again by the time its slice comes) does not grow the list without end.
      running_.erase(running_.begin(),
                     running_.begin() + static_cast<std::ptrdiff_t>(running_next_));
      running_next_ = 0;
      running_.insert(running_.end(), std::make_move_iterator(woken_.begin()),
                      std::make_move_iterator(woken_.end()));
      woken_.clear();
    }
  }
  if (!slice_posted_) run_slice();
}
void ThreadSessions::run_slice() {
  slice_posted_ = false;
  const std::size_t listed = running_.size();  // a turn adds to woken_, never to running_
  const std::size_t end = std::min(listed, running_next_ + kWokenPerSlice);
  for (; running_next_ < end; ++running_next_) {
    if (running_next_ + kSessionAhead < listed) {
      running_[running_next_ + kSessionAhead].session->prefetch();
    }
    if (running_next_ + kHandlerAhead < listed) {
      const Woken& ahead = running_[running_next_ + kHandlerAhead];
      ahead.session->prefetch_handler();
      if (ahead.hint.first) __builtin_prefetch(ahead.hint.first, 1);
      if (ahead.hint.second) __builtin_prefetch(ahead.hint.second, 1);
    }
    auto& s = running_[running_next_].session;
    s->woken();
    s.reset();  // a session that ended meanwhile is freed here, on its thread
  }
  if (running_next_ < running_.size()) {
    slice_posted_ = true;
    asio::post(io_, [this] { run_slice(); });
    return;
  }
  running_.clear();
  running_next_ = 0;
  // A burst (every follower woken at once) leaves no list of its size behind.
  if (running_.capacity() > kKeptWakeList) {
    std::vector<Woken>().swap(running_);
  }
}

// --- WebSocket ---

class WebSocketSession final : public StreamSession {
 public:
  WebSocketSession(Socket socket, StreamStart start, std::string subprotocol,
                   bool refuse_subprotocol)
      : StreamSession(std::move(socket), std::move(start)),
        refuse_subprotocol_(refuse_subprotocol) {
    subprotocol_ = &interned_subprotocol(std::move(subprotocol));
  }

  session::Protocol protocol() const override { return session::Protocol::websocket; }
  void send_comment(std::string_view) override {}

 private:
  Item frame(session::MessageKind kind, session::SharedBytes payload, std::int64_t mark) override {
    Item item;
    ws::Header header;
    item.head_size = static_cast<std::uint8_t>(ws::server_header(
        kind == session::MessageKind::text ? ws::Opcode::text : ws::Opcode::binary,
        payload.bytes.size(), header));
    std::copy_n(header.begin(), item.head_size, item.head.begin());
    item.payload = std::move(payload);
    item.mark = mark;
    return item;
  }

  Item close_item(std::uint16_t code, std::string_view reason) override {
    return raw_item(ws::server_frame(ws::Opcode::close, ws::close_payload(code, reason)));
  }

  void opened(std::string leftover) override {
    if (refuse_subprotocol_) {
      // RFC 6455 §4.2.2 lets the handshake complete without the header; this route cannot
      // serve such a client, so it says why and closes.
      fail(ws::kCloseProtocolError, "unsupported subprotocol");
      return;
    }
    handler_->on_open(*this);
    if (!leftover.empty()) received(leftover.data(), leftover.size());
  }

  // Reading stops while the peer lets our writes pile up: its pings then wait in its own
  // socket buffer, not in our memory.
  bool read_paused() const override {
    return flooded_ || queued_bytes_ > kReadPauseBytes || (writing_ && control_ != nullptr);
  }

  // Waits (briefly) for the peer's close or EOF, reading and discarding meanwhile: closing a
  // socket with unread bytes would reset the connection and could destroy our close frame.
  void close_written() override {
    if (peer_closed_) return finish();
    beast::error_code ignored;
    socket_.shutdown(Socket::shutdown_send, ignored);
    close_deadline_ = Clock::now() + kCloseWait;
  }

  void idle(Clock::time_point now) override {
    if (now - last_sent_ < kPingInterval) return;
    if (now - last_heard_ > kPeerSilenceLimit) {
      close(ws::kCloseGoingAway, "no answer to pings");
    } else {
      static const std::string kPing = ws::server_frame(ws::Opcode::ping, {});
      Item ping;
      ping.payload = session::SharedBytes{nullptr, kPing};
      control_ = std::make_unique<Item>(std::move(ping));
      last_sent_ = now;
    }
    flush();
  }

  // Closes with `code` at once, dropping what is not yet started: the peer broke the protocol.
  void fail(std::uint16_t code, std::string_view reason) {
    failed_ = true;
    if (closing_) return;
    drop_unstarted();
    queue_close(code, reason, kCloseWait);
  }

  void received(const char* data, std::size_t size) override {
    if (failed_ || peer_closed_) return;  // nothing after a broken frame or the peer's close
    std::string_view view(data, size);
    if (in_ && !in_->partial.empty()) {
      in_->partial.append(data, size);
      view = in_->partial;
    }
    // A parsed frame lives only until handle() returns: one per thread, none per session.
    thread_local ws::ClientFrame frame;
    std::size_t offset = 0;
    while (!finished_ && !failed_ && !peer_closed_) {
      std::size_t consumed = 0;
      auto parsed = ws::parse_client_frame(
          {reinterpret_cast<const std::uint8_t*>(view.data()) + offset, view.size() - offset},
          kMaxClientMessage, frame, consumed);
      if (parsed == ws::ParseResult::incomplete) break;
      if (parsed == ws::ParseResult::protocol_error) {
        fail(ws::kCloseProtocolError, "malformed frame");
        break;
      }
      if (parsed == ws::ParseResult::too_big) {
        fail(ws::kCloseTooBig, "message over 65536 bytes");
        break;
      }
      offset += consumed;
      handle(frame);
    }
    if (frame.payload.capacity() > 256) std::string().swap(frame.payload);
    if (failed_ || peer_closed_ || finished_) {
      in_.reset();
      return;
    }
    if (offset < view.size()) {
      std::string rest(view.substr(offset));  // `view` may point into in_->partial
      if (!in_) in_ = std::make_unique<Inbound>();
      in_->partial.swap(rest);
    } else if (in_) {
      std::string().swap(in_->partial);
      if (!in_->assembler.in_progress()) in_.reset();  // nothing pending: hold nothing
    }
  }

  void handle(ws::ClientFrame& frame) {
    switch (frame.opcode) {
      case ws::Opcode::ping: {
        if (closing_) return;
        // A peer that pings faster than anyone needs to is flooding: close it rather than spend
        // a thread reading its pings (memory stays bounded either way).
        auto now = Clock::now();
        if (now - ping_window_start_ >= std::chrono::seconds(1)) {
          ping_window_start_ = now;
          pings_in_window_ = 0;
        }
        if (++pings_in_window_ > kMaxPingsPerSecond) {
          flooded_ = true;  // and read nothing more from it: its bytes wait in its own buffers
          return fail(ws::kClosePolicy, "too many pings");
        }
        // Only the latest ping is answered (RFC 6455 §5.5.3): one pending pong at most.
        Item pong = raw_item(ws::server_frame(ws::Opcode::pong, frame.payload));
        control_ = std::make_unique<Item>(std::move(pong));
        return;
      }
      case ws::Opcode::pong:
        return;
      case ws::Opcode::close: {
        std::uint16_t code = 0;
        std::uint16_t bad = ws::check_close(frame.payload, code);
        if (bad != 0) {
          return fail(bad, bad == ws::kCloseInvalidData ? "close reason is not UTF-8"
                                                        : "invalid close frame");
        }
        peer_closed_ = true;
        if (closing_) {
          if (close_sent_) finish();
          return;
        }
        // Echo the peer's code (§5.5.1) without the unsent backlog, then the connection ends.
        drop_unstarted();
        closing_ = true;
        close_deadline_ = Clock::now() + kCloseWait;
        std::string payload;
        if (code != 0) payload = ws::close_payload(code, {});
        Item echo = raw_item(ws::server_frame(ws::Opcode::close, payload));
        echo.is_close = true;
        enqueue(std::move(echo));
        return;
      }
      default: {
        if (closing_) return;
        // A message in one frame (the usual case) is assembled in the thread's assembler and
        // leaves nothing behind; only a fragmented one keeps state in the session.
        thread_local ws::MessageAssembler single(kMaxClientMessage);
        bool whole = frame.fin && !(in_ && in_->assembler.in_progress());
        if (!whole && !in_) in_ = std::make_unique<Inbound>();
        ws::MessageAssembler& assembler = whole ? single : in_->assembler;
        bool complete = false;
        std::uint16_t code = assembler.add(frame, complete);
        if (code != 0) {
          assembler.clear();
          if (code == ws::kCloseProtocolError) return fail(code, "unexpected continuation frame");
          if (code == ws::kCloseTooBig) return fail(code, "message over 65536 bytes");
          return fail(code, "text message is not UTF-8");
        }
        if (!complete) return;
        handler_->on_message(*this,
                             assembler.opcode() == ws::Opcode::text ? session::MessageKind::text
                                                                    : session::MessageKind::binary,
                             assembler.message());
        assembler.clear();
        after_handler();
      }
    }
  }

  // What a read left unfinished: a partial frame, or a fragmented message. Rare for a feed
  // follower, so held apart (null when nothing is pending) rather than in every session.
  struct Inbound {
    ws::MessageAssembler assembler{kMaxClientMessage};
    std::string partial;  // a partial frame read so far
  };
  // Flags first: they fill the base class's tail padding.
  bool refuse_subprotocol_;
  bool peer_closed_ = false;
  bool failed_ = false;
  bool flooded_ = false;
  std::uint32_t pings_in_window_ = 0;
  Clock::time_point ping_window_start_{};
  std::unique_ptr<Inbound> in_;
};

// --- Server-Sent Events ---

class EventSourceSession final : public StreamSession {
 public:
  using StreamSession::StreamSession;

  session::Protocol protocol() const override { return session::Protocol::server_sent_events; }

  void send_comment(std::string_view text) override {
    if (closing_) return;
    enqueue(raw_item(": " + std::string(text) + "\n\n"));
  }

 private:
  Item frame(session::MessageKind, session::SharedBytes payload, std::int64_t mark) override {
    // The head ("id: N\ndata: ") goes straight into the item's array: no allocation per event
    // and subscriber on the fan-out path.
    Item item;
    char* out = item.head.data();
    auto put = [&out](std::string_view text) { out = std::copy(text.begin(), text.end(), out); };
    if (mark != kNoMark) {
      put("id: ");
      out = std::to_chars(out, item.head.data() + item.head.size(), mark).ptr;
      put("\n");
    }
    if (payload.bytes.find_first_of("\r\n") == std::string_view::npos) {
      put("data: ");
      item.tail = "\n\n";
    } else {
      // Every line of a multi-line payload is a data line of its own (the rare, copying path).
      std::string lines;
      std::string_view rest = payload.bytes;
      for (;;) {
        auto end = rest.find_first_of("\r\n");
        lines.append("data: ").append(rest.substr(0, end)).append("\n");
        if (end == std::string_view::npos) break;
        std::size_t skip = rest.compare(end, 2, "\r\n") == 0 ? 2 : 1;
        rest.remove_prefix(end + skip);
      }
      payload = session::SharedBytes::copy(std::move(lines));
      item.tail = "\n";
    }
    item.head_size = static_cast<std::uint8_t>(out - item.head.data());
    item.payload = std::move(payload);
    item.mark = mark;
    return item;
  }

  Item close_item(std::uint16_t, std::string_view reason) override {
    return raw_item(": closing: " + std::string(reason) + "\n\n");
  }

  void received(const char*, std::size_t) override {}  // SSE clients send nothing we use

  void idle(Clock::time_point now) override {
    if (now - last_sent_ < kHeartbeat) return;
    static const std::string kHeartbeatComment = ":\n\n";
    Item heartbeat;
    heartbeat.payload = session::SharedBytes{nullptr, kHeartbeatComment};
    enqueue(std::move(heartbeat));
    last_sent_ = now;
    flush();
  }
};

}  // namespace

api::Response handshake_refusal(ws::HandshakeFault fault, const std::string& request_id) {
  if (fault == ws::HandshakeFault::bad_version) {
    api::Response r = api::problem_response(
        make_error(Errc::upgrade_required,
                   "this server speaks WebSocket version 13 (Sec-WebSocket-Version: 13)"),
        request_id);
    r.headers.emplace_back("Sec-WebSocket-Version", "13");  // RFC 6455 §4.4
    return r;
  }
  return api::problem_response(
      make_error(Errc::malformed_request,
                 "Sec-WebSocket-Key must be the base64 encoding of a 16-byte nonce"),
      request_id);
}

void start_websocket(Socket socket, StreamStart start, std::string_view key,
                     std::string_view offered_subprotocols, std::string leftover) {
  std::string subprotocol =
      ws::select_subprotocol(offered_subprotocols, start.upgrade->subprotocols);
  bool refuse = subprotocol.empty() && start.upgrade->subprotocol_required;
  std::string head =
      "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
      "Sec-WebSocket-Accept: " +
      ws::accept_key(key) + "\r\n";
  if (!subprotocol.empty()) head += "Sec-WebSocket-Protocol: " + subprotocol + "\r\n";
  head += "X-Request-Id: " + start.request_id + "\r\n\r\n";
  auto session = std::make_shared<WebSocketSession>(std::move(socket), std::move(start),
                                                    std::move(subprotocol), refuse);
  session->begin(std::move(head), std::move(leftover));
}

void start_event_source(Socket socket, StreamStart start) {
  // No Content-Length: the body is the stream, and it ends when the connection does.
  std::string head =
      "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\n"
      "X-Accel-Buffering: no\r\nConnection: close\r\nX-Request-Id: " +
      start.request_id + "\r\n\r\nretry: 2000\n";
  auto session = std::make_shared<EventSourceSession>(std::move(socket), std::move(start));
  session->begin(std::move(head));
}

}  // namespace paddock::transport::detail
