#include "keys/share_view.hpp"

#include <boost/json/array.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <cmath>

#include "core/clock.hpp"

namespace paddock::keys {
namespace {

namespace json = boost::json;

Error damaged(std::string_view what) {
  return make_error(Errc::internal, "stored key share " + std::string(what) + " is damaged");
}

json::object geofence_object(const Geofence& g) {
  return {{"lat", g.lat}, {"lon", g.lon}, {"radius_m", g.radius_m}};
}

std::optional<double> number(const json::value* v) {
  if (!v) return std::nullopt;
  if (v->is_double()) return v->get_double();
  if (v->is_int64()) return static_cast<double>(v->get_int64());
  if (v->is_uint64()) return static_cast<double>(v->get_uint64());
  return std::nullopt;
}

}  // namespace

std::string encode_rights(const Rights& r) {
  json::array actions;
  for (const auto& name : action_names(r.actions)) actions.emplace_back(name);
  json::object o{{"actions", std::move(actions)}};
  if (r.max_speed_kmh) o["max_speed_kmh"] = *r.max_speed_kmh;
  if (r.max_uses) o["max_uses"] = *r.max_uses;
  if (r.max_duration_minutes) o["max_duration_minutes"] = *r.max_duration_minutes;
  if (r.max_radius_m) o["max_radius_m"] = *r.max_radius_m;
  if (r.geofence) o["geofence"] = geofence_object(*r.geofence);
  return json::serialize(o);
}

Result<Rights> decode_rights(std::string_view text) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec || !v.is_object()) return damaged("rights");
  const auto& o = v.get_object();
  Rights r;
  const auto* actions = o.if_contains("actions");
  if (!actions || !actions->is_array()) return damaged("rights");
  for (const auto& a : actions->get_array()) {
    if (!a.is_string()) return damaged("rights");
    auto action = parse_action(a.get_string());
    if (!action) return damaged("rights");
    r.actions.add(*action);
  }
  auto integer = [&](const char* key) -> std::optional<std::int64_t> {
    const auto* x = o.if_contains(key);
    if (!x || !x->is_int64()) return std::nullopt;
    return x->get_int64();
  };
  if (auto v = integer("max_speed_kmh")) r.max_speed_kmh = static_cast<int>(*v);
  if (auto v = integer("max_uses")) r.max_uses = static_cast<int>(*v);
  if (auto v = integer("max_duration_minutes")) r.max_duration_minutes = *v;
  if (auto v = number(o.if_contains("max_radius_m"))) r.max_radius_m = *v;
  if (const auto* g = o.if_contains("geofence")) {
    if (!g->is_object()) return damaged("rights");
    auto lat = number(g->get_object().if_contains("lat"));
    auto lon = number(g->get_object().if_contains("lon"));
    auto radius = number(g->get_object().if_contains("radius_m"));
    if (!lat || !lon || !radius) return damaged("rights");
    r.geofence = Geofence{*lat, *lon, *radius};
  }
  return r;
}

std::string encode_refusals(const std::vector<Refusal>& refused) {
  json::array a;
  for (const auto& r : refused) a.push_back(json::object{{"right", r.right}, {"reason", r.reason}});
  return json::serialize(a);
}

Result<std::vector<Refusal>> decode_refusals(std::string_view text) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec || !v.is_array()) return damaged("refusals");
  std::vector<Refusal> out;
  for (const auto& item : v.get_array()) {
    const auto* o = item.if_object();
    const json::value* right = o ? o->if_contains("right") : nullptr;
    const json::value* reason = o ? o->if_contains("reason") : nullptr;
    if (!right || !reason || !right->is_string() || !reason->is_string()) {
      return damaged("refusals");
    }
    out.push_back({std::string(right->get_string()), std::string(reason->get_string())});
  }
  return out;
}

std::string join_verification(const std::vector<std::string>& required) {
  std::string out;
  for (const auto& r : required) {
    if (!out.empty()) out += ',';
    out += r;
  }
  return out;
}

std::vector<std::string> split_verification(std::string_view text) {
  std::vector<std::string> out;
  while (!text.empty()) {
    auto comma = text.find(',');
    out.emplace_back(text.substr(0, comma));
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  return out;
}

Result<ShareView> view_of(KeyShareRecord record) {
  PADDOCK_ASSIGN(rights, decode_rights(record.rights));
  PADDOCK_ASSIGN(refused, decode_refusals(record.refused));
  auto verification = split_verification(record.verification);
  return ShareView{std::move(record), std::move(rights), std::move(refused),
                   std::move(verification)};
}

boost::json::object share_object(const ShareView& v, bool with_credential) {
  const KeyShareRecord& r = v.record;
  json::array rights;
  for (const auto& name : action_names(v.rights.actions)) rights.emplace_back(name);
  json::array refused;
  for (const auto& x : v.refused) {
    refused.push_back(json::object{{"right", x.right}, {"reason", x.reason}});
  }
  json::array required;
  for (const auto& x : v.verification) required.emplace_back(x);
  json::object o{{"id", r.id},
                 {"vehicle_id", r.vehicle_id},
                 {"task", r.task},
                 {"sharer_id", r.sharer_id},
                 {"recipient_id", r.recipient_id},
                 {"device_id", r.device_id ? json::value(*r.device_id) : json::value(nullptr)},
                 {"status", r.status},
                 {"rights", std::move(rights)},
                 {"refused", std::move(refused)},
                 {"not_before", format_rfc3339(r.not_before)},
                 {"not_after", format_rfc3339(r.not_after)},
                 {"max_uses", r.max_uses ? json::value(*r.max_uses) : json::value(nullptr)},
                 {"max_speed_kmh", v.rights.max_speed_kmh ? json::value(*v.rights.max_speed_kmh)
                                                          : json::value(nullptr)},
                 {"place", v.rights.geofence ? json::value(geofence_object(*v.rights.geofence))
                                             : json::value(nullptr)},
                 {"verification", json::object{{"required", std::move(required)},
                                               {"failed_attempts", r.failed_attempts}}},
                 {"note", r.note},
                 {"created_at", format_rfc3339(r.created_at)},
                 {"updated_at", format_rfc3339(r.updated_at)}};
  if (r.credential_id) {
    o["credential_id"] = *r.credential_id;
    o["kid"] = r.kid.value_or("");
    if (r.issued_at) o["issued_at"] = format_rfc3339(*r.issued_at);
    if (r.credential_expires_at) o["expires_at"] = format_rfc3339(*r.credential_expires_at);
  }
  if (with_credential && r.credential) o["credential"] = *r.credential;
  return o;
}

std::string share_json(const ShareView& view, bool with_credential) {
  return json::serialize(share_object(view, with_credential));
}

vehicle::Rights credential_rights(const Rights& rights) {
  vehicle::Rights out;
  for (Action a : kActions) {
    if (!rights.actions.has(a)) continue;
    if (a == Action::reshare) {
      out.reshare = true;
    } else if (auto car = vehicle::parse_action(name_of(a))) {
      out.grant(*car);
    }
  }
  if (rights.max_speed_kmh) out.max_speed_kmh = static_cast<std::uint32_t>(*rights.max_speed_kmh);
  if (rights.max_uses) out.max_uses = static_cast<std::uint32_t>(*rights.max_uses);
  if (rights.geofence) {
    double radius = std::max(1.0, std::floor(rights.geofence->radius_m));
    out.geofence = vehicle::Geofence{rights.geofence->lat, rights.geofence->lon,
                                     static_cast<std::uint32_t>(std::min(radius, 4.0e9))};
  }
  return out;
}

}  // namespace paddock::keys
