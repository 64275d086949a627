// Device routes: a user's terminals and their proof of key possession.
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include "api/app.hpp"
#include "api/json_input.hpp"
#include "devices/device_service.hpp"

namespace paddock::api {
namespace {

boost::json::object device_view(const storage::DeviceRecord& d) {
  boost::json::object o{{"id", d.id},
                        {"name", d.name},
                        {"kind", d.kind},
                        {"public_key", d.public_key},
                        {"primary", d.primary},
                        {"verified", d.verified_at.has_value()},
                        {"created_at", format_rfc3339(d.created_at)}};
  o["verified_at"] = d.verified_at ? boost::json::value(format_rfc3339(*d.verified_at))
                                   : boost::json::value(nullptr);
  return o;
}

constexpr std::size_t kMaxNameBytes = 1024;
constexpr std::size_t kMaxKindBytes = 64;
constexpr std::size_t kMaxKeyBytes = 128;

Callback<storage::DeviceRecord> reply_device(Responder respond, int status) {
  return [respond, status](Result<storage::DeviceRecord> device) {
    if (!device) return respond.problem(device.error());
    respond(json_response(status, device_view(*device)));
  };
}

}  // namespace

void App::create_device(Request& request, Responder respond) {
  const Principal& who = request.principal;
  auto body = parse_json_object(request);
  if (!body) return respond.problem(body.error());
  auto name = required_string(*body, "name", kMaxNameBytes);
  if (!name) return respond.problem(name.error());
  auto kind = required_string(*body, "kind", kMaxKindBytes);
  if (!kind) return respond.problem(kind.error());
  auto key = required_string(*body, "public_key", kMaxKeyBytes);
  if (!key) return respond.problem(key.error());
  auto primary = optional_bool(*body, "primary", false);
  if (!primary) return respond.problem(primary.error());

  services_.devices.register_device(
      who.user_id, {std::move(*name), std::move(*kind), std::move(*key), *primary},
      reply_device(respond, 201));
}

void App::list_devices(Request& request, Responder respond) {
  const Principal& who = request.principal;
  auto listed = services_.devices.list(who.user_id);
  if (!listed) return respond.problem(listed.error());
  boost::json::array devices;
  for (const auto& d : *listed) devices.push_back(device_view(d));
  respond(json_response(200, boost::json::object{{"devices", std::move(devices)}}));
}

void App::delete_device(Request& request, Responder respond) {
  const Principal& who = request.principal;
  services_.devices.remove(who.user_id, request.params[0], [respond](Result<bool> done) {
    if (!done) return respond.problem(done.error());
    respond(empty_response(204));
  });
}

void App::create_device_challenge(Request& request, Responder respond) {
  const Principal& who = request.principal;
  services_.devices.issue_challenge(
      who.user_id, request.params[0], [respond](Result<devices::Challenge> challenge) {
        if (!challenge) return respond.problem(challenge.error());
        respond(json_response(201, boost::json::object{
                                       {"nonce", challenge->nonce},
                                       {"signing_input", challenge->signing_input},
                                       {"expires_at", format_rfc3339(challenge->expires_at)}}));
      });
}

void App::verify_device(Request& request, Responder respond) {
  const Principal& who = request.principal;
  auto body = parse_json_object(request);
  if (!body) return respond.problem(body.error());
  auto nonce = required_string(*body, "nonce", 128);
  if (!nonce) return respond.problem(nonce.error());
  auto signature = required_string(*body, "signature", 256);
  if (!signature) return respond.problem(signature.error());
  services_.devices.verify(who.user_id, request.params[0], *nonce, *signature,
                           reply_device(respond, 200));
}

std::span<const RouteDef> device_routes() {
  static constexpr RouteDef kRoutes[] = {
      {Method::post, "/v1/devices", AuthScheme::user, &App::create_device},
      {Method::get, "/v1/devices", AuthScheme::user, &App::list_devices},
      {Method::del, "/v1/devices/{id}", AuthScheme::user, &App::delete_device},
      {Method::post, "/v1/devices/{id}/challenge", AuthScheme::user,
       &App::create_device_challenge},
      {Method::post, "/v1/devices/{id}/verify", AuthScheme::user, &App::verify_device},
  };
  return kRoutes;
}

}  // namespace paddock::api
