#include "feed/subscriber.hpp"

namespace paddock::feed {

namespace {
constexpr std::size_t kInitialRing = 8;
}  // namespace

Subscriber::Subscriber(std::string user_id, std::size_t capacity,
                       std::optional<std::string> device_id, std::string session)
    : user_id_(std::move(user_id)),
      device_id_(std::move(device_id)),
      session_(std::move(session)),
      capacity_(std::max<std::size_t>(capacity, 1)) {}

void Subscriber::end(std::string reason) {
  std::function<void()> wake;
  {
    std::lock_guard lock(mutex_);
    if (ended_) return;
    ended_ = std::make_unique<std::string>(std::move(reason));
    wake = wake_;
  }
  if (wake) wake();
}

std::string Subscriber::ended() const {
  std::lock_guard lock(mutex_);
  return ended_ ? *ended_ : std::string();
}

bool Subscriber::has_ended() const {
  std::lock_guard lock(mutex_);
  return ended_ != nullptr;
}

std::function<void()> Subscriber::waker() const {
  std::lock_guard lock(mutex_);
  return wake_;
}

void Subscriber::push(const FramePtr& frame) {
  std::function<void()> wake;
  {
    std::lock_guard lock(mutex_);
    if (overflowed_ || ended_) return;
    if (size_ == ring_.size() && ring_.size() < capacity_) {
      // The first frame allocates the ring: a follower that never receives one holds none.
      std::size_t want = ring_.empty() ? kInitialRing : ring_.size() * 2;
      std::vector<FramePtr> grown(std::min(capacity_, want));
      for (std::size_t i = 0; i < size_; ++i) {
        grown[i] = std::move(ring_[(head_ + i) % ring_.size()]);
      }
      ring_ = std::move(grown);
      head_ = 0;
    }
    if (size_ == ring_.size()) {
      overflowed_ = true;
      wake = wake_;
    } else {
      ring_[(head_ + size_) % ring_.size()] = frame;
      if (++size_ == 1) wake = wake_;
    }
  }
  if (wake) wake();
}

std::size_t Subscriber::drain(std::vector<FramePtr>& out, std::size_t max) {
  std::lock_guard lock(mutex_);
  std::size_t n = std::min(max, size_);
  for (std::size_t i = 0; i < n; ++i) {
    out.push_back(std::move(ring_[head_]));
    head_ = (head_ + 1) % ring_.size();
  }
  size_ -= n;
  return n;
}

bool Subscriber::overflowed() const {
  std::lock_guard lock(mutex_);
  return overflowed_;
}

void Subscriber::set_wakeup(std::function<void()> wake) {
  bool pending;
  {
    std::lock_guard lock(mutex_);
    wake_ = std::move(wake);
    pending = size_ > 0 || overflowed_;
  }
  if (pending && wake_) wake_();
}

}  // namespace paddock::feed
