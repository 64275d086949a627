// Identity routes: sign-up, sessions and the caller's own account.
#include <boost/json/object.hpp>

#include "api/app.hpp"
#include "api/json_input.hpp"
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
  auto who = authenticate(request, respond);
  if (!who) return;
  services_.identity.log_out(*who, [respond](Result<bool> done) {
    if (!done) return respond.problem(done.error());
    respond(empty_response(204));
  });
}

void App::get_me(Request& request, Responder respond) {
  auto who = authenticate(request, respond);
  if (!who) return;
  auto user = services_.identity.user(*who);
  if (!user) return respond.problem(user.error());
  respond(json_response(200, user_view(*user)));
}

}  // namespace paddock::api
