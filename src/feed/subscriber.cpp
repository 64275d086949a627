#include "feed/subscriber.hpp"

#include <algorithm>

namespace paddock::feed {

namespace {
constexpr std::uint32_t kInitialRing = 8;
constexpr std::size_t kMaxCapacity = UINT32_MAX / 2;  // the ring's size doubles in 32 bits
}  // namespace

Subscriber::Subscriber(std::string user_id, std::size_t capacity,
                       std::optional<std::string> device_id, std::string session)
    : capacity_(static_cast<std::uint32_t>(std::clamp<std::size_t>(capacity, 1, kMaxCapacity))),
      user_id_(std::move(user_id)),
      device_id_(std::move(device_id)),
      session_(std::move(session)) {}

void Subscriber::end(std::string reason) {
  bool wake;
  {
    std::lock_guard lock(mutex_);
    if (ended_) return;
    ended_ = std::make_unique<std::string>(std::move(reason));
    wake = wake_set_;
  }
  if (wake) wake_();
}

std::string Subscriber::ended() const {
  std::lock_guard lock(mutex_);
  return ended_ ? *ended_ : std::string();
}

bool Subscriber::has_ended() const {
  std::lock_guard lock(mutex_);
  return ended_ != nullptr;
}

session::Waker Subscriber::waker() const {
  std::lock_guard lock(mutex_);
  return wake_set_ ? wake_ : session::Waker();
}

void Subscriber::push(const FramePtr& frame) {
  bool wake = false;
  // The connection's turn starts with this subscriber's lock, then the slot written here.
  session::WakeHint hint{this, nullptr};
  {
    std::lock_guard lock(mutex_);
    if (overflowed_ || ended_) return;
    if (size_ == ring_size_ && ring_size_ < capacity_) {
      // The first frame allocates the ring: a follower that never receives one holds none.
      std::uint32_t grown_size = std::min(capacity_, ring_size_ == 0 ? kInitialRing : ring_size_ * 2);
      auto grown = std::make_unique<FramePtr[]>(grown_size);
      for (std::uint32_t i = 0; i < size_; ++i) {
        grown[i] = std::move(ring_[(head_ + i) % ring_size_]);
      }
      ring_ = std::move(grown);
      ring_size_ = grown_size;
      head_ = 0;
    }
    if (size_ == ring_size_) {
      overflowed_ = true;
      wake = wake_set_;
    } else {
      const std::uint32_t at = (head_ + size_) % ring_size_;
      ring_[at] = frame;
      hint.second = &ring_[at];
      if (++size_ == 1) wake = wake_set_;
      next_slot_.store(&ring_[at + 1 == ring_size_ ? 0 : at + 1], std::memory_order_relaxed);
    }
  }
  // wake_ is read outside the lock: once wake_set_ was seen under it, wake_ never changes.
  if (wake) wake_(hint);
}

std::size_t Subscriber::drain(std::vector<FramePtr>& out, std::size_t max) {
  std::lock_guard lock(mutex_);
  return drain_locked(out, max);
}

Subscriber::Taken Subscriber::take(std::vector<FramePtr>& out, std::size_t max) {
  std::lock_guard lock(mutex_);
  Taken taken;
  taken.ended = ended_ != nullptr;
  taken.overflowed = overflowed_;
  if (!taken.ended && !taken.overflowed) taken.frames = drain_locked(out, max);
  return taken;
}

std::size_t Subscriber::drain_locked(std::vector<FramePtr>& out, std::size_t max) {
  auto n = static_cast<std::uint32_t>(std::min<std::size_t>(max, size_));
  for (std::uint32_t i = 0; i < n; ++i) {
    out.push_back(std::move(ring_[head_]));
    head_ = (head_ + 1) % ring_size_;
  }
  size_ -= n;
  return n;
}

bool Subscriber::overflowed() const {
  std::lock_guard lock(mutex_);
  return overflowed_;
}

void Subscriber::set_wakeup(session::Waker wake) {
  bool pending;
  {
    std::lock_guard lock(mutex_);
    if (wake_set_ || !wake) return;
    wake_ = std::move(wake);
    wake_set_ = true;
    pending = size_ > 0 || overflowed_ || ended_;
  }
  if (pending) wake_();
}

}  // namespace paddock::feed
