#include "api/app.hpp"

#include <boost/json/serialize.hpp>

#include <array>

#include "api/problem.hpp"
#include "identity/identity_service.hpp"

namespace paddock::api {
namespace {

constexpr std::array kRoutes = {
    RouteDef{Method::get, "/healthz", &App::healthz},
    RouteDef{Method::get, "/readyz", &App::readyz},
    RouteDef{Method::get, "/metrics", &App::metrics},
    RouteDef{Method::post, "/v1/users", &App::create_user},
    RouteDef{Method::post, "/v1/sessions", &App::create_session},
    RouteDef{Method::del, "/v1/sessions/current", &App::delete_current_session},
    RouteDef{Method::get, "/v1/me", &App::get_me},
    RouteDef{Method::post, "/v1/devices", &App::create_device},
    RouteDef{Method::get, "/v1/devices", &App::list_devices},
    RouteDef{Method::del, "/v1/devices/{id}", &App::delete_device},
    RouteDef{Method::post, "/v1/devices/{id}/challenge", &App::create_device_challenge},
    RouteDef{Method::post, "/v1/devices/{id}/verify", &App::verify_device},
    RouteDef{Method::get, "/v1/users", &App::find_user},
    RouteDef{Method::post, "/v1/vehicles", &App::create_vehicle},
    RouteDef{Method::get, "/v1/vehicles", &App::list_vehicles},
    RouteDef{Method::get, "/v1/vehicles/{id}", &App::get_vehicle},
    RouteDef{Method::patch, "/v1/vehicles/{id}", &App::update_vehicle},
    RouteDef{Method::del, "/v1/vehicles/{id}", &App::delete_vehicle},
    RouteDef{Method::post, "/v1/vehicles/{id}/transfer", &App::transfer_vehicle},
    RouteDef{Method::put, "/v1/vehicles/{id}/authorized-users/{userId}", &App::put_authorized_user},
    RouteDef{Method::del, "/v1/vehicles/{id}/authorized-users/{userId}",
             &App::delete_authorized_user},
    RouteDef{Method::post, "/v1/vehicles/{id}/messages", &App::create_message},
    RouteDef{Method::get, "/v1/vehicles/{id}/messages", &App::list_messages},
    RouteDef{Method::patch, "/v1/vehicles/{id}/messages/{messageId}", &App::update_message},
    RouteDef{Method::del, "/v1/vehicles/{id}/messages/{messageId}", &App::delete_message},
    RouteDef{Method::get, "/v1/vehicles/{id}/followers", &App::list_followers},
    RouteDef{Method::patch, "/v1/vehicles/{id}/followers/{followId}", &App::moderate_follower},
    RouteDef{Method::del, "/v1/vehicles/{id}/followers/{followId}", &App::remove_follower},
    RouteDef{Method::post, "/v1/follow-requests", &App::create_follow_request},
    RouteDef{Method::post, "/v1/follows", &App::create_follow},
    RouteDef{Method::get, "/v1/follows", &App::list_follows},
    RouteDef{Method::patch, "/v1/follows/{id}", &App::update_follow},
    RouteDef{Method::del, "/v1/follows/{id}", &App::delete_follow},
    RouteDef{Method::get, "/v1/feed", &App::get_feed},
    RouteDef{Method::get, "/v1/stream", &App::open_websocket_stream},
    RouteDef{Method::get, "/v1/events", &App::open_event_source},
};

}  // namespace

std::span<const RouteDef> route_table() { return kRoutes; }

std::vector<std::string> route_templates() {
  Router router;
  for (const auto& r : kRoutes) router.add(r.method, r.path, nullptr);
  return router.templates();
}

App::App(Services services) : services_(services) {
  for (const auto& r : kRoutes) {
    router_.add(r.method, r.path,
                [this, handler = r.handler](Request& req, Responder respond) {
                  (this->*handler)(req, std::move(respond));
                });
  }
}

std::size_t App::dispatch(Request& request, Responder respond) {
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
  (*match.handler)(request, std::move(respond));
  return match.route;
}

std::optional<identity::AuthContext> App::authenticate(const Request& request,
                                                       const Responder& respond) {
  auto who = services_.identity.authenticate(request.authorization);
  if (!who) {
    respond.problem(who.error());
    return std::nullopt;
  }
  return std::move(who.value());
}

Response json_response(int status, const boost::json::value& body) {
  Response r;
  r.status = status;
  r.content_type = "application/json";
  r.body = boost::json::serialize(body);
  return r;
}

Response empty_response(int status) {
  Response r;
  r.status = status;
  return r;
}

}  // namespace paddock::api
