#include "api/dispatcher.hpp"

#include "api/problem.hpp"

namespace paddock::api {
namespace {

// The RFC 9110 §11.6.1 challenge(s) a 401 names: how the route wants callers to prove who they
// are (a pile answers Basic, a head unit signs), not always the users' Bearer.
void answer_unauthorized(const Responder& respond, const Error& error, AuthScheme scheme) {
  Response r = problem_response(error, respond.request_id());
  if (r.status == 401) {
    std::erase_if(r.headers, [](const auto& h) { return h.first == "WWW-Authenticate"; });
    auto challenge = [&r](const char* value) { r.headers.emplace_back("WWW-Authenticate", value); };
    switch (scheme) {
      case AuthScheme::charge_point: challenge("Basic realm=\"paddock-ocpp\", charset=\"UTF-8\""); break;
      case AuthScheme::head_unit: challenge("PaddockHeadUnit realm=\"paddock\""); break;
      case AuthScheme::user_or_head_unit:  // one field, two challenges (RFC 9110 §11.6.1)
        challenge("Bearer realm=\"paddock\", PaddockHeadUnit realm=\"paddock\"");
        break;
      default: challenge("Bearer realm=\"paddock\""); break;
    }
  }
  respond(std::move(r));
}

}  // namespace

Dispatcher::Dispatcher(Authenticate authenticate, AuthenticateLater later)
    : authenticate_(std::move(authenticate)), later_(std::move(later)) {}

void Dispatcher::add(Method method, std::string_view path_template, AuthScheme scheme,
                     Handler handler) {
  router_.add(method, path_template, std::move(handler));
  schemes_.push_back(scheme);
}

std::size_t Dispatcher::dispatch(Request& request, Responder respond) const {
  auto match = router_.match(request.method, request.path);
  if (!match.handler) {
    if (!match.allow.empty()) {
      Response r = problem_response(
          make_error(Errc::method_not_allowed,
                     std::string(method_name(request.method)) + " is not allowed here; use " +
                         match.allow),
          respond.request_id());
      r.headers.emplace_back("Allow", match.allow);
      respond(std::move(r));
    } else {
      respond.problem(make_error(Errc::not_found, "no route for " + request.path));
    }
    return match.route;
  }
  request.params = std::move(match.params);
  AuthScheme scheme = schemes_[match.entry];
  if (needs_later_authentication(scheme) && later_) {
    // The handler lives in the router for the dispatcher's lifetime.
    const auto* handler = match.handler;
    later_(scheme, request,
           [&request, handler, scheme, respond = std::move(respond)](
               Result<Principal> principal) mutable {
             if (!principal) return answer_unauthorized(respond, principal.error(), scheme);
             request.principal = std::move(principal.value());
             (*handler)(request, std::move(respond));
           });
    return match.route;
  }
  if (scheme != AuthScheme::none) {
    auto principal = authenticate_(scheme, request);
    if (!principal) {
      answer_unauthorized(respond, principal.error(), scheme);
      return match.route;
    }
    request.principal = std::move(principal.value());
  }
  (*match.handler)(request, std::move(respond));
  return match.route;
}

}  // namespace paddock::api
