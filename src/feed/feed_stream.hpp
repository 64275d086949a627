#pragma once
// feed/feed_stream: one client's feed from a cursor: first what it missed (paged from the
// database), then live frames from the hub, with no gap and no duplicate. It subscribes before
// reading the backlog and drops live frames the backlog already covered. Depends on the hub
// and sharing's feed page.
#include <memory>
#include <optional>
#include <string>

#include "core/work_pool.hpp"
#include "feed/event_stream.hpp"
#include "feed/hub.hpp"
#include "sharing/sharing_service.hpp"

namespace paddock::feed {

struct FeedStreamOptions {
  std::size_t queue_capacity = 4096;  // live frames buffered per connection before it is cut
  int backlog_page = 500;
  std::string session;  // the token hash that opened the stream: revoking it ends the stream
  // Set (PostgreSQL): backlog pages are read on this pool, and next() hands them out once they
  // are in, so a read's round trip never stalls the I/O thread that pumps the stream. Unset:
  // read inline (SQLite).
  WorkPool* read_pool = nullptr;
};

class FeedStream final : public EventStream {
 public:
  // Subscribes at once; `cursor` was validated by the caller (from now on: the hub's
  // start_position()). With `device_id` (checked by the caller to be the user's) the stream
  // serves that device: it also gets the events that target it. Without, it gets only the
  // user's events that target no device.
  // A stream whose cursor is at or past the hub's position reads nothing from the log: what
  // follows its cursor can only come live. So a reconnect storm costs no database reads.
  FeedStream(Hub& hub, sharing::SharingService& sharing, std::string user_id, std::int64_t cursor,
             FeedStreamOptions options,
             std::optional<std::string> device_id = std::nullopt);
  ~FeedStream() override;

  bool next(std::vector<FramePtr>& out, std::size_t max) override;
  void set_wakeup(session::Waker wake) override;
  std::string end_reason() const override { return subscriber_->ended(); }
  std::int64_t position() const override { return position_; }

 private:
  Hub& hub_;
  sharing::SharingService& sharing_;
  // Holds the user id, the device id, the token hash, the wake-up and the reason the stream
  // ended: the only copies a stream keeps (an idle follower should cost little; see
  // docs/PERFORMANCE.md).
  std::shared_ptr<Subscriber> subscriber_;
  WorkPool* read_pool_;
  int backlog_page_size_;
  int page_limit_ = 0;  // the limit the page handed out by backlog_page() was read with
  std::int64_t position_;  // every event with seq <= position_ has been handled
  bool catching_up_ = true;
  // A backlog page being read on the read pool; shared with the task, which may outlive us.
  struct PendingPage {
    std::mutex mutex;
    bool done = false;
    Result<sharing::FeedPage> page = make_error(Errc::storage_unavailable, "not read yet");
    session::Waker wake;
  };
  std::shared_ptr<PendingPage> pending_;
  // The next backlog page (at most `limit` events, or the limit of a read already under way:
  // page_limit_): inline, or (with a read pool) once it has arrived; nullopt while being read.
  std::optional<Result<sharing::FeedPage>> backlog_page(int limit);
};

}  // namespace paddock::feed
