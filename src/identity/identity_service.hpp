#pragma once
// identity/identity_service: sign-up, login, logout and bearer-token authentication. Owns
// users and sessions (identity_repository.hpp). Depends on core, storage's unit-of-work
// interface, and this module's hashing, tokens and limiter; every storage fault comes back as
// storage_unavailable.
// Never sees HTTP: callers pass plain values and get Results.
#include <optional>
#include <string>

#include "core/result.hpp"
#include "identity/login_limiter.hpp"
#include "identity/passwords.hpp"
#include "storage/store.hpp"

namespace paddock::identity {

struct SignUp {
  std::string username;
  std::string password;
  std::optional<std::string> display_name;
};

struct IssuedSession {
  std::string token;
  std::string user_id;
  UnixMillis expires_at = 0;
};

// Who is calling, once their token checked out.
struct AuthContext {
  std::string user_id;
  std::string token_hash;
};

struct IdentityOptions {
  int session_ttl_seconds = 30 * 24 * 3600;
};

inline constexpr std::size_t kMinPasswordLength = 10;  // code points
inline constexpr std::size_t kMaxPasswordBytes = 1024;

class IdentityService {
 public:
  IdentityService(storage::Store& store, PasswordHasher& hasher, LoginLimiter& limiter,
                  IdentityOptions options);

  // Validates, hashes off the I/O threads, stores. Errors: invalid_field, password_too_short,
  // username_taken, storage_unavailable.
  void sign_up(SignUp request, Callback<storage::UserRecord> done);

  // Errors: too_many_attempts (with retry_after_seconds), invalid_credentials.
  void log_in(std::string username, std::string password, std::string client_address,
              Callback<IssuedSession> done);

  // Checks an Authorization header value. Error: unauthorized, with a detail saying why;
  // storage_unavailable when the session cannot be read.
  Result<AuthContext> authenticate(std::string_view authorization_header);

  void log_out(const AuthContext& who, Callback<bool> done);

  // The caller's own account. Error: unauthorized (the account is gone).
  Result<storage::UserRecord> user(const AuthContext& who);

 private:
  storage::Store& store_;
  PasswordHasher& hasher_;
  LoginLimiter& limiter_;
  IdentityOptions options_;
};

// Validation rules, exposed for table-driven tests. Return the normalized value or the error.
Result<std::string> normalize_username(std::string_view username);
Result<void> check_password(std::string_view password);
Result<std::string> normalize_display_name(std::string_view display_name);

}  // namespace paddock::identity
