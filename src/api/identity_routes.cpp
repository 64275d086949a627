// Identity routes: sign-up, sessions and the caller's own account.
#include <boost/json/object.hpp>

#include "api/app.hpp"
#include "api/json_input.hpp"
#include "feed/hub.hpp"
#include "identity/identity_service.hpp"

namespace paddock::api {
namespace {

boost::json::object user_view(const storage::UserRecord& u) {
  return {{"id", u.id},
          {"username", u.username},
          {"display_name", u.display_name},
          {"created_at", format_rfc3339(u.created_at)}};
}

// Generous byte caps on raw input; the domain applies the real rules with clear messages.
constexpr std::size_t kMaxUsernameBytes = 256;
constexpr std::size_t kMaxDisplayNameBytes = 1024;
constexpr std::size_t kMaxPasswordInputBytes = 4096;

// The session a `user` principal proved, for the identity service. Moves the strings out (no
// copy on GET /v1/me): call it last, once the handler no longer needs the principal.
identity::AuthContext take_session(Principal& principal) {
  return {std::move(principal.user_id), std::move(principal.token_hash)};
}

}  // namespace

void App::create_user(Request& request, Responder respond) {
  auto body = parse_json_object(request);
  if (!body) return respond.problem(body.error());
  auto username = required_string(*body, "username", kMaxUsernameBytes);
  if (!username) return respond.problem(username.error());
  auto password = required_string(*body, "password", kMaxPasswordInputBytes);
  if (!password) return respond.problem(password.error());
  auto display_name = optional_string(*body, "display_name", kMaxDisplayNameBytes);
  if (!display_name) return respond.problem(display_name.error());

  services_.identity.sign_up(
      {std::move(*username), std::move(*password), std::move(*display_name)},
      [respond](Result<storage::UserRecord> user) {
        if (!user) return respond.problem(user.error());
        respond(json_response(201, user_view(*user)));
      });
}

void App::create_session(Request& request, Responder respond) {
  auto body = parse_json_object(request);
  if (!body) return respond.problem(body.error());
  auto username = required_string(*body, "username", kMaxUsernameBytes);
  if (!username) return respond.problem(username.error());
  auto password = required_string(*body, "password", kMaxPasswordInputBytes);
  if (!password) return respond.problem(password.error());

  services_.identity.log_in(std::move(*username), std::move(*password), request.remote_address,
                            [respond](Result<identity::IssuedSession> session) {
                              if (!session) return respond.problem(session.error());
                              respond(json_response(
                                  201, boost::json::object{
                                           {"token", session->token},
                                           {"user_id", session->user_id},
                                           {"expires_at", format_rfc3339(session->expires_at)}}));
                            });
}

void App::delete_current_session(Request& request, Responder respond) {
  std::string user_id = request.principal.user_id;
  std::string token_hash = request.principal.token_hash;
  services_.identity.log_out(
      take_session(request.principal),
      [this, respond, user_id = std::move(user_id),
       token_hash = std::move(token_hash)](Result<bool> done) mutable {
        if (!done) return respond.problem(done.error());
        // Streams opened with this session end with it.
        (services_.live ? *services_.live : static_cast<events::LiveEvents&>(services_.hub))
            .end_session(std::move(user_id), std::move(token_hash));
        respond(empty_response(204));
      });
}

void App::get_me(Request& request, Responder respond) {
  auto user = services_.identity.user(take_session(request.principal));
  if (!user) return respond.problem(user.error());
  respond(json_response(200, user_view(*user)));
}

std::span<const RouteDef> identity_routes() {
  static constexpr RouteDef kRoutes[] = {
      {Method::post, "/v1/users", AuthScheme::none, &App::create_user},
      {Method::post, "/v1/sessions", AuthScheme::none, &App::create_session},
      {Method::del, "/v1/sessions/current", AuthScheme::user, &App::delete_current_session},
      {Method::get, "/v1/me", AuthScheme::user, &App::get_me},
  };
  return kRoutes;
}

}  // namespace paddock::api
