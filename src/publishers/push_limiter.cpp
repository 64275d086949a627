#include "publishers/push_limiter.hpp"

#include <algorithm>
#include <cmath>

#include "publishers/errors.hpp"

namespace paddock::publishers {
namespace {

constexpr UnixMillis kDay = 24LL * 3600 * 1000;

}  // namespace

Result<void> PushLimiter::take(const std::string& publisher_id, UnixMillis now) {
  std::lock_guard lock(mutex_);
  auto [it, fresh] = states_.try_emplace(publisher_id);
  State& s = it->second;
  const double capacity = limits_.per_minute;
  if (fresh) {
    s.tokens = capacity;
    s.refilled_at = now;
  }
  s.tokens = std::min(capacity, s.tokens + (now - s.refilled_at) * capacity / 60000.0);
  s.refilled_at = now;
  std::int64_t day = now / kDay;
  if (day != s.day) {
    s.day = day;
    s.used_today = 0;
  }
  if (s.used_today >= limits_.daily_quota) {
    Error e =
        make_error(kDailyQuotaExceeded, "today's quota of " + std::to_string(limits_.daily_quota) +
                                            " pushes is spent (UTC days)");
    e.retry_after_seconds = static_cast<int>(((day + 1) * kDay - now + 999) / 1000);
    return e;
  }
  if (s.tokens < 1.0) {
    Error e = make_error(kPushRateLimited,
                         "at most " + std::to_string(limits_.per_minute) + " pushes a minute");
    e.retry_after_seconds =
        std::max(1, static_cast<int>(std::ceil((1.0 - s.tokens) * 60.0 / capacity)));
    return e;
  }
  s.tokens -= 1.0;
  ++s.used_today;
  return {};
}

}  // namespace paddock::publishers
