// Keys routes: a user's contacts and their relationships (the key policy's input). The
// key-share routes will join this area.
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include "api/app.hpp"
#include "api/json_input.hpp"
#include "keys/contact_service.hpp"

namespace paddock::api {
namespace {

constexpr std::size_t kMaxRelationshipBytes = 64;

boost::json::object contact_view(const keys::ContactView& v) {
  return {{"user_id", v.contact.contact_id},
          {"username", v.username},
          {"display_name", v.display_name},
          {"relationship", v.contact.relationship},
          {"created_at", format_rfc3339(v.contact.created_at)},
          {"updated_at", format_rfc3339(v.contact.updated_at)}};
}

}  // namespace

void App::put_contact(Request& request, Responder respond) {
  const Principal& who = request.principal;
  auto body = parse_json_object(request);
  if (!body) return respond.problem(body.error());
  auto relationship = required_string(*body, "relationship", kMaxRelationshipBytes);
  if (!relationship) return respond.problem(relationship.error());
  services_.contacts.put(who.user_id, request.params[0], *relationship,
                         [respond](Result<keys::PutOutcome> put) {
                           if (!put) return respond.problem(put.error());
                           respond(json_response(put->created ? 201 : 200,
                                                 contact_view(put->view)));
                         });
}

void App::list_contacts(Request& request, Responder respond) {
  const Principal& who = request.principal;
  auto listed = services_.contacts.list(who.user_id);
  if (!listed) return respond.problem(listed.error());
  boost::json::array contacts;
  for (const auto& c : *listed) contacts.push_back(contact_view(c));
  respond(json_response(200, boost::json::object{{"contacts", std::move(contacts)}}));
}

void App::delete_contact(Request& request, Responder respond) {
  const Principal& who = request.principal;
  services_.contacts.remove(who.user_id, request.params[0], [respond](Result<bool> done) {
    if (!done) return respond.problem(done.error());
    respond(empty_response(204));
  });
}

std::span<const RouteDef> keys_routes() {
  static constexpr RouteDef kRoutes[] = {
      {Method::put, "/v1/contacts/{userId}", AuthScheme::user, &App::put_contact},
      {Method::get, "/v1/contacts", AuthScheme::user, &App::list_contacts},
      {Method::del, "/v1/contacts/{userId}", AuthScheme::user, &App::delete_contact},
  };
  return kRoutes;
}

}  // namespace paddock::api
