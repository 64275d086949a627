#include "identity/login_limiter.hpp"

#include <algorithm>
#include <charconv>

#include "core/ids.hpp"

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
  // Counted here at once (the next guess on this node is checked against it), and announced to
  // the other nodes: "fail ORIGIN AT ADDRESS USERNAME" (the username last: only it may hold
  // spaces).
  count_failure(username, address, now);
  if (!store_) return;
  std::string payload = "fail " + origin_ + " " + std::to_string(now) + " ";
  payload.append(address).append(" ").append(username);
  announce(std::move(payload));
}

void LoginLimiter::record_success(std::string_view username) {
  count_success(username);
  if (!store_) return;
  announce("ok " + origin_ + " " + std::string(username));
}

void LoginLimiter::share_through(storage::Store& store, storage::AnnouncementRouter& router,
                                 std::string topic) {
  store_ = &store;
  topic_ = std::move(topic);
  origin_ = new_id("lim");
  router.on(topic_, [this](const std::string& payload) { heard(payload); });
}

void LoginLimiter::announce(std::string payload) {
  if (payload.size() + topic_.size() + 1 > storage::kMaxAnnouncementBytes) {
    payload.resize(storage::kMaxAnnouncementBytes - topic_.size() - 1);
  }
  // When the store is down the announcement is lost, and the other nodes do not count this
  // failure: but then no password can be checked either.
  storage::announce_later(*store_, topic_, std::move(payload));
}

void LoginLimiter::heard(const std::string& payload) {
  std::string_view rest = payload;
  auto word = [&rest] { return storage::next_word(rest); };
  std::string_view kind = word();
  if (word() == origin_) return;  // this limiter counted it when it happened
  if (kind == "ok") return count_success(rest);
  if (kind != "fail") return;
  std::string_view at_text = word();
  std::string_view address = word();
  UnixMillis at = 0;
  auto [ptr, ec] = std::from_chars(at_text.data(), at_text.data() + at_text.size(), at);
  if (ec != std::errc() || ptr != at_text.data() + at_text.size()) return;
  count_failure(rest, address, at);
}

void LoginLimiter::count_failure(std::string_view username, std::string_view address,
                                 UnixMillis now) {
  std::lock_guard lock(mutex_);
  add(by_user_, username, limits_.max_failures_per_user, now);
  add(by_address_, address, limits_.max_failures_per_address, now);
}

void LoginLimiter::count_success(std::string_view username) {
  std::lock_guard lock(mutex_);
  by_user_.erase(std::string(username));
}

}  // namespace paddock::identity
