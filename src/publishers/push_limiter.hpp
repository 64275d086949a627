#pragma once
// publishers/push_limiter: per-publisher rate limit (a token bucket refilled at `per_minute`
// pushes a minute, holding at most that many) and daily quota (pushes per UTC day). In memory,
// per node, like the login limiter; thread-safe. Depends on core.
#include <mutex>
#include <string>
#include <unordered_map>

#include "core/clock.hpp"
#include "core/result.hpp"

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

 private:
  struct State {
    double tokens = 0;
    UnixMillis refilled_at = 0;
    std::int64_t day = -1;
    int used_today = 0;
  };
  PushLimits limits_;
  std::mutex mutex_;
  std::unordered_map<std::string, State> states_;
};

}  // namespace paddock::publishers
