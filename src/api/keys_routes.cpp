// Keys routes: a user's contacts and their relationships (the key policy's input), and the
// issuer keys a car trusts. The key-share routes will join this area.
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include "api/app.hpp"
#include "api/json_input.hpp"
#include "core/encoding.hpp"
#include "keys/contact_service.hpp"
#include "keys/issuer_keys.hpp"

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

// Public keys are public: anyone (a car's maker, a verifier) may fetch them. Each entry is a
// JWK (RFC 8037 OKP) plus when it was made and retired.
void App::list_issuer_keys(Request&, Responder respond) {
  boost::json::array keys;
  UnixMillis now = now_millis();
  auto in_use = services_.store.reads().key_shares().kids_in_use(now);
  if (!in_use) return respond.problem(in_use.error());
  for (const auto& k : services_.issuer_keys.published(now, *in_use)) {
    boost::json::object jwk{{"kid", k.kid},
                            {"kty", "OKP"},
                            {"alg", "EdDSA"},
                            {"crv", "Ed25519"},
                            {"use", "sig"},
                            {"x", base64url_encode(k.public_key)},
                            {"created_at", format_rfc3339(k.created_at)}};
    if (k.retired_at) jwk["retired_at"] = format_rfc3339(*k.retired_at);
    keys.push_back(std::move(jwk));
  }
  Response response = json_response(200, boost::json::object{{"keys", std::move(keys)}});
  // Rotation takes effect at restart; a few minutes of caching costs a verifier nothing.
  response.headers.emplace_back("Cache-Control", "public, max-age=300");
  respond(std::move(response));
}

std::span<const RouteDef> keys_routes() {
  static constexpr RouteDef kRoutes[] = {
      {Method::put, "/v1/contacts/{userId}", AuthScheme::user, &App::put_contact},
      {Method::get, "/v1/contacts", AuthScheme::user, &App::list_contacts},
      {Method::del, "/v1/contacts/{userId}", AuthScheme::user, &App::delete_contact},
      {Method::get, "/v1/issuer-keys", AuthScheme::none, &App::list_issuer_keys},
  };
  return kRoutes;
}

}  // namespace paddock::api
