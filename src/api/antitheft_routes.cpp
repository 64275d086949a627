// Anti-theft routes: a vehicle owner's low-charge threshold and the idTags that identify the
// car at a charging pile.
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include "antitheft/anti_theft.hpp"
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

std::span<const RouteDef> antitheft_routes() {
  static constexpr RouteDef kRoutes[] = {
      {Method::put, "/v1/vehicles/{id}/anti-theft", AuthScheme::user, &App::put_anti_theft},
      {Method::get, "/v1/vehicles/{id}/anti-theft", AuthScheme::user, &App::get_anti_theft},
  };
  return kRoutes;
}

}  // namespace paddock::api
