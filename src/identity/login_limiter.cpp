#include "identity/login_limiter.hpp"

#include <algorithm>

namespace paddock::identity {
namespace {
// Bounds memory under a flood of invented usernames: past this many keys, stale ones go first.
constexpr std::size_t kMaxKeys = 100'000;
}  // namespace

LoginLimiter::LoginLimiter(LoginLimits limits) : limits_(limits) {}

int LoginLimiter::wait_for(Failures& table, std::string_view key, int limit, UnixMillis now) {
  auto it = table.find(std::string(key));
  if (it == table.end()) return 0;
  auto& times = it->second;
  const UnixMillis window = static_cast<UnixMillis>(limits_.window_seconds) * 1000;
  while (!times.empty() && times.front() <= now - window) times.pop_front();
  if (times.empty()) {
    table.erase(it);
    return 0;
  }
  if (static_cast<int>(times.size()) < limit) return 0;
  // The oldest failure that still counts must leave the window before another try.
  UnixMillis wait_ms = times[times.size() - static_cast<std::size_t>(limit)] + window - now;
  return static_cast<int>(std::max<UnixMillis>(1, (wait_ms + 999) / 1000));
}

void LoginLimiter::add(Failures& table, std::string_view key, int limit, UnixMillis now) {
  if (table.size() >= kMaxKeys) {
    const UnixMillis horizon = now - static_cast<UnixMillis>(limits_.window_seconds) * 1000;
    std::erase_if(table, [&](const auto& kv) { return kv.second.back() <= horizon; });
    if (table.size() >= kMaxKeys) return;
  }
  auto& times = table[std::string(key)];
  times.push_back(now);
  while (static_cast<int>(times.size()) > limit) times.pop_front();
}

int LoginLimiter::retry_after(std::string_view username, std::string_view address,
                              UnixMillis now) {
  std::lock_guard lock(mutex_);
  return std::max(wait_for(by_user_, username, limits_.max_failures_per_user, now),
                  wait_for(by_address_, address, limits_.max_failures_per_address, now));
}

void LoginLimiter::record_failure(std::string_view username, std::string_view address,
                                  UnixMillis now) {
  std::lock_guard lock(mutex_);
  add(by_user_, username, limits_.max_failures_per_user, now);
  add(by_address_, address, limits_.max_failures_per_address, now);
}

void LoginLimiter::record_success(std::string_view username) {
  std::lock_guard lock(mutex_);
  by_user_.erase(std::string(username));
}

}  // namespace paddock::identity
