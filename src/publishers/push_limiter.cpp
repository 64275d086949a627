#include "publishers/push_limiter.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>

#include "core/ids.hpp"

#include "publishers/errors.hpp"

namespace paddock::publishers {
namespace {

constexpr UnixMillis kDay = 24LL * 3600 * 1000;

}  // namespace

PushLimiter::State& PushLimiter::refreshed(const std::string& publisher_id, UnixMillis now) {
  auto [it, fresh] = states_.try_emplace(publisher_id);
  State& s = it->second;
  const double capacity = limits_.per_minute;
  if (fresh) {
    s.tokens = capacity;
    s.refilled_at = now;
  }
  s.tokens = std::min(capacity, s.tokens + std::max<UnixMillis>(0, now - s.refilled_at) *
                                               capacity / 60000.0);
  s.refilled_at = std::max(s.refilled_at, now);
  std::int64_t day = now / kDay;
  if (day > s.day) {
    s.day = day;
    s.used_today = 0;
  }
  return s;
}

Result<void> PushLimiter::take(const std::string& publisher_id, UnixMillis now) {
  std::unique_lock lock(mutex_);
  State& s = refreshed(publisher_id, now);
  const double capacity = limits_.per_minute;
  std::int64_t day = now / kDay;
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
  lock.unlock();
  if (store_) {
    // "ORIGIN AT PUBLISHER"
    storage::announce_later(*store_, topic_,
                            origin_ + " " + std::to_string(now) + " " + publisher_id);
  }
  return {};
}

void PushLimiter::share_through(storage::Store& store, storage::AnnouncementRouter& router,
                                std::string topic) {
  store_ = &store;
  topic_ = std::move(topic);
  origin_ = new_id("push");
  router.on(topic_, [this](const std::string& payload) { heard(payload); });
}

void PushLimiter::heard(const std::string& payload) {
  std::string_view rest = payload;
  auto word = [&rest] { return storage::next_word(rest); };
  if (word() == origin_) return;  // counted when it was taken here
  std::string_view at_text = word();
  UnixMillis at = 0;
  auto [ptr, ec] = std::from_chars(at_text.data(), at_text.data() + at_text.size(), at);
  if (ec != std::errc() || ptr != at_text.data() + at_text.size() || rest.empty()) return;
  std::lock_guard lock(mutex_);
  State& s = refreshed(std::string(rest), at);
  // Another node's push spends from the same bucket and day (never below empty).
  s.tokens = std::max(0.0, s.tokens - 1.0);
  if (at / kDay == s.day) ++s.used_today;
}

}  // namespace paddock::publishers
