#pragma once
// identity/login_limiter: counts failed logins per username and per client address in a sliding
// window and says how long to wait once either passes its limit. The counts are in memory, so
// that checking costs no database read; with share_through, every failure and success is also
// announced through the store (storage::Writes::announce) and counted by the other nodes when
// they hear it, so the limits hold whichever node a guesser reaches.
// Depends on core and storage's interface.
#include <deque>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/clock.hpp"
#include "storage/announcements.hpp"
#include "storage/store.hpp"

namespace paddock::identity {

struct LoginLimits {
  int max_failures_per_user = 5;
  int max_failures_per_address = 50;
  int window_seconds = 900;
};

class LoginLimiter {
 public:
  explicit LoginLimiter(LoginLimits limits);

  // Seconds until another attempt is allowed; 0 iff an attempt may proceed now.
  int retry_after(std::string_view username, std::string_view address, UnixMillis now);
  void record_failure(std::string_view username, std::string_view address, UnixMillis now);
  // A successful login forgives that username's failures (not the address's).
  void record_success(std::string_view username);

  // From now on failures and successes are announced under `topic` (one word, one per
  // limiter) and counted when heard: call once, before the store's announcement handler is set.
  // Without it (tests, tools) they count at once, on this node only.
  void share_through(storage::Store& store, storage::AnnouncementRouter& router,
                     std::string topic);

 private:
  using Failures = std::unordered_map<std::string, std::deque<UnixMillis>>;
  void count_failure(std::string_view username, std::string_view address, UnixMillis now);
  void count_success(std::string_view username);
  void announce(std::string payload);
  void heard(const std::string& payload);
  int wait_for(Failures& table, std::string_view key, int limit, UnixMillis now);
  void add(Failures& table, std::string_view key, int limit, UnixMillis now);

  LoginLimits limits_;
  storage::Store* store_ = nullptr;  // set by share_through
  std::string topic_;
  std::string origin_;  // tells this limiter's own announcements from other nodes'
  std::mutex mutex_;
  Failures by_user_;
  Failures by_address_;
};

}  // namespace paddock::identity
