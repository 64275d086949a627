#pragma once
// api/dispatcher: routes a request, applies the route's authentication scheme once, and only
// then runs its handler, with the caller in request.principal. Knows no domain service: the
// schemes are checked by the function it is given (see authenticate_with below).
#include <functional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "api/http_types.hpp"
#include "api/router.hpp"
#include "core/result.hpp"

namespace paddock::api {

class Dispatcher {
 public:
  // Returns the principal `scheme` proves for `request`, or the error to answer with. Called
  // only for routes whose scheme is not `none`.
  using Authenticate = std::function<Result<Principal>(AuthScheme scheme, const Request& request)>;
  // For the schemes whose proof is slow work off the I/O thread (a password hash: charge_point):
  // calls `done` once, on the request's own thread, with the principal or the error. The
  // request stays alive until the route answers, so the handler then runs with it.
  using AuthenticateLater = std::function<void(AuthScheme scheme, const Request& request,
                                               std::function<void(Result<Principal>)> done)>;
  // `later` decides, by scheme, which path a route takes: needs_later_authentication().
  explicit Dispatcher(Authenticate authenticate, AuthenticateLater later = {});

  void add(Method method, std::string_view path_template, AuthScheme scheme, Handler handler);

  // Answers 404/405 problems itself, the scheme's error (401) without running the handler, or
  // runs the handler, which calls `respond` exactly once. Returns the route index (into
  // templates(), or its size when nothing matched) for metrics.
  std::size_t dispatch(Request& request, Responder respond) const;

  const std::vector<std::string>& templates() const { return router_.templates(); }

 private:
  Authenticate authenticate_;
  AuthenticateLater later_;
  Router router_;
  std::vector<AuthScheme> schemes_;  // by Router::Match::entry
};

// True iff `scheme` is proven by Dispatcher::AuthenticateLater (its check is slow work).
constexpr bool needs_later_authentication(AuthScheme scheme) {
  return scheme == AuthScheme::charge_point;
}

// The schemes as this server implements them: `user` via `check_bearer(authorization header)`
// (a Result of something with user_id and token_hash), `publisher` via
// `check_signature(request)` (a Result of something with publisher_id, nonce and created); the
// ones not implemented here (vehicle_platform and the head-unit schemes, which the App checks
// itself with its services; charge_point, which needs AuthenticateLater) answer unauthorized,
// so that a route declared with them is closed rather than open. Without a signature check
// `publisher` is closed too.
template <class BearerCheck, class SignatureCheck = std::nullptr_t>
Result<Principal> authenticate_with(AuthScheme scheme, const Request& request,
                                    BearerCheck&& check_bearer,
                                    SignatureCheck&& check_signature = nullptr) {
  switch (scheme) {
    case AuthScheme::none: return Principal{};
    case AuthScheme::user: {
      auto who = check_bearer(request.authorization());
      if (!who) return who.take_error();
      return Principal{AuthScheme::user, std::move(who->user_id), std::move(who->token_hash)};
    }
    case AuthScheme::publisher:
      if constexpr (!std::is_null_pointer_v<std::decay_t<SignatureCheck>>) {
        auto who = check_signature(request);
        if (!who) return who.take_error();
        Principal p{AuthScheme::publisher};
        p.publisher_id = std::move(who->publisher_id);
        p.nonce = std::move(who->nonce);
        p.signed_at = who->created;
        return p;
      }
      break;
    case AuthScheme::charge_point:
    case AuthScheme::vehicle_platform:
    case AuthScheme::head_unit:
    case AuthScheme::user_or_head_unit: break;
  }
  return make_error(Errc::unauthorized,
                    "this route needs " + std::string(auth_scheme_name(scheme)) +
                        " authentication, which this server does not offer yet");
}

}  // namespace paddock::api
