#pragma once
// publishers/push_limiter: per-publisher rate limit (a token bucket refilled at `per_minute`
// pushes a minute, holding at most that many) and daily quota (pushes per UTC day). In memory;
// with share_through every push taken is announced (storage::Writes::announce) and counted by
// the other nodes when they hear it, so the limits hold across nodes as the login limits do.
// Thread-safe. Depends on core and storage's interface.
#include <mutex>
#include <string>
#include <unordered_map>

#include "core/clock.hpp"
#include "core/result.hpp"
#include "storage/announcements.hpp"
#include "storage/store.hpp"

namespace paddock::publishers {

struct PushLimits {
  int per_minute = 600;
  int daily_quota = 100000;
};

class PushLimiter {
 public:
  explicit PushLimiter(PushLimits limits) : limits_(limits) {}

  // Takes one push for `publisher_id` at `now`. Errors (with retry_after_seconds set):
  // kPushRateLimited when the bucket is empty, kDailyQuotaExceeded when today's quota is spent.
  Result<void> take(const std::string& publisher_id, UnixMillis now);

  // From now on each push taken is announced under `topic` and the other nodes' pushes are
  // counted here when heard. Call once, before the store's announcement handler is set.
  void share_through(storage::Store& store, storage::AnnouncementRouter& router,
                     std::string topic);

 private:
  struct State {
    double tokens = 0;
    UnixMillis refilled_at = 0;
    std::int64_t day = -1;
    int used_today = 0;
  };
  // Brings the bucket and the day's count up to `now` (under mutex_).
  State& refreshed(const std::string& publisher_id, UnixMillis now);
  void heard(const std::string& payload);

  PushLimits limits_;
  storage::Store* store_ = nullptr;
  std::string topic_;
  std::string origin_;  // tells this node's own announcements from the others'
  std::mutex mutex_;
  std::unordered_map<std::string, State> states_;
};

}  // namespace paddock::publishers
