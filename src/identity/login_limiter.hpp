#pragma once
// identity/login_limiter: counts failed logins per username and per client address in a sliding
// window and says how long to wait once either passes its limit. In memory and per node: a
// multi-node deployment limits per node (noted in docs/ARCHITECTURE.md). Depends on core only.
#include <deque>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/clock.hpp"

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

 private:
  using Failures = std::unordered_map<std::string, std::deque<UnixMillis>>;
  int wait_for(Failures& table, std::string_view key, int limit, UnixMillis now);
  void add(Failures& table, std::string_view key, int limit, UnixMillis now);

  LoginLimits limits_;
  std::mutex mutex_;
  Failures by_user_;
  Failures by_address_;
};

}  // namespace paddock::identity
