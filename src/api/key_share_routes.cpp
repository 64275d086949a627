// Key-share routes: sharing a digital key for a task, the recipient's device verification and
// acceptance (the credential), decline, return, revoke, the vehicle's keys and key audit log.
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include <cmath>

#include "api/app.hpp"
#include "api/json_input.hpp"
#include "api/query.hpp"
#include "keys/key_share_service.hpp"

namespace paddock::api {
namespace {

namespace json = boost::json;

constexpr std::size_t kMaxTaskBytes = 32;
constexpr std::size_t kMaxUsernameBytes = 256;
constexpr std::size_t kMaxIdBytes = 128;
constexpr std::size_t kMaxTimeBytes = 64;
constexpr std::size_t kMaxRightNames = 16;
constexpr std::size_t kMaxRightBytes = 32;
constexpr std::size_t kMaxSignatureBytes = 128;
constexpr std::size_t kMaxCodeBytes = 32;

Error field_error(std::string field, std::string detail) {
  return make_error(Errc::invalid_field, std::move(detail), std::move(field));
}

Result<std::optional<UnixMillis>> optional_time(const json::object& body, std::string_view field) {
  auto text = optional_string(body, field, kMaxTimeBytes);
  if (!text) return text.take_error();
  if (!*text) return std::optional<UnixMillis>();
  auto t = parse_rfc3339(**text);
  if (!t) {
    return field_error(std::string(field),
                       std::string(field) + " must be an RFC 3339 date-time with a time zone");
  }
  return std::optional<UnixMillis>(*t);
}

Result<std::optional<std::int64_t>> optional_integer(const json::object& body,
                                                     std::string_view field) {
  const auto* v = body.if_contains(field);
  if (!v || v->is_null()) return std::optional<std::int64_t>();
  if (v->is_int64()) return std::optional<std::int64_t>(v->get_int64());
  if (v->is_uint64()) return field_error(std::string(field), std::string(field) + " is too large");
  return field_error(std::string(field), std::string(field) + " must be an integer");
}

Result<double> required_number(const json::object& body, std::string_view field,
                               const std::string& path) {
  const auto* v = body.if_contains(field);
  if (v && v->is_double() && std::isfinite(v->get_double())) return v->get_double();
  if (v && v->is_int64()) return static_cast<double>(v->get_int64());
  return field_error(path, path + " must be a number");
}

Result<std::optional<keys::Geofence>> optional_place(const json::object& body) {
  const auto* v = body.if_contains("place");
  if (!v || v->is_null()) return std::optional<keys::Geofence>();
  if (!v->is_object()) return field_error("place", "place must be an object {lat, lon, radius_m}");
  const auto& o = v->get_object();
  auto lat = required_number(o, "lat", "place.lat");
  if (!lat) return lat.take_error();
  auto lon = required_number(o, "lon", "place.lon");
  if (!lon) return lon.take_error();
  auto radius = required_number(o, "radius_m", "place.radius_m");
  if (!radius) return radius.take_error();
  return std::optional(keys::Geofence{*lat, *lon, *radius});
}

Result<std::optional<std::vector<std::string>>> optional_rights(const json::object& body) {
  const auto* v = body.if_contains("rights");
  if (!v || v->is_null()) return std::optional<std::vector<std::string>>();
  if (!v->is_array() || v->get_array().size() > kMaxRightNames) {
    return field_error("rights", "rights must be an array of at most 16 action names");
  }
  std::vector<std::string> names;
  for (const auto& item : v->get_array()) {
    if (!item.is_string() || item.get_string().size() > kMaxRightBytes) {
      return field_error("rights", "rights must be an array of action names");
    }
    names.emplace_back(item.get_string());
  }
  return std::optional(std::move(names));
}

Result<keys::ShareRequest> share_request(const json::object& body) {
  keys::ShareRequest r;
  auto task = required_string(body, "task", kMaxTaskBytes);
  if (!task) return task.take_error();
  r.task = std::move(*task);
  const auto* recipient = body.if_contains("recipient");
  if (!recipient || !recipient->is_object()) {
    return field_error("recipient", "recipient must be an object {\"username\"}");
  }
  auto username = required_string(recipient->get_object(), "username", kMaxUsernameBytes);
  if (!username) return field_error("recipient.username", "recipient.username must be a string");
  r.recipient_username = std::move(*username);
  auto device = optional_string(body, "device_id", kMaxIdBytes);
  if (!device) return device.take_error();
  r.device_id = std::move(*device);
  auto not_before = optional_time(body, "not_before");
  if (!not_before) return not_before.take_error();
  r.not_before = *not_before;
  auto not_after = optional_time(body, "not_after");
  if (!not_after) return not_after.take_error();
  r.not_after = *not_after;
  auto place = optional_place(body);
  if (!place) return place.take_error();
  r.place = *place;
  auto rights = optional_rights(body);
  if (!rights) return rights.take_error();
  r.rights = std::move(*rights);
  auto max_uses = optional_integer(body, "max_uses");
  if (!max_uses) return max_uses.take_error();
  r.max_uses = *max_uses;
  auto max_speed = optional_integer(body, "max_speed_kmh");
  if (!max_speed) return max_speed.take_error();
  r.max_speed_kmh = *max_speed;
  auto note = optional_string(body, "note", keys::kMaxNoteBytes);
  if (!note) return note.take_error();
  r.note = note->value_or("");
  return r;
}

Callback<keys::ShareView> reply_share(Responder respond, bool with_credential) {
  return [respond, with_credential](Result<keys::ShareView> view) {
    if (!view) return respond.problem(view.error());
    respond(json_response(200, keys::share_object(*view, with_credential)));
  };
}

json::object audit_line(const keys::KeyAuditRecord& a) {
  return {{"seq", a.seq},
          {"vehicle_id", a.vehicle_id},
          {"share_id", a.share_id ? json::value(*a.share_id) : json::value(nullptr)},
          {"credential_id", a.credential_id ? json::value(*a.credential_id) : json::value(nullptr)},
          {"actor", json::object{{"kind", a.actor_kind}, {"id", a.actor_id}}},
          {"action", a.action},
          {"detail", a.detail},
          {"at", format_rfc3339(a.at)}};
}

}  // namespace

void App::create_key_share(Request& request, Responder respond) {
  const Principal& who = request.principal;
  auto body = parse_json_object(request);
  if (!body) return respond.problem(body.error());
  auto parsed = share_request(*body);
  if (!parsed) return respond.problem(parsed.error());
  services_.key_shares.share(
      who.user_id, request.params[0], std::move(*parsed),
      [respond](Result<keys::ShareCreated> created) {
        if (!created) return respond.problem(created.error());
        json::object o = keys::share_object(created->share, false);
        if (created->code) o["code"] = *created->code;
        respond(json_response(201, o));
      });
}

void App::get_key_share(Request& request, Responder respond) {
  const Principal& who = request.principal;
  bool with_credential = false;
  auto view = services_.key_shares.get(who.user_id, request.params[0], with_credential);
  if (!view) return respond.problem(view.error());
  respond(json_response(200, keys::share_object(*view, with_credential)));
}

void App::create_key_share_challenge(Request& request, Responder respond) {
  const Principal& who = request.principal;
  auto body = parse_json_object(request);
  if (!body) return respond.problem(body.error());
  auto device = required_string(*body, "device_id", kMaxIdBytes);
  if (!device) return respond.problem(device.error());
  services_.key_shares.challenge(
      who.user_id, request.params[0], *device,
      [respond](Result<keys::AcceptChallenge> c) {
        if (!c) return respond.problem(c.error());
        respond(json_response(201, json::object{{"nonce", c->nonce},
                                                {"signing_input", c->signing_input},
                                                {"expires_at", format_rfc3339(c->expires_at)}}));
      });
}

void App::accept_key_share(Request& request, Responder respond) {
  const Principal& who = request.principal;
  auto body = parse_json_object(request);
  if (!body) return respond.problem(body.error());
  auto device = required_string(*body, "device_id", kMaxIdBytes);
  if (!device) return respond.problem(device.error());
  auto signature = required_string(*body, "signature", kMaxSignatureBytes);
  if (!signature) return respond.problem(signature.error());
  auto code = optional_string(*body, "code", kMaxCodeBytes);
  if (!code) return respond.problem(code.error());
  services_.key_shares.accept(who.user_id, request.params[0], *device, *signature,
                              std::move(*code), reply_share(respond, true));
}

void App::decline_key_share(Request& request, Responder respond) {
  services_.key_shares.decline(request.principal.user_id, request.params[0],
                               reply_share(respond, false));
}

void App::return_key_share(Request& request, Responder respond) {
  services_.key_shares.give_back(request.principal.user_id, request.params[0],
                                 reply_share(respond, false));
}

void App::revoke_key_share(Request& request, Responder respond) {
  services_.key_shares.revoke(request.principal.user_id, request.params[0],
                              reply_share(respond, false));
}

void App::list_vehicle_keys(Request& request, Responder respond) {
  auto listed = services_.key_shares.list(request.principal.user_id, request.params[0]);
  if (!listed) return respond.problem(listed.error());
  json::array keys;
  for (const auto& v : *listed) keys.push_back(keys::share_object(v, false));
  respond(json_response(200, json::object{{"keys", std::move(keys)}}));
}

void App::list_key_audit(Request& request, Responder respond) {
  auto after = query_int(request.query, "after", 0, INT64_MAX, 0);
  if (!after) return respond.problem(after.error());
  auto limit = query_int(request.query, "limit", 1, keys::kMaxAuditPage, 50);
  if (!limit) return respond.problem(limit.error());
  auto page = services_.key_shares.audit(request.principal.user_id, request.params[0], *after,
                                         static_cast<int>(*limit));
  if (!page) return respond.problem(page.error());
  json::array lines;
  for (const auto& a : page->records) lines.push_back(audit_line(a));
  respond(json_response(200, json::object{{"audit", std::move(lines)},
                                          {"next", page->next ? json::value(*page->next)
                                                              : json::value(nullptr)}}));
}

std::span<const RouteDef> key_share_routes() {
  static constexpr RouteDef kRoutes[] = {
      {Method::post, "/v1/vehicles/{id}/key-shares", AuthScheme::user, &App::create_key_share},
      {Method::get, "/v1/vehicles/{id}/keys", AuthScheme::user, &App::list_vehicle_keys},
      {Method::get, "/v1/vehicles/{id}/key-audit", AuthScheme::user, &App::list_key_audit},
      {Method::get, "/v1/key-shares/{id}", AuthScheme::user, &App::get_key_share},
      {Method::post, "/v1/key-shares/{id}/challenge", AuthScheme::user,
       &App::create_key_share_challenge},
      {Method::post, "/v1/key-shares/{id}/accept", AuthScheme::user, &App::accept_key_share},
      {Method::post, "/v1/key-shares/{id}/decline", AuthScheme::user, &App::decline_key_share},
      {Method::post, "/v1/key-shares/{id}/return", AuthScheme::user, &App::return_key_share},
      {Method::post, "/v1/key-shares/{id}/revoke", AuthScheme::user, &App::revoke_key_share},
  };
  return kRoutes;
}

}  // namespace paddock::api
