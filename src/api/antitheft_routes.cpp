// Anti-theft routes: a vehicle owner's low-charge threshold and the idTags that identify the
// car at a charging pile.
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include "antitheft/anti_theft.hpp"
#include "antitheft/lock_workflow.hpp"
#include "antitheft/telemetry.hpp"
#include "api/app.hpp"
#include "api/json_input.hpp"
#include "ocpp/central_system.hpp"

namespace paddock::api {
namespace {

namespace json = boost::json;

Error invalid(std::string detail, std::string field) {
  return make_error(Errc::invalid_field, std::move(detail), std::move(field));
}

json::object settings_view(const antitheft::AntiTheftSettings& s) {
  json::array tags;
  for (const auto& tag : s.id_tags) tags.emplace_back(tag);
  return {{"vehicle_id", s.vehicle_id},
          {"low_charge_threshold_percent", s.low_charge_threshold_percent},
          {"id_tags", std::move(tags)},
          {"updated_at",
           s.updated_at ? json::value(format_rfc3339(s.updated_at)) : json::value(nullptr)},
          {"vehicle_platform_id",
           s.vehicle_platform_id ? json::value(*s.vehicle_platform_id) : json::value(nullptr)}};
}

constexpr std::size_t kMaxPlatformNameBytes = 1024;

// A JSON number as a double, within [min, max]; `field` names it in the error.
Result<std::optional<double>> optional_number(const json::object& o, std::string_view key,
                                              double min, double max, const std::string& field) {
  const json::value* v = o.if_contains(key);
  if (!v || v->is_null()) return std::optional<double>();
  if (!v->is_number()) return invalid(field + " must be a number", field);
  double d = v->to_number<double>();
  if (!(d >= min && d <= max)) {
    return invalid(field + " must be from " + std::to_string(min) + " to " + std::to_string(max),
                   field);
  }
  return std::optional<double>(d);
}

Result<antitheft::TelemetryReport> parse_report(const json::value& value, const std::string& at) {
  auto field = [&](std::string_view name) { return at + std::string(name); };
  if (!value.is_object()) return invalid("a report is an object", at.empty() ? "reports" : at);
  const json::object& o = value.get_object();
  antitheft::TelemetryReport r;
  for (const char* key : {"vin", "vehicle_id", "charge_point_id"}) {
    const json::value* v = o.if_contains(key);
    if (!v || v->is_null()) continue;
    if (!v->is_string() || v->get_string().empty() || v->get_string().size() > 64) {
      return invalid(field(key) + " must be a string of 1 to 64 bytes", field(key));
    }
    std::string text(v->get_string());
    if (std::string_view(key) == "vin") r.vin = text;
    if (std::string_view(key) == "vehicle_id") r.vehicle_id = text;
    if (std::string_view(key) == "charge_point_id") r.charge_point_id = text;
  }
  if (r.vin.has_value() == r.vehicle_id.has_value()) {
    return invalid("give exactly one of vin and vehicle_id", field("vin"));
  }
  PADDOCK_ASSIGN(soc, optional_number(o, "soc_percent", 0, 100, field("soc_percent")));
  if (!soc) return invalid(field("soc_percent") + " is required", field("soc_percent"));
  r.soc_percent = *soc;
  if (const json::value* position = o.if_contains("position"); position && !position->is_null()) {
    if (!position->is_object()) return invalid("position is {lat, lon}", field("position"));
    PADDOCK_ASSIGN(lat,
                   optional_number(position->get_object(), "lat", -90, 90, field("position.lat")));
    PADDOCK_ASSIGN(
        lon, optional_number(position->get_object(), "lon", -180, 180, field("position.lon")));
    if (!lat || !lon) return invalid("position is {lat, lon}", field("position"));
    r.latitude = lat;
    r.longitude = lon;
  }
  PADDOCK_ASSIGN(speed, optional_number(o, "speed_kmh", 0, 1000, field("speed_kmh")));
  PADDOCK_ASSIGN(odometer, optional_number(o, "odometer_km", 0, 1e7, field("odometer_km")));
  r.speed_kmh = speed;
  r.odometer_km = odometer;
  if (const json::value* c = o.if_contains("connector_id"); c && !c->is_null()) {
    if (!c->is_int64() || c->get_int64() < 1 || c->get_int64() > 1000) {
      return invalid(field("connector_id") + " must be an integer from 1", field("connector_id"));
    }
    r.connector_id = static_cast<int>(c->get_int64());
  }
  if (r.connector_id.has_value() != r.charge_point_id.has_value()) {
    return invalid("give charge_point_id and connector_id together", field("connector_id"));
  }
  const json::value* time = o.if_contains("at");
  auto parsed = time && time->is_string() ? ocpp::parse_date_time(time->get_string())
                                          : std::optional<UnixMillis>();
  if (!parsed) return invalid(field("at") + " must be an RFC 3339 date-time", field("at"));
  r.at = *parsed;
  return r;
}

constexpr std::size_t kMaxReasonBytes = 1024;
constexpr std::size_t kMaxPasswordInputBytes = 4096;

json::object lock_view(const antitheft::LockView& v) {
  json::object view = antitheft::LockWorkflow::view(v.lock);
  json::array audit;
  for (const auto& e : v.audit) {
    audit.push_back({{"at", format_rfc3339(e.at)}, {"state", e.state}, {"note", e.note}});
  }
  view["audit"] = std::move(audit);
  return view;
}

}  // namespace

void App::put_anti_theft(Request& request, Responder respond) {
  if (!services_.antitheft) {
    return respond.problem(make_error(Errc::not_ready, "this server runs without anti-theft"));
  }
  auto body = parse_json_object(request);
  if (!body) return respond.problem(body.error());
  const json::value* threshold = body->if_contains("low_charge_threshold_percent");
  if (!threshold || !threshold->is_int64()) {
    return respond.problem(
        invalid("low_charge_threshold_percent must be an integer", "low_charge_threshold_percent"));
  }
  const json::value* tags = body->if_contains("id_tags");
  if (!tags || !tags->is_array() || tags->get_array().size() > antitheft::kMaxIdTags) {
    return respond.problem(invalid("id_tags must be an array of at most 10 strings", "id_tags"));
  }
  std::vector<std::string> id_tags;
  for (const auto& tag : tags->get_array()) {
    if (!tag.is_string()) return respond.problem(invalid("every idTag is a string", "id_tags"));
    id_tags.emplace_back(tag.get_string());
  }
  std::optional<std::string> platform;
  if (const json::value* p = body->if_contains("vehicle_platform_id"); p && !p->is_null()) {
    if (!p->is_string()) {
      return respond.problem(
          invalid("vehicle_platform_id must be a string or null", "vehicle_platform_id"));
    }
    platform = std::string(p->get_string());
  }
  const std::int64_t percent = threshold->get_int64();
  services_.antitheft->put_settings(request.principal.user_id, request.params[0],
                                    percent < 0 || percent > 100 ? -1 : static_cast<int>(percent),
                                    std::move(id_tags), std::move(platform),
                                    [respond](Result<antitheft::AntiTheftSettings> saved) {
                                      if (!saved) return respond.problem(saved.error());
                                      respond(json_response(200, settings_view(*saved)));
                                    });
}

void App::get_anti_theft(Request& request, Responder respond) {
  if (!services_.antitheft) {
    return respond.problem(make_error(Errc::not_ready, "this server runs without anti-theft"));
  }
  auto settings = services_.antitheft->settings(request.principal.user_id, request.params[0]);
  if (!settings) return respond.problem(settings.error());
  respond(json_response(200, settings_view(*settings)));
}

void App::lock_vehicle(Request& request, Responder respond) {
  if (!services_.locks) {
    return respond.problem(make_error(Errc::not_ready, "this server runs without locks"));
  }
  auto body = parse_json_object(request);
  if (!body) return respond.problem(body.error());
  auto reason = required_string(*body, "reason", kMaxReasonBytes);
  if (!reason) return respond.problem(reason.error());
  auto password = required_string(*body, "password", kMaxPasswordInputBytes);
  if (!password) return respond.problem(password.error());
  services_.locks->lock(request.principal.user_id, request.params[0], std::move(*reason),
                        std::move(*password), request.remote_address,
                        [respond](Result<antitheft::LockView> lock) {
                          if (!lock) return respond.problem(lock.error());
                          respond(json_response(202, lock_view(*lock)));
                        });
}

void App::unlock_vehicle(Request& request, Responder respond) {
  if (!services_.locks) {
    return respond.problem(make_error(Errc::not_ready, "this server runs without locks"));
  }
  auto body = parse_json_object(request);
  if (!body) return respond.problem(body.error());
  auto password = required_string(*body, "password", kMaxPasswordInputBytes);
  if (!password) return respond.problem(password.error());
  services_.locks->unlock(request.principal.user_id, request.params[0], std::move(*password),
                          request.remote_address, [respond](Result<antitheft::LockView> lock) {
                            if (!lock) return respond.problem(lock.error());
                            respond(json_response(200, lock_view(*lock)));
                          });
}

void App::get_vehicle_lock(Request& request, Responder respond) {
  if (!services_.locks) {
    return respond.problem(make_error(Errc::not_ready, "this server runs without locks"));
  }
  auto lock = services_.locks->get(request.principal.user_id, request.params[0]);
  if (!lock) return respond.problem(lock.error());
  respond(json_response(200, lock_view(*lock)));
}

void App::create_vehicle_platform(Request& request, Responder respond) {
  if (!services_.telemetry) {
    return respond.problem(make_error(Errc::not_ready, "this server runs without telemetry"));
  }
  auto body = parse_json_object(request);
  if (!body) return respond.problem(body.error());
  auto name = required_string(*body, "name", kMaxPlatformNameBytes);
  if (!name) return respond.problem(name.error());
  services_.telemetry->register_platform(
      request.principal.user_id, std::move(*name),
      [respond](Result<antitheft::IssuedPlatform> issued) {
        if (!issued) return respond.problem(issued.error());
        respond(json_response(
            201, json::object{{"id", issued->platform.id},
                              {"name", issued->platform.name},
                              {"secret", issued->secret},
                              {"created_at", format_rfc3339(issued->platform.created_at)}}));
      });
}

void App::post_telemetry(Request& request, Responder respond) {
  if (!services_.telemetry) {
    return respond.problem(make_error(Errc::not_ready, "this server runs without telemetry"));
  }
  auto body = parse_json_object(request);
  if (!body) return respond.problem(body.error());
  std::vector<antitheft::TelemetryReport> reports;
  if (const json::value* batch = body->if_contains("reports")) {
    if (!batch->is_array() || batch->get_array().empty() ||
        batch->get_array().size() > antitheft::kMaxReportsPerBatch) {
      return respond.problem(invalid("reports holds 1 to 100 reports", "reports"));
    }
    for (std::size_t i = 0; i < batch->get_array().size(); ++i) {
      auto report = parse_report(batch->get_array()[i], "reports[" + std::to_string(i) + "].");
      if (!report) return respond.problem(report.error());
      reports.push_back(std::move(*report));
    }
  } else {
    auto report = parse_report(*body, "");
    if (!report) return respond.problem(report.error());
    reports.push_back(std::move(*report));
  }
  services_.telemetry->report(
      request.principal.vehicle_platform_id, std::move(reports),
      [respond](Result<antitheft::TelemetryOutcome> outcome) {
        if (!outcome) return respond.problem(outcome.error());
        respond(
            json_response(200, json::object{{"accepted", outcome->accepted},
                                            {"low_charge_events", outcome->low_charge_events}}));
      });
}

std::span<const RouteDef> antitheft_routes() {
  static constexpr RouteDef kRoutes[] = {
      {Method::put, "/v1/vehicles/{id}/anti-theft", AuthScheme::user, &App::put_anti_theft},
      {Method::get, "/v1/vehicles/{id}/anti-theft", AuthScheme::user, &App::get_anti_theft},
      {Method::post, "/v1/vehicles/{id}/lock", AuthScheme::user, &App::lock_vehicle},
      {Method::get, "/v1/vehicles/{id}/lock", AuthScheme::user, &App::get_vehicle_lock},
      {Method::post, "/v1/vehicles/{id}/unlock", AuthScheme::user, &App::unlock_vehicle},
      {Method::post, "/v1/vehicle-platforms", AuthScheme::user, &App::create_vehicle_platform},
      {Method::post, "/v1/telemetry", AuthScheme::vehicle_platform, &App::post_telemetry},
  };
  return kRoutes;
}

}  // namespace paddock::api
