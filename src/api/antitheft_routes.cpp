// Anti-theft routes: a vehicle owner's low-charge threshold and the idTags that identify the
// car at a charging pile.
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include "antitheft/anti_theft.hpp"
#include "antitheft/lock_workflow.hpp"
#include "api/app.hpp"
#include "api/json_input.hpp"

namespace paddock::api {
namespace {

namespace json = boost::json;

json::object settings_view(const antitheft::AntiTheftSettings& s) {
  json::array tags;
  for (const auto& tag : s.id_tags) tags.emplace_back(tag);
  return {{"vehicle_id", s.vehicle_id},
          {"low_charge_threshold_percent", s.low_charge_threshold_percent},
          {"id_tags", std::move(tags)},
          {"updated_at", s.updated_at ? json::value(format_rfc3339(s.updated_at))
                                      : json::value(nullptr)}};
}

Error invalid(std::string detail, std::string field) {
  return make_error(Errc::invalid_field, std::move(detail), std::move(field));
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
    return respond.problem(invalid("low_charge_threshold_percent must be an integer",
                                   "low_charge_threshold_percent"));
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
  const std::int64_t percent = threshold->get_int64();
  services_.antitheft->put_settings(
      request.principal.user_id, request.params[0],
      percent < 0 || percent > 100 ? -1 : static_cast<int>(percent), std::move(id_tags),
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

std::span<const RouteDef> antitheft_routes() {
  static constexpr RouteDef kRoutes[] = {
      {Method::put, "/v1/vehicles/{id}/anti-theft", AuthScheme::user, &App::put_anti_theft},
      {Method::get, "/v1/vehicles/{id}/anti-theft", AuthScheme::user, &App::get_anti_theft},
      {Method::post, "/v1/vehicles/{id}/lock", AuthScheme::user, &App::lock_vehicle},
      {Method::get, "/v1/vehicles/{id}/lock", AuthScheme::user, &App::get_vehicle_lock},
      {Method::post, "/v1/vehicles/{id}/unlock", AuthScheme::user, &App::unlock_vehicle},
  };
  return kRoutes;
}

}  // namespace paddock::api
