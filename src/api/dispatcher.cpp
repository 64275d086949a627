#include "api/dispatcher.hpp"

#include "api/problem.hpp"

namespace paddock::api {

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
           [&request, handler, respond = std::move(respond)](Result<Principal> principal) mutable {
             if (!principal) return respond.problem(principal.error());
             request.principal = std::move(principal.value());
             (*handler)(request, std::move(respond));
           });
    return match.route;
  }
  if (scheme != AuthScheme::none) {
    auto principal = authenticate_(scheme, request);
    if (!principal) {
      respond.problem(principal.error());
      return match.route;
    }
    request.principal = std::move(principal.value());
  }
  (*match.handler)(request, std::move(respond));
  return match.route;
}

}  // namespace paddock::api
