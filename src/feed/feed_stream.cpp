#include "feed/feed_stream.hpp"

namespace paddock::feed {

FeedStream::FeedStream(Hub& hub, sharing::SharingService& sharing, std::string user_id,
                       std::int64_t cursor, FeedStreamOptions options,
                       std::optional<std::string> device_id)
    : hub_(hub),
      sharing_(sharing),
      subscriber_(std::make_shared<Subscriber>(std::move(user_id), options.queue_capacity,
                                               std::move(device_id), std::move(options.session))),
      read_pool_(options.read_pool),
      backlog_page_size_(options.backlog_page),
      position_(cursor) {
  const std::optional<std::int64_t> hub_at = hub_.subscribe(subscriber_);
  // Everything after the hub's position reaches the subscriber live, so the log holds nothing
  // for a cursor at or past it.
  if (hub_at && position_ >= *hub_at) catching_up_ = false;
}

FeedStream::~FeedStream() { hub_.unsubscribe(subscriber_.get()); }

void FeedStream::set_wakeup(session::Waker wake) {
  subscriber_->set_wakeup(std::move(wake));
}

std::optional<Result<sharing::FeedPage>> FeedStream::backlog_page(int limit) {
  if (!read_pool_) {
    page_limit_ = limit;
    return sharing_.feed(subscriber_->user_id(), position_, limit, subscriber_->device_id());
  }
  if (pending_) {
    std::lock_guard lock(pending_->mutex);
    if (!pending_->done) return std::nullopt;
    auto page = std::move(pending_->page);
    pending_.reset();
    return page;
  }
  pending_ = std::make_shared<PendingPage>();
  pending_->wake = subscriber_->waker();
  page_limit_ = limit;
  read_pool_->post([pending = pending_, &sharing = sharing_, user_id = subscriber_->user_id(),
                    cursor = position_, limit, device_id = subscriber_->device_id()] {
    auto page = sharing.feed(user_id, cursor, limit, device_id);
    session::Waker wake;
    {
      std::lock_guard lock(pending->mutex);
      pending->page = std::move(page);
      pending->done = true;
      wake = pending->wake;
    }
    if (wake) wake();
  });
  return std::nullopt;
}

bool FeedStream::next(std::vector<FramePtr>& out, std::size_t max) {
  if (catching_up_) {
    if (subscriber_->has_ended()) return false;
    int limit = std::min<int>(backlog_page_size_, static_cast<int>(max));
    auto next_page = backlog_page(limit);
    if (!next_page) return true;  // being read; the read's completion wakes the session
    auto& page = *next_page;
    if (!page) {
      subscriber_->end("feed unavailable; reconnect with cursor " + std::to_string(position_));
      return false;
    }
    for (const auto& e : page->events) out.push_back(make_frame(e));
    position_ = page->next_cursor;
    if (static_cast<int>(page->events.size()) < page_limit_) catching_up_ = false;
    if (!out.empty() || catching_up_) return true;
  }
  // Frames the backlog already covered are skipped. Keep draining until something is left to
  // send or the queue is empty: a push into a non-empty queue wakes nobody, so returning
  // nothing while frames wait would stall the stream.
  // Scratch shared by the thread's streams: an idle stream keeps no vector of its own.
  thread_local std::vector<FramePtr> scratch;
  while (out.empty()) {
    scratch.clear();
    auto taken = subscriber_->take(scratch, max);
    if (taken.ended) return false;
    if (taken.overflowed) {
      subscriber_->end("slow consumer; reconnect with cursor " + std::to_string(position_));
      return false;
    }
    if (taken.frames == 0) break;
    for (auto& frame : scratch) {
      if (frame->seq == kNotInLog) {  // a live notice: no backlog covers it, no cursor moves
        out.push_back(std::move(frame));
        continue;
      }
      if (frame->seq <= position_) continue;  // already sent from the backlog
      position_ = frame->seq;
      out.push_back(std::move(frame));
    }
  }
  scratch.clear();  // no frame outlives its delivery here
  return true;
}

}  // namespace paddock::feed
