// Car routes: the car's side of digital keys. The owner registers the vehicle's head units; a
// head unit (or the owner) fetches the signed revocation list; the car posts signed reports of
// its decisions. Head-unit requests are authenticated by keys/head_unit_auth's signature, a
// report by its own COSE signature.
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include "api/app.hpp"
#include "api/json_input.hpp"
#include "core/clock.hpp"
#include "keys/car_sync_service.hpp"
#include "vehicle/report.hpp"

namespace paddock::api {
namespace {

// A name of 64 characters is at most 256 bytes of UTF-8; a public key is 43 characters.
constexpr std::size_t kMaxHeadUnitNameBytes = 256;
constexpr std::size_t kMaxPublicKeyBytes = 64;
constexpr std::string_view kCoseSign1Type = "application/cose; cose-type=\"cose-sign1\"";

boost::json::object head_unit_view(const keys::HeadUnitRecord& h) {
  return {{"id", h.id},
          {"vehicle_id", h.vehicle_id},
          {"name", h.name},
          {"public_key", h.public_key},
          {"last_report_counter", h.last_report_counter},
          {"created_at", format_rfc3339(h.created_at)}};
}

// A report travels as its raw COSE bytes: application/cose (any parameters) or octet-stream.
bool is_cose_body(std::string_view content_type) {
  const std::string_view media = content_type.substr(0, content_type.find(';'));
  auto trimmed = media;
  while (!trimmed.empty() && trimmed.back() == ' ') trimmed.remove_suffix(1);
  return trimmed == "application/cose" || trimmed == "application/octet-stream";
}

}  // namespace

void App::create_head_unit(Request& request, Responder respond) {
  auto body = parse_json_object(request);
  if (!body) return respond.problem(body.error());
  auto name = required_string(*body, "name", kMaxHeadUnitNameBytes);
  if (!name) return respond.problem(name.error());
  auto public_key = required_string(*body, "public_key", kMaxPublicKeyBytes);
  if (!public_key) return respond.problem(public_key.error());
  services_.car_sync.add_head_unit(request.principal.user_id, request.params[0], *name, *public_key,
                                   [respond](Result<keys::HeadUnitRecord> added) {
                                     if (!added) return respond.problem(added.error());
                                     respond(json_response(201, head_unit_view(*added)));
                                   });
}

void App::list_head_units(Request& request, Responder respond) {
  auto listed = services_.car_sync.list_head_units(request.principal.user_id, request.params[0]);
  if (!listed) return respond.problem(listed.error());
  boost::json::array units;
  for (const auto& h : *listed) units.push_back(head_unit_view(h));
  respond(json_response(200, boost::json::object{{"head_units", std::move(units)}}));
}

void App::delete_head_unit(Request& request, Responder respond) {
  services_.car_sync.remove_head_unit(request.principal.user_id, request.params[0],
                                      request.params[1], [respond](Result<bool> done) {
                                        if (!done) return respond.problem(done.error());
                                        respond(empty_response(204));
                                      });
}

void App::get_revocations(Request& request, Responder respond) {
  const Principal& who = request.principal;
  const UnixMillis now = now_millis();
  auto list = who.scheme == AuthScheme::head_unit
                  ? services_.car_sync.revocations_for_head_unit({who.head_unit_id, who.vehicle_id},
                                                                 request.params[0], now)
                  : services_.car_sync.revocations_for_owner(who.user_id, request.params[0], now);
  if (!list) return respond.problem(list.error());
  Response r;
  r.status = 200;
  r.content_type = std::string(kCoseSign1Type);
  r.body.assign(list->cose.begin(), list->cose.end());
  r.headers.emplace_back("Paddock-Revocation-Version", std::to_string(list->version));
  r.headers.emplace_back("Cache-Control", "no-store");
  respond(std::move(r));
}

void App::create_key_events(Request& request, Responder respond) {
  if (!is_cose_body(request.content_type())) {
    return respond.problem(
        make_error(Errc::unsupported_media_type,
                   "a key report is the raw COSE_Sign1 of paddock-vehicle report: Content-Type "
                   "application/cose"));
  }
  if (request.body.size() > vehicle::kMaxReportBytes) {
    return respond.problem(
        make_error(Errc::payload_too_large,
                   "a report is at most " + std::to_string(vehicle::kMaxReportBytes) + " bytes"));
  }
  std::span<const std::uint8_t> bytes(reinterpret_cast<const std::uint8_t*>(request.body.data()),
                                      request.body.size());
  services_.car_sync.accept_report(
      request.params[0], bytes, [respond](Result<keys::ReportOutcome> accepted) {
        if (!accepted) return respond.problem(accepted.error());
        respond(json_response(200, boost::json::object{{"head_unit_id", accepted->head_unit_id},
                                                       {"counter", accepted->counter},
                                                       {"used", accepted->used},
                                                       {"denied", accepted->denied}}));
      });
}

std::span<const RouteDef> car_routes() {
  static constexpr RouteDef kRoutes[] = {
      {Method::post, "/v1/vehicles/{id}/head-units", AuthScheme::user, &App::create_head_unit},
      {Method::get, "/v1/vehicles/{id}/head-units", AuthScheme::user, &App::list_head_units},
      {Method::del, "/v1/vehicles/{id}/head-units/{headUnitId}", AuthScheme::user,
       &App::delete_head_unit},
      {Method::get, "/v1/vehicles/{id}/revocations", AuthScheme::user_or_head_unit,
       &App::get_revocations},
      // Authenticated by the report's own signature (a registered head unit's key).
      {Method::post, "/v1/vehicles/{id}/key-events", AuthScheme::none, &App::create_key_events},
  };
  return kRoutes;
}

}  // namespace paddock::api
