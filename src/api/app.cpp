#include "api/app.hpp"

#include <boost/json/serialize.hpp>

#include <array>

#include "antitheft/telemetry.hpp"
#include "api/problem.hpp"
#include "core/clock.hpp"
#include "identity/identity_service.hpp"
#include "keys/car_sync_service.hpp"
#include "keys/head_unit_auth.hpp"
#include "publishers/publisher_service.hpp"

namespace paddock::api {
namespace {

// The areas, in the order `paddock routes` prints them. A new area is one line here.
constexpr std::array kAreas = {&ops_routes,   &identity_routes,  &device_routes, &sharing_routes,
                               &feed_routes,  &keys_routes,      &key_share_routes, &car_routes,
                               &link_routes,  &screen_routes,    &ocpp_routes,   &antitheft_routes,
                               &publisher_routes};

}  // namespace

std::span<const RouteDef> route_table() {
  static const std::vector<RouteDef> table = [] {
    std::vector<RouteDef> all;
    for (auto area : kAreas) {
      auto routes = area();
      all.insert(all.end(), routes.begin(), routes.end());
    }
    return all;
  }();
  return table;
}

std::vector<std::string> route_templates() {
  Router router;
  for (const auto& r : route_table()) router.add(r.method, r.path, nullptr);
  return router.templates();
}

App::App(Services services)
    : services_(services),
      dispatcher_(
          [this](AuthScheme scheme, const Request& request) {
            return authenticate(scheme, request);
          },
          [this](AuthScheme scheme, const Request& request,
                 std::function<void(Result<Principal>)> done) {
            authenticate_later(scheme, request, std::move(done));
          }) {
  for (const auto& r : route_table()) {
    // The table is static, so the route outlives the App; a call copies nothing.
    dispatcher_.add(r.method, r.path, r.auth, [this, route = &r](Request& req, Responder respond) {
      (this->*route->handler)(req, std::move(respond));
    });
  }
}

std::size_t App::dispatch(Request& request, Responder respond) {
  return dispatcher_.dispatch(request, std::move(respond));
}

Result<Principal> App::authenticate(AuthScheme scheme, const Request& request) {
  const bool head_unit_signed = keys::is_head_unit_authorization(request.authorization());
  if (scheme == AuthScheme::head_unit ||
      (scheme == AuthScheme::user_or_head_unit && head_unit_signed)) {
    std::string target = request.path;
    if (!request.query.empty()) target += "?" + request.query;
    auto caller = services_.car_sync.authenticate(request.authorization(),
                                                  method_name(request.method), target,
                                                  now_millis());
    if (!caller) return caller.take_error();
    Principal p;
    p.scheme = AuthScheme::head_unit;
    p.head_unit_id = std::move(caller->head_unit_id);
    p.vehicle_id = std::move(caller->vehicle_id);
    return p;
  }
  if (scheme == AuthScheme::user_or_head_unit) scheme = AuthScheme::user;
  if (scheme == AuthScheme::vehicle_platform && services_.telemetry) {
    auto platform = services_.telemetry->authenticate(request.authorization());
    if (!platform) return platform.take_error();
    Principal p;
    p.scheme = AuthScheme::vehicle_platform;
    p.vehicle_platform_id = std::move(*platform);
    return p;
  }
  return authenticate_with(
      scheme, request,
      [this](std::string_view authorization) {
        return services_.identity.authenticate(authorization);
      },
      [this](const Request& r) { return authenticate_publisher(r); });
}

std::optional<identity::AuthContext> App::authenticate(const Request& request,
                                                       const Responder& respond) {
  auto who = services_.identity.authenticate(request.authorization());
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

Response json_text_response(int status, std::string body) {
  Response r;
  r.status = status;
  r.content_type = "application/json";
  r.body = std::move(body);
  return r;
}

Response empty_response(int status) {
  Response r;
  r.status = status;
  return r;
}

}  // namespace paddock::api
