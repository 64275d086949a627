#pragma once
// feed/subscriber: one live connection's bounded queue of frames. The hub pushes from its
// fan-out thread; the connection drains from its own thread. Past its capacity the subscriber
// is marked overflowed (a slow consumer) and receives nothing more: it must resume by cursor.
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "feed/frame.hpp"
#include "session/session.hpp"

namespace paddock::feed {

class Subscriber {
 public:
  // `device_id` set: the connection serves that device of the user, and also receives events
  // targeted at it. Unset: it receives only the user's events that target no device.
  // `session`: the token hash of the session that opened the connection (empty: none known).
  Subscriber(std::string user_id, std::size_t capacity,
             std::optional<std::string> device_id = std::nullopt, std::string session = {});

  const std::string& user_id() const { return user_id_; }
  const std::optional<std::string>& device_id() const { return device_id_; }
  const std::string& session() const { return session_; }

  // Ends the connection's feed (its session was revoked, or its stream ended): it receives
  // nothing more and its connection closes with `reason` (the first one given). Wakes the
  // connection.
  void end(std::string reason);
  // The reason given to end(), empty while the feed goes on.
  std::string ended() const;
  bool has_ended() const;

  // Queues a frame; wakes the connection when the queue was empty or on overflow.
  void push(const FramePtr& frame);
  // Moves up to `max` queued frames to `out`, oldest first. Returns how many.
  std::size_t drain(std::vector<FramePtr>& out, std::size_t max);
  // What the connection's turn needs, under one lock (the hub's thread pushes meanwhile):
  // whether the feed ended or overflowed, and else up to `max` frames moved to `out`.
  struct Taken {
    std::size_t frames = 0;
    bool ended = false;
    bool overflowed = false;
  };
  Taken take(std::vector<FramePtr>& out, std::size_t max);
  bool overflowed() const;
  // `wake` runs on the pushing thread, without locks held; it must only schedule work. Set
  // once (a later call is ignored): push() then calls it without copying it.
  void set_wakeup(session::Waker wake);
  // A copy of the wake-up given to set_wakeup (empty before).
  session::Waker waker() const;

  // Hints for a walk that pushes to many subscribers (the hub's fan-out), a few entries
  // ahead: at 10,000 followers a push's time is two cache misses, one after the other, the
  // subscriber's lock and then the ring slot it writes (docs/PERFORMANCE.md, "eighth look").
  // First the subscriber's own lines; later, once those are in, the slot the next push fills.
  // (A push that wakes the connection hands it the same two as its session::WakeHint.)
  void prefetch() const {
    const char* self = reinterpret_cast<const char*>(this);
    __builtin_prefetch(self, 1);
    __builtin_prefetch(self + 64, 1);
  }
  void prefetch_slot() const {
    if (const FramePtr* slot = next_slot_.load(std::memory_order_relaxed)) {
      __builtin_prefetch(slot, 1);
    }
  }

 private:
  // A one-byte lock (a std::mutex is 40 bytes, and every follower has a subscriber): held for
  // a few instructions at a time by the hub's thread and the connection's; a waiter spins a
  // little, then yields its core.
  class SpinLock {
   public:
    void lock() {
      for (int spins = 0; locked_.test_and_set(std::memory_order_acquire); ++spins) {
        if (spins >= 64) std::this_thread::yield();
      }
    }
    void unlock() { locked_.clear(std::memory_order_release); }

   private:
    std::atomic_flag locked_ = ATOMIC_FLAG_INIT;
  };

  std::size_t drain_locked(std::vector<FramePtr>& out, std::size_t max);

  // What take() reads comes first, in 32 bytes, then what push() adds: a line or two, which
  // the hints above and the wake-up's (session::WakeHint) ask for.
  mutable SpinLock mutex_;
  bool overflowed_ = false;
  bool wake_set_ = false;  // under mutex_: wake_ is set and never changes again
  std::uint32_t ring_size_ = 0;
  std::uint32_t head_ = 0;
  std::uint32_t size_ = 0;
  // A ring allocated with the first frame, small, doubling up to capacity_: an idle connection
  // holds none, and a busy one stops allocating once its ring has grown to its working size.
  std::unique_ptr<FramePtr[]> ring_;
  std::unique_ptr<std::string> ended_;  // null while the feed goes on
  const std::uint32_t capacity_;
  // Where the next push writes (set by push; a drain leaves it where it is): a hint only, read
  // by prefetch_slot without the lock.
  std::atomic<const FramePtr*> next_slot_{nullptr};
  session::Waker wake_;
  const std::string user_id_;
  const std::optional<std::string> device_id_;
  const std::string session_;
};

}  // namespace paddock::feed
