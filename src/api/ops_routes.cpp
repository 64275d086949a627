// Operational routes: liveness, readiness and metrics.
#include <boost/json/object.hpp>

#include "api/app.hpp"
#include "core/clock.hpp"
#include "metrics/metrics.hpp"
#include "storage/store.hpp"

namespace paddock::api {

void App::healthz(Request&, Responder respond) {
  respond(json_response(200, boost::json::object{{"status", "ok"}}));
}

void App::readyz(Request&, Responder respond) {
  auto version = services_.store.schema_version();
  if (!version) {
    // The database's own message is in the server log; this route needs no authentication.
    return respond.problem(
        make_error(Errc::not_ready, "database unreachable; the server log says why"));
  }
  if (version.value() != services_.store.expected_schema_version()) {
    return respond.problem(make_error(
        Errc::not_ready, "database schema is at version " + std::to_string(version.value()) +
                             ", this build needs " +
                             std::to_string(services_.store.expected_schema_version())));
  }
  // A server whose every write fails (a full disk) is not ready, though it still reads.
  if (auto health = services_.store.write_health(); health.failing) {
    return respond.problem(make_error(
        Errc::not_ready, "writes are failing: " + std::to_string(health.consecutive_failures) +
                             " failed commit(s) since " + format_rfc3339(health.failing_since) +
                             "; the server log has the database's error"));
  }
  respond(json_response(200, boost::json::object{{"status", "ready"},
                                                 {"schema_version", version.value()}}));
}

void App::metrics(Request&, Responder respond) {
  Response r;
  r.status = 200;
  r.content_type = "text/plain; version=0.0.4; charset=utf-8";
  r.body = services_.metrics.render();
  respond(std::move(r));
}

std::span<const RouteDef> ops_routes() {
  static constexpr RouteDef kRoutes[] = {
      {Method::get, "/healthz", AuthScheme::none, &App::healthz},
      {Method::get, "/readyz", AuthScheme::none, &App::readyz},
      {Method::get, "/metrics", AuthScheme::none, &App::metrics},
  };
  return kRoutes;
}

}  // namespace paddock::api
