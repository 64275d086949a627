// Vehicle sharing routes: vehicles, authorized users, the message library, following and
// follower management.
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include <cstdint>
#include <string>
#include <type_traits>

#include "api/app.hpp"
#include "api/json_input.hpp"
#include "api/query.hpp"
#include "core/text.hpp"
#include "sharing/sharing_service.hpp"
#include "sharing/views.hpp"

namespace paddock::api {
namespace {

using sharing::TypeSet;

constexpr std::size_t kMaxShortField = 1024;
constexpr std::size_t kMaxTextBytes = sharing::kMaxMessageChars * 4;

boost::json::array type_array(TypeSet types) {
  boost::json::array out;
  for (auto& name : sharing::type_names(types)) out.emplace_back(name);
  return out;
}

std::string_view role_name(sharing::Role role, bool owner) {
  switch (role) {
    case sharing::Role::member: return owner ? "owner" : "authorized_user";
    case sharing::Role::approved_follower:
    case sharing::Role::follower: return "follower";
    case sharing::Role::stranger: break;
  }
  return "pending_follower";
}

boost::json::array members_json(const std::vector<storage::MemberRecord>& members) {
  boost::json::array out;
  for (const auto& m : members) {
    out.push_back({{"user_id", m.user_id}, {"added_at", format_rfc3339(m.added_at)}});
  }
  return out;
}

boost::json::object vehicle_view(const sharing::VehicleDetails& d, const std::string& viewer) {
  const auto& v = d.vehicle;
  auto policy = sharing::VisibilityPolicy::decode(v.visibility);
  std::string_view role = role_name(d.role, v.owner_id == viewer);
  if (d.role != sharing::Role::member) {
    // A follower sees what the prompt showed, and no more.
    return {{"id", v.id},
            {"nickname", v.nickname},
            {"visible_types", type_array(policy.visible_to(d.role))},
            {"follower_count", d.follower_count},
            {"requires_approval", v.requires_approval},
            {"role", role}};
  }
  boost::json::object visibility;
  for (int i = 0; i < sharing::kMessageTypeCount; ++i) {
    auto type = static_cast<sharing::MessageType>(i);
    visibility[sharing::type_name(type)] = sharing::audience_name(policy.audience(type));
  }
  boost::json::object o{{"id", v.id},
                        {"owner_id", v.owner_id},
                        {"nickname", v.nickname},
                        {"visibility", std::move(visibility)},
                        {"requires_approval", v.requires_approval},
                        {"follower_count", d.follower_count},
                        {"authorized_users", members_json(d.authorized_users)},
                        {"role", role},
                        {"created_at", format_rfc3339(v.created_at)}};
  o["vin"] = v.vin ? boost::json::value(*v.vin) : boost::json::value(nullptr);
  if (v.plate_number && v.plate_region) {
    o["plate"] = boost::json::object{{"number", *v.plate_number}, {"region", *v.plate_region}};
  } else {
    o["plate"] = nullptr;
  }
  return o;
}

Result<std::optional<sharing::PlateInput>> plate_input(const boost::json::object& body,
                                                       std::string_view field) {
  const auto* v = body.if_contains(field);
  if (!v || v->is_null()) return std::optional<sharing::PlateInput>();
  std::string prefix = std::string(field) + ".";
  if (!v->is_object()) {
    return make_error(Errc::invalid_field, std::string(field) + " must be an object",
                      std::string(field));
  }
  auto number = required_string(v->get_object(), "number", kMaxShortField);
  if (!number) {
    Error e = number.take_error();
    e.field = prefix + e.field;
    return e;
  }
  auto region = required_string(v->get_object(), "region", 64);
  if (!region) {
    Error e = region.take_error();
    e.field = prefix + e.field;
    return e;
  }
  return std::optional<sharing::PlateInput>(sharing::PlateInput{*number, *region});
}

Result<sharing::VehicleInput> vehicle_input(const boost::json::object& body) {
  sharing::VehicleInput in;
  auto vin = optional_string(body, "vin", 64);
  if (!vin) return vin.take_error();
  in.vin = std::move(*vin);
  auto plate = plate_input(body, "plate");
  if (!plate) return plate.take_error();
  in.plate = std::move(*plate);
  auto nickname = optional_string(body, "nickname", kMaxShortField);
  if (!nickname) return nickname.take_error();
  in.nickname = std::move(*nickname);
  if (const auto* vis = body.if_contains("visibility"); vis && !vis->is_null()) {
    if (!vis->is_object()) {
      return make_error(Errc::invalid_field, "visibility must map message types to audiences",
                        "visibility");
    }
    for (const auto& [key, value] : vis->get_object()) {
      auto type = sharing::parse_type(key);
      const auto* text = value.if_string();
      auto audience = text ? sharing::parse_audience(*text) : std::nullopt;
      if (!type || !audience) {
        return make_error(Errc::invalid_field,
                          "visibility maps " + sharing::type_names_text() +
                              " to public, followers, approved or private",
                          "visibility." + std::string(key));
      }
      in.visibility.emplace_back(*type, *audience);
    }
  }
  if (body.contains("requires_approval")) {
    auto approval = optional_bool(body, "requires_approval", false);
    if (!approval) return approval.take_error();
    in.requires_approval = *approval;
  }
  return in;
}

// Reads a JSON array of type names. Absent gives nullopt.
Result<std::optional<TypeSet>> type_list(const boost::json::object& body, std::string_view field) {
  const auto* v = body.if_contains(field);
  if (!v || v->is_null()) return std::optional<TypeSet>();
  if (!v->is_array()) {
    return make_error(Errc::invalid_field, std::string(field) + " must be an array of type names",
                      std::string(field));
  }
  std::vector<std::string> names;
  for (const auto& item : v->get_array()) {
    if (!item.is_string()) {
      return make_error(Errc::invalid_field, std::string(field) + " must hold strings",
                        std::string(field));
    }
    names.emplace_back(item.get_string());
  }
  auto set = sharing::parse_type_list(names, field);
  if (!set) return set.take_error();
  return std::optional<TypeSet>(*set);
}

Result<std::optional<std::string>> attributes_json(const boost::json::object& body) {
  const auto* v = body.if_contains("attributes");
  if (!v || v->is_null()) return std::optional<std::string>();
  if (!v->is_object()) {
    return make_error(Errc::invalid_field, "attributes must be a JSON object", "attributes");
  }
  std::string text = boost::json::serialize(*v);
  if (text.size() > sharing::kMaxAttributesBytes) {
    return make_error(Errc::invalid_field, "attributes must be at most 16 KiB", "attributes");
  }
  return std::optional<std::string>(std::move(text));
}

// `view` gives the body as a JSON value, or as JSON text already written (std::string).
template <class T, class View>
Callback<T> reply(Responder respond, int status, View view) {
  return [respond, status, view](Result<T> r) {
    if (!r) return respond.problem(r.error());
    if constexpr (std::is_same_v<std::invoke_result_t<View, T&>, std::string>) {
      respond(json_text_response(status, view(*r)));
    } else {
      respond(json_response(status, view(*r)));
    }
  };
}

Callback<bool> reply_no_content(Responder respond) {
  return [respond](Result<bool> r) {
    if (!r) return respond.problem(r.error());
    respond(empty_response(204));
  };
}

}  // namespace

void App::find_user(Request& request, Responder respond) {
  auto name = query_param(request.query, "username");
  if (!name) return respond.problem(name.error());
  if (!name->has_value()) {
    return respond.problem(make_error(Errc::invalid_field, "give ?username=", "username"));
  }
  auto found = services_.store.reads().identity().user_by_username(ascii_lower(**name));
  if (!found) return respond.problem(found.error());
  auto& user = *found;
  if (!user) return respond.problem(make_error(Errc::not_found, "no such user"));
  respond(json_response(200, boost::json::object{{"id", user->id},
                                                 {"username", user->username},
                                                 {"display_name", user->display_name}}));
}

void App::create_vehicle(Request& request, Responder respond) {
  const Principal& who = request.principal;
  auto body = parse_json_object(request);
  if (!body) return respond.problem(body.error());
  auto input = vehicle_input(*body);
  if (!input) return respond.problem(input.error());
  std::string viewer = who.user_id;
  services_.sharing.create_vehicle(
      who.user_id, std::move(*input),
      reply<storage::VehicleRecord>(respond, 201, [viewer](const storage::VehicleRecord& v) {
        return vehicle_view({v, {}, 0, sharing::Role::member}, viewer);
      }));
}

void App::list_vehicles(Request& request, Responder respond) {
  const Principal& who = request.principal;
  auto vehicles = services_.sharing.vehicles_of(who.user_id);
  if (!vehicles) return respond.problem(vehicles.error());
  boost::json::array out;
  for (const auto& v : *vehicles) {
    auto details = services_.sharing.vehicle(who.user_id, v.id);
    if (details) out.push_back(vehicle_view(*details, who.user_id));
  }
  respond(json_response(200, boost::json::object{{"vehicles", std::move(out)}}));
}

void App::get_vehicle(Request& request, Responder respond) {
  const Principal& who = request.principal;
  auto details = services_.sharing.vehicle(who.user_id, request.params[0]);
  if (!details) return respond.problem(details.error());
  respond(json_response(200, vehicle_view(*details, who.user_id)));
}

void App::update_vehicle(Request& request, Responder respond) {
  const Principal& who = request.principal;
  auto body = parse_json_object(request);
  if (!body) return respond.problem(body.error());
  auto input = vehicle_input(*body);
  if (!input) return respond.problem(input.error());
  std::string viewer = who.user_id;
  sharing::SharingService& sharing = services_.sharing;
  services_.sharing.update_vehicle(
      who.user_id, request.params[0], std::move(*input),
      [respond, viewer, &sharing](Result<storage::VehicleRecord> v) {
        if (!v) return respond.problem(v.error());
        auto details = sharing.vehicle(viewer, v->id);
        if (!details) return respond.problem(details.error());
        respond(json_response(200, vehicle_view(*details, viewer)));
      });
}

void App::delete_vehicle(Request& request, Responder respond) {
  const Principal& who = request.principal;
  services_.sharing.delete_vehicle(who.user_id, request.params[0], reply_no_content(respond));
}

void App::transfer_vehicle(Request& request, Responder respond) {
  const Principal& who = request.principal;
  auto body = parse_json_object(request);
  if (!body) return respond.problem(body.error());
  auto new_owner = required_string(*body, "new_owner_id", 64);
  if (!new_owner) return respond.problem(new_owner.error());
  services_.sharing.transfer_vehicle(
      who.user_id, request.params[0], *new_owner,
      reply<storage::VehicleRecord>(respond, 200, [](const storage::VehicleRecord& v) {
        // The former owner no longer sees the full account; show them the transfer's result.
        return boost::json::object{{"id", v.id}, {"owner_id", v.owner_id}};
      }));
}

void App::put_authorized_user(Request& request, Responder respond) {
  const Principal& who = request.principal;
  services_.sharing.put_authorized_user(
      who.user_id, request.params[0], request.params[1],
      reply<std::vector<storage::MemberRecord>>(
          respond, 200, [](const std::vector<storage::MemberRecord>& members) {
            return boost::json::object{{"authorized_users", members_json(members)}};
          }));
}

void App::delete_authorized_user(Request& request, Responder respond) {
  const Principal& who = request.principal;
  services_.sharing.delete_authorized_user(who.user_id, request.params[0], request.params[1],
                                           reply_no_content(respond));
}

void App::create_message(Request& request, Responder respond) {
  const Principal& who = request.principal;
  auto body = parse_json_object(request);
  if (!body) return respond.problem(body.error());
  auto type = required_string(*body, "type", 64);
  if (!type) return respond.problem(type.error());
  auto text = required_string(*body, "text", kMaxTextBytes);
  if (!text) return respond.problem(text.error());
  auto attributes = attributes_json(*body);
  if (!attributes) return respond.problem(attributes.error());
  services_.sharing.post_message(
      who.user_id, request.params[0],
      {std::move(*type), std::move(*text), attributes->value_or("{}")},
      reply<storage::MessageRecord>(respond, 201, sharing::message_json));
}

void App::list_messages(Request& request, Responder respond) {
  const Principal& who = request.principal;
  auto after = query_int(request.query, "after", 0, INT64_MAX, 0);
  if (!after) return respond.problem(after.error());
  auto limit = query_int(request.query, "limit", 1, 200, 50);
  if (!limit) return respond.problem(limit.error());
  auto types_text = query_param(request.query, "types");
  if (!types_text) return respond.problem(types_text.error());
  TypeSet types = sharing::kAllTypes;
  if (types_text->has_value() && !(*types_text)->empty()) {
    std::vector<std::string> names;
    std::string_view rest = **types_text;
    while (!rest.empty()) {
      auto comma = rest.find(',');
      names.emplace_back(rest.substr(0, comma));
      rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    }
    auto set = sharing::parse_type_list(names, "types");
    if (!set) return respond.problem(set.error());
    types = *set;
  }
  auto page = services_.sharing.messages(who.user_id, request.params[0], *after,
                                         static_cast<int>(*limit), types);
  if (!page) return respond.problem(page.error());
  // {"messages":[...],"next_after":N}, the messages' text as their views write it.
  std::string out = "{\"messages\":[";
  for (const auto& m : page->messages) {
    if (&m != &page->messages.front()) out += ',';
    out += page->reader_is_member ? sharing::message_json(m)
                                  : sharing::public_message_json(m, page->owner_id);
  }
  out += "],\"next_after\":";
  out += std::to_string(page->messages.empty() ? *after : page->messages.back().seq);
  out += '}';
  respond(json_text_response(200, std::move(out)));
}

void App::update_message(Request& request, Responder respond) {
  const Principal& who = request.principal;
  auto body = parse_json_object(request);
  if (!body) return respond.problem(body.error());
  if (body->contains("type")) {
    return respond.problem(make_error(
        Errc::invalid_field, "a message's type cannot change; delete it and post anew", "type"));
  }
  auto text = optional_string(*body, "text", kMaxTextBytes);
  if (!text) return respond.problem(text.error());
  auto attributes = attributes_json(*body);
  if (!attributes) return respond.problem(attributes.error());
  services_.sharing.edit_message(who.user_id, request.params[0], request.params[1],
                                 {std::move(*text), std::move(*attributes)},
                                 reply<storage::MessageRecord>(respond, 200, sharing::message_json));
}

void App::delete_message(Request& request, Responder respond) {
  const Principal& who = request.principal;
  services_.sharing.delete_message(who.user_id, request.params[0], request.params[1],
                                   reply_no_content(respond));
}

void App::list_followers(Request& request, Responder respond) {
  const Principal& who = request.principal;
  auto followers = services_.sharing.followers(who.user_id, request.params[0]);
  if (!followers) return respond.problem(followers.error());
  std::string nickname = services_.sharing.nickname_of(request.params[0]);
  auto& reads = services_.store.reads();
  boost::json::array out;
  for (const auto& f : *followers) {
    auto view = sharing::follow_view(f, nickname);
    auto user = reads.identity().user_by_id(f.follower_id);
    if (!user) return respond.problem(user.error());
    if (*user) {
      view["username"] = (*user)->username;
      view["display_name"] = (*user)->display_name;
    }
    out.push_back(std::move(view));
  }
  respond(json_response(200, boost::json::object{{"followers", std::move(out)}}));
}

void App::moderate_follower(Request& request, Responder respond) {
  const Principal& who = request.principal;
  auto body = parse_json_object(request);
  if (!body) return respond.problem(body.error());
  auto status = required_string(*body, "status", 32);
  if (!status) return respond.problem(status.error());
  sharing::Moderation action;
  if (*status == "approved") action = sharing::Moderation::approve;
  else if (*status == "rejected") action = sharing::Moderation::reject;
  else if (*status == "blocked") action = sharing::Moderation::block;
  else {
    return respond.problem(make_error(Errc::invalid_field,
                                      "status must be approved, rejected or blocked", "status"));
  }
  std::string nickname = services_.sharing.nickname_of(request.params[0]);
  services_.sharing.moderate_follower(
      who.user_id, request.params[0], request.params[1], action,
      reply<storage::FollowRecord>(respond, 200, [nickname](const storage::FollowRecord& f) {
        return sharing::follow_view(f, nickname);
      }));
}

void App::remove_follower(Request& request, Responder respond) {
  const Principal& who = request.principal;
  services_.sharing.remove_follower(who.user_id, request.params[0], request.params[1],
                                    reply_no_content(respond));
}

void App::create_follow_request(Request& request, Responder respond) {
  const Principal& who = request.principal;
  auto body = parse_json_object(request);
  if (!body) return respond.problem(body.error());
  const auto* id = body->if_contains("identification");
  if (!id || !id->is_object()) {
    return respond.problem(make_error(Errc::invalid_field,
                                      "identification must be {\"vin\"} or {\"plate\"}",
                                      "identification"));
  }
  sharing::Identification identification;
  auto vin = optional_string(id->get_object(), "vin", 64);
  if (!vin) return respond.problem(vin.error());
  identification.vin = std::move(*vin);
  auto plate = plate_input(id->get_object(), "plate");
  if (!plate) {
    Error e = plate.take_error();
    e.field = "identification." + e.field;
    return respond.problem(e);
  }
  identification.plate = std::move(*plate);
  auto types = type_list(*body, "types");
  if (!types) return respond.problem(types.error());
  services_.sharing.request_follow(
      who.user_id, std::move(identification), *types,
      reply<sharing::FollowPrompt>(respond, 200, [](const sharing::FollowPrompt& p) {
        return boost::json::object{
            {"prompt", boost::json::object{{"vehicle_id", p.vehicle_id},
                                           {"nickname", p.nickname},
                                           {"visible_types", type_array(p.visible_types)},
                                           {"follower_count", p.follower_count},
                                           {"requires_approval", p.requires_approval}}},
            {"confirmation_token", p.confirmation_token},
            {"expires_at", format_rfc3339(p.expires_at)}};
      }));
}

void App::create_follow(Request& request, Responder respond) {
  const Principal& who = request.principal;
  auto body = parse_json_object(request);
  if (!body) return respond.problem(body.error());
  auto token = required_string(*body, "confirmation_token", 128);
  if (!token) return respond.problem(token.error());
  sharing::SharingService& sharing = services_.sharing;
  services_.sharing.confirm_follow(
      who.user_id, *token, [respond, &sharing](Result<storage::FollowRecord> f) {
        if (!f) return respond.problem(f.error());
        respond(json_response(201, sharing::follow_view(*f, sharing.nickname_of(f->vehicle_id))));
      });
}

void App::list_follows(Request& request, Responder respond) {
  const Principal& who = request.principal;
  auto follows = services_.sharing.follows_of(who.user_id);
  if (!follows) return respond.problem(follows.error());
  boost::json::array out;
  for (const auto& f : *follows) {
    out.push_back(sharing::follow_view(f, services_.sharing.nickname_of(f.vehicle_id)));
  }
  respond(json_response(200, boost::json::object{{"follows", std::move(out)}}));
}

void App::update_follow(Request& request, Responder respond) {
  const Principal& who = request.principal;
  auto body = parse_json_object(request);
  if (!body) return respond.problem(body.error());
  auto types = type_list(*body, "types");
  if (!types) return respond.problem(types.error());
  std::optional<bool> muted;
  if (body->contains("muted")) {
    auto m = optional_bool(*body, "muted", false);
    if (!m) return respond.problem(m.error());
    muted = *m;
  }
  sharing::SharingService& sharing = services_.sharing;
  services_.sharing.update_follow(
      who.user_id, request.params[0], *types, muted,
      [respond, &sharing](Result<storage::FollowRecord> f) {
        if (!f) return respond.problem(f.error());
        respond(json_response(200, sharing::follow_view(*f, sharing.nickname_of(f->vehicle_id))));
      });
}

void App::delete_follow(Request& request, Responder respond) {
  const Principal& who = request.principal;
  services_.sharing.unfollow(who.user_id, request.params[0], reply_no_content(respond));
}

std::span<const RouteDef> sharing_routes() {
  static constexpr RouteDef kRoutes[] = {
      {Method::get, "/v1/users", AuthScheme::user, &App::find_user},
      {Method::post, "/v1/vehicles", AuthScheme::user, &App::create_vehicle},
      {Method::get, "/v1/vehicles", AuthScheme::user, &App::list_vehicles},
      {Method::get, "/v1/vehicles/{id}", AuthScheme::user, &App::get_vehicle},
      {Method::patch, "/v1/vehicles/{id}", AuthScheme::user, &App::update_vehicle},
      {Method::del, "/v1/vehicles/{id}", AuthScheme::user, &App::delete_vehicle},
      {Method::post, "/v1/vehicles/{id}/transfer", AuthScheme::user, &App::transfer_vehicle},
      {Method::put, "/v1/vehicles/{id}/authorized-users/{userId}", AuthScheme::user,
       &App::put_authorized_user},
      {Method::del, "/v1/vehicles/{id}/authorized-users/{userId}", AuthScheme::user,
       &App::delete_authorized_user},
      {Method::post, "/v1/vehicles/{id}/messages", AuthScheme::user, &App::create_message},
      {Method::get, "/v1/vehicles/{id}/messages", AuthScheme::user, &App::list_messages},
      {Method::patch, "/v1/vehicles/{id}/messages/{messageId}", AuthScheme::user,
       &App::update_message},
      {Method::del, "/v1/vehicles/{id}/messages/{messageId}", AuthScheme::user,
       &App::delete_message},
      {Method::get, "/v1/vehicles/{id}/followers", AuthScheme::user, &App::list_followers},
      {Method::patch, "/v1/vehicles/{id}/followers/{followId}", AuthScheme::user,
       &App::moderate_follower},
      {Method::del, "/v1/vehicles/{id}/followers/{followId}", AuthScheme::user,
       &App::remove_follower},
      {Method::post, "/v1/follow-requests", AuthScheme::user, &App::create_follow_request},
      {Method::post, "/v1/follows", AuthScheme::user, &App::create_follow},
      {Method::get, "/v1/follows", AuthScheme::user, &App::list_follows},
      {Method::patch, "/v1/follows/{id}", AuthScheme::user, &App::update_follow},
      {Method::del, "/v1/follows/{id}", AuthScheme::user, &App::delete_follow},
  };
  return kRoutes;
}

}  // namespace paddock::api
