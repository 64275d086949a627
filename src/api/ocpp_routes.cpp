// OCPP routes: operators register and inspect their charge points and make central-system
// calls to them; a charge point connects its OCPP-J WebSocket at /ocpp/{chargePointId}.
#include <boost/json/object.hpp>

#include "api/app.hpp"
#include "api/json_input.hpp"
#include "api/problem.hpp"
#include "ocpp/central_system.hpp"
#include "ocpp/charge_point_session.hpp"
#include "ocpp/charge_points.hpp"

namespace paddock::api {
namespace {

namespace json = boost::json;

// Generous byte caps on raw input; the domain applies the real rules with clear messages.
constexpr std::size_t kMaxIdBytes = 256;
constexpr std::size_t kMaxPasswordInputBytes = 1024;
constexpr std::size_t kMaxNameBytes = 256;
constexpr std::size_t kMaxActionBytes = 64;

json::value optional_time(const std::optional<UnixMillis>& t) {
  return t ? json::value(format_rfc3339(*t)) : json::value(nullptr);
}

json::object summary_view(const ocpp::ChargePointRecord& c, bool online) {
  return {{"id", c.id},
          {"vendor", c.vendor},
          {"model", c.model},
          {"created_at", format_rfc3339(c.created_at)},
          {"approved", c.approved},
          {"online", online},
          {"last_boot_at", optional_time(c.last_boot_at)},
          {"last_heartbeat_at", optional_time(c.last_heartbeat_at)},
          {"firmware_version", c.firmware_version},
          {"serial_number", c.serial_number}};
}

json::object transaction_view(const ocpp::TransactionRecord& t) {
  json::object view{
      {"transaction_id", t.id},
      {"connector_id", t.connector_id},
      {"id_tag", t.id_tag},
      {"meter_start_wh", t.meter_start},
      {"started_at", format_rfc3339(t.started_at)},
      {"soc_percent", nullptr},
      {"soc_at", optional_time(t.soc_at)},
      {"vehicle_id", t.vehicle_id ? json::value(*t.vehicle_id) : json::value(nullptr)}};
  if (t.soc_percent) view["soc_percent"] = *t.soc_percent;
  return view;
}

// The OCPP services are wired by main; a server built without them says so instead of crashing.
bool ocpp_wired(const Services& services, const Responder& respond) {
  if (services.charge_points && services.central_system) return true;
  respond.problem(make_error(Errc::not_ready, "this server runs without its OCPP central system"));
  return false;
}

}  // namespace

void App::create_charge_point(Request& request, Responder respond) {
  if (!ocpp_wired(services_, respond)) return;
  auto body = parse_json_object(request);
  if (!body) return respond.problem(body.error());
  auto id = required_string(*body, "id", kMaxIdBytes);
  if (!id) return respond.problem(id.error());
  auto password = required_string(*body, "password", kMaxPasswordInputBytes);
  if (!password) return respond.problem(password.error());
  auto vendor = required_string(*body, "vendor", kMaxNameBytes);
  if (!vendor) return respond.problem(vendor.error());
  auto model = required_string(*body, "model", kMaxNameBytes);
  if (!model) return respond.problem(model.error());
  // Absent means approved, as before approval existed; a pile being commissioned is false.
  auto approved = optional_bool(*body, "approved", true);
  if (!approved) return respond.problem(approved.error());
  services_.charge_points->register_charge_point(
      request.principal.user_id,
      {std::move(*id), std::move(*password), std::move(*vendor), std::move(*model), *approved},
      [respond](Result<ocpp::ChargePointRecord> created) {
        if (!created) return respond.problem(created.error());
        respond(json_response(201, summary_view(*created, false)));
      });
}

void App::list_charge_points(Request& request, Responder respond) {
  if (!ocpp_wired(services_, respond)) return;
  auto all = services_.charge_points->list(request.principal.user_id);
  if (!all) return respond.problem(all.error());
  json::array items;
  for (const auto& c : *all)
    items.push_back(summary_view(c, services_.central_system->connected(c.id)));
  respond(json_response(200, json::object{{"charge_points", std::move(items)}}));
}

void App::get_charge_point(Request& request, Responder respond) {
  if (!ocpp_wired(services_, respond)) return;
  auto found = services_.charge_points->get(request.principal.user_id, request.params[0]);
  if (!found) return respond.problem(found.error());
  auto& reads = services_.store.reads().charge_points();
  auto connectors = reads.connectors_of(found->id);
  if (!connectors) return respond.problem(connectors.error());
  auto running = reads.running_transactions(found->id);
  if (!running) return respond.problem(running.error());
  json::object view = summary_view(*found, services_.central_system->connected(found->id));
  json::array connector_views;
  for (const auto& c : *connectors) {
    connector_views.push_back({{"connector_id", c.connector_id},
                               {"status", c.status},
                               {"error_code", c.error_code},
                               {"info", c.info},
                               {"status_at", format_rfc3339(c.status_at)}});
  }
  json::array transaction_views;
  for (const auto& t : *running) transaction_views.push_back(transaction_view(t));
  view["connectors"] = std::move(connector_views);
  view["running_transactions"] = std::move(transaction_views);
  respond(json_response(200, view));
}

void App::call_charge_point(Request& request, Responder respond) {
  if (!ocpp_wired(services_, respond)) return;
  // Ownership first: another operator's pile is not found, whatever the body says.
  auto found = services_.charge_points->get(request.principal.user_id, request.params[0]);
  if (!found) return respond.problem(found.error());
  auto body = parse_json_object(request);
  if (!body) return respond.problem(body.error());
  auto action = required_string(*body, "action", kMaxActionBytes);
  if (!action) return respond.problem(action.error());
  json::object payload;
  if (auto* given = body->if_contains("payload")) {
    if (!given->is_object()) {
      return respond.problem(
          make_error(Errc::invalid_field, "payload must be an object", "payload"));
    }
    payload = given->get_object();
  }
  std::string name = *action;
  services_.central_system->operator_call(
      found->id, std::move(*action), std::move(payload),
      [respond, name](Result<json::object> result) {
        if (!result) return respond.problem(result.error());
        respond(json_response(200, json::object{{"action", name}, {"result", std::move(*result)}}));
      });
}

void App::approve_charge_point(Request& request, Responder respond) {
  if (!ocpp_wired(services_, respond)) return;
  auto* central_system = services_.central_system;
  services_.charge_points->approve(
      request.principal.user_id, request.params[0],
      [respond, central_system](Result<ocpp::ChargePointRecord> approved) {
        if (!approved) return respond.problem(approved.error());
        const bool connected = central_system->connected(approved->id);
        respond(json_response(200, summary_view(*approved, connected)));
        // After the commit: a connected pending pile boots again and is Accepted.
        central_system->approved(approved->id);
      });
}

void App::open_ocpp(Request& request, Responder respond) {
  if (!ocpp_wired(services_, respond)) return;
  if (!request.websocket_upgrade) {
    Response r = problem_response(
        make_error(Errc::upgrade_required, "connect with an OCPP-J WebSocket client"),
        respond.request_id());
    r.headers.emplace_back("Upgrade", "websocket");
    return respond(std::move(r));
  }
  auto upgrade = std::make_shared<StreamUpgrade>();
  upgrade->kind = StreamUpgrade::Kind::websocket;
  upgrade->subprotocols = {"ocpp1.6"};
  // A client offering no subprotocol we speak gets the handshake, then a 1002 close: what
  // OCPP-J 1.6 §3.1.2 asks, and what tells the pile why.
  upgrade->subprotocol_required = true;
  upgrade->principal = request.principal.charge_point_id;
  // Read here, where a handler's reads run (off the I/O thread on PostgreSQL), not when the
  // connection opens on its I/O thread.
  const bool approved = services_.central_system->read_approval(request.principal.charge_point_id);
  upgrade->handler = std::make_shared<ocpp::ChargePointSession>(
      *services_.central_system, request.principal.charge_point_id, approved);
  Response r;
  r.status = 101;
  r.upgrade = std::move(upgrade);
  respond(std::move(r));
}

void App::authenticate_later(AuthScheme scheme, const Request& request,
                             std::function<void(Result<Principal>)> done) {
  if (scheme != AuthScheme::charge_point || !services_.charge_points) {
    return done(make_error(Errc::unauthorized, "this route's authentication is not offered"));
  }
  services_.charge_points->authenticate(request.params.empty() ? std::string() : request.params[0],
                                        request.authorization(), request.remote_address,
                                        [done = std::move(done)](Result<std::string> id) {
                                          if (!id) return done(id.take_error());
                                          Principal p;
                                          p.scheme = AuthScheme::charge_point;
                                          p.charge_point_id = std::move(*id);
                                          done(std::move(p));
                                        });
}

std::span<const RouteDef> ocpp_routes() {
  static constexpr RouteDef kRoutes[] = {
      {Method::post, "/v1/charge-points", AuthScheme::user, &App::create_charge_point},
      {Method::get, "/v1/charge-points", AuthScheme::user, &App::list_charge_points},
      {Method::get, "/v1/charge-points/{id}", AuthScheme::user, &App::get_charge_point},
      {Method::post, "/v1/charge-points/{id}/calls", AuthScheme::user, &App::call_charge_point},
      {Method::post, "/v1/charge-points/{id}/approve", AuthScheme::user,
       &App::approve_charge_point},
      {Method::get, "/ocpp/{chargePointId}", AuthScheme::charge_point, &App::open_ocpp},
  };
  return kRoutes;
}

}  // namespace paddock::api
