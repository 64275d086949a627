#include "identity/identity_service.hpp"

#include <algorithm>

#include "core/ids.hpp"
#include "core/text.hpp"
#include "core/thread_post.hpp"
#include "identity/errors.hpp"
#include "identity/tokens.hpp"

namespace paddock::identity {

Result<std::string> normalize_username(std::string_view username) {
  if (username.size() < 3 || username.size() > 32) {
    return make_error(Errc::invalid_field, "username must be 3 to 32 characters", "username");
  }
  bool allowed = std::all_of(username.begin(), username.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '_' || c == '.' || c == '-';
  });
  if (!allowed) {
    return make_error(Errc::invalid_field,
                      "username may contain only letters, digits, '_', '.' and '-'", "username");
  }
  return ascii_lower(username);
}

Result<void> check_password(std::string_view password) {
  if (utf8_length(password) < kMinPasswordLength) {
    return make_error(kPasswordTooShort,
                      "password must be at least " + std::to_string(kMinPasswordLength) +
                          " characters",
                      "password");
  }
  if (password.size() > kMaxPasswordBytes) {
    return make_error(Errc::invalid_field,
                      "password must be at most " + std::to_string(kMaxPasswordBytes) + " bytes",
                      "password");
  }
  return {};
}

Result<std::string> normalize_display_name(std::string_view name) {
  return check_name(name, "display_name");
}

IdentityService::IdentityService(storage::Store& store, PasswordHasher& hasher,
                                 LoginLimiter& limiter, IdentityOptions options)
    : store_(store), hasher_(hasher), limiter_(limiter), options_(options) {}

void IdentityService::sign_up(SignUp request, Callback<storage::UserRecord> done) {
  auto username = normalize_username(request.username);
  if (!username) return done(username.take_error());
  if (auto ok = check_password(request.password); !ok) return done(ok.take_error());
  auto display = normalize_display_name(request.display_name.value_or(request.username));
  if (!display) return done(display.take_error());

  storage::UserRecord user{new_id("usr"), std::move(username.value()),
                           std::move(display.value()), {}, 0};
  hasher_.hash(std::move(request.password),
               [this, user = std::move(user), done = std::move(done)](
                   Result<std::string> hashed) mutable {
                 if (!hashed) return done(hashed.take_error());
                 user.password_hash = std::move(hashed.value());
                 user.created_at = now_millis();
                 store_.write<storage::UserRecord>(
                     [user](storage::Writes& w) -> Result<storage::UserRecord> {
                       if (auto ok = w.identity().insert_user(user); !ok) return ok.take_error();
                       return user;
                     },
                     std::move(done));
               });
}

void IdentityService::log_in(std::string username, std::string password,
                             std::string client_address, Callback<IssuedSession> done) {
  std::string key = ascii_lower(username);
  if (int wait = limiter_.retry_after(key, client_address, now_millis()); wait > 0) {
    Error e = make_error(kTooManyAttempts,
                         "too many failed logins; try again in " + std::to_string(wait) + " s");
    e.retry_after_seconds = wait;
    return done(std::move(e));
  }
  std::optional<storage::UserRecord> user;
  if (key.size() <= 64) {
    auto found = store_.reads().identity().user_by_username(key);
    if (!found) return done(found.take_error());
    user = std::move(*found);
  }
  std::optional<std::string> stored;
  if (user) stored = user->password_hash;
  hasher_.verify(
      std::move(stored), std::move(password),
      [this, key, client_address = std::move(client_address), user = std::move(user),
       done = std::move(done)](Result<bool> verified) mutable {
        if (!verified || !verified.value() || !user) {
          limiter_.record_failure(key, client_address, now_millis());
          return done(make_error(kInvalidCredentials, "wrong username or password"));
        }
        limiter_.record_success(key);
        IssuedToken token = issue_token();
        UnixMillis now = now_millis();
        storage::SessionRecord session{token.hash, user->id, now,
                                       now + options_.session_ttl_seconds * 1000LL};
        store_.write<IssuedSession>(
            [session, token = token.token](storage::Writes& w) -> Result<IssuedSession> {
              if (auto ok = w.identity().insert_session(session); !ok) return ok.take_error();
              return IssuedSession{token, session.user_id, session.expires_at};
            },
            std::move(done));
      });
}

Result<AuthContext> IdentityService::authenticate(std::string_view authorization_header) {
  if (authorization_header.empty()) {
    return make_error(Errc::unauthorized, "send 'Authorization: Bearer <token>'");
  }
  std::string_view token = bearer_token(authorization_header);
  if (!looks_like_token(token)) {
    return make_error(Errc::unauthorized, "the bearer token is malformed");
  }
  std::string hash = hash_token(token);
  auto found = store_.reads().identity().session_by_token_hash(hash);
  if (!found) return found.take_error();
  auto& session = *found;
  if (!session) return make_error(Errc::unauthorized, "the token is unknown or logged out");
  if (session->expires_at <= now_millis()) {
    return make_error(Errc::unauthorized, "the token has expired; log in again");
  }
  return AuthContext{session->user_id, std::move(hash)};
}

void IdentityService::log_out(const AuthContext& who, Callback<bool> done) {
  store_.write<bool>(
      [hash = who.token_hash](storage::Writes& w) -> Result<bool> {
        return w.identity().delete_session(hash);
      },
      std::move(done));
}

Result<storage::UserRecord> IdentityService::user(const AuthContext& who) {
  auto found = store_.reads().identity().user_by_id(who.user_id);
  if (!found) return found.take_error();
  auto& user = *found;
  if (!user) return make_error(Errc::unauthorized, "the account no longer exists");
  return std::move(*user);
}

}  // namespace paddock::identity
