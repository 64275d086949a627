// Publisher hub routes: registration and the operator's decisions, the signed push API
// (RFC 9421, the `publisher` scheme), and the receiver's side (subscriptions, opt-outs, inbox).
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include "api/app.hpp"
#include "api/json_input.hpp"
#include "api/query.hpp"
#include "core/clock.hpp"
#include "publishers/errors.hpp"
#include "publishers/inbox_items.hpp"
#include "publishers/publisher_service.hpp"
#include "publishers/rules.hpp"

namespace paddock::api {
namespace {

namespace pub = paddock::publishers;

constexpr std::size_t kMaxCategoryBytes = 64;
constexpr std::size_t kMaxUserIdBytes = 64;
constexpr int kInboxPage = 100;
constexpr int kMaxInboxPage = 500;

bool same_name(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

boost::json::object publisher_view(const pub::PublisherRecord& p) {
  boost::json::object out{
      {"id", p.registration_id}, {"status", p.status}, {"name", p.name}, {"kind", p.kind}};
  out["publisher_id"] = p.id ? boost::json::value(*p.id) : nullptr;
  return out;
}

Result<pub::MessageInput> message_input(const boost::json::object& body) {
  pub::MessageInput in;
  auto audience = body.if_contains("audience");
  if (!audience || !audience->is_object()) {
    return make_error(Errc::invalid_field, "audience is {\"user_ids\":[...]} or {\"public\":true}",
                      "audience");
  }
  const auto& a = audience->as_object();
  auto users = a.if_contains("user_ids");
  auto pub_flag = a.if_contains("public");
  if ((users != nullptr) == (pub_flag != nullptr)) {
    return make_error(Errc::invalid_field, "audience has exactly one of user_ids and public",
                      "audience");
  }
  if (pub_flag) {
    if (!pub_flag->is_bool() || !pub_flag->as_bool()) {
      return make_error(Errc::invalid_field, "audience.public is true", "audience.public");
    }
    in.is_public = true;
  } else {
    if (!users->is_array() || users->as_array().size() > pub::kMaxReceivers) {
      return make_error(Errc::invalid_field, "audience.user_ids is an array of 1 to 1000 ids",
                        "audience.user_ids");
    }
    for (const auto& u : users->as_array()) {
      if (!u.is_string() || u.as_string().size() > kMaxUserIdBytes) {
        return make_error(Errc::invalid_field, "audience.user_ids holds user ids",
                          "audience.user_ids");
      }
      in.user_ids.emplace_back(u.as_string());
    }
  }
  PADDOCK_ASSIGN(category, required_string(body, "category", kMaxCategoryBytes));
  in.category = category;
  PADDOCK_ASSIGN(title, required_string(body, "title", pub::kMaxTitleChars * 4));
  in.title = title;
  PADDOCK_ASSIGN(text, optional_string(body, "body", pub::kMaxBodyChars * 4));
  in.body = text.value_or("");
  if (auto data = body.if_contains("data"); data && !data->is_null()) {
    if (!data->is_object()) return make_error(Errc::invalid_field, "data is an object", "data");
    in.data = boost::json::serialize(*data);
  }
  PADDOCK_ASSIGN(expires, optional_string(body, "expires_at", 64));
  if (expires) {
    auto at = pub::parse_rfc3339(*expires);
    if (!at) {
      return make_error(Errc::invalid_field, "expires_at is an RFC 3339 date-time", "expires_at");
    }
    in.expires_at = *at;
  }
  if (auto v = body.if_contains("version"); v && !v->is_null()) {
    if (!v->is_int64() && !v->is_uint64()) {
      return make_error(Errc::invalid_field, "version is a positive integer", "version");
    }
    if (v->is_uint64() && v->as_uint64() > static_cast<std::uint64_t>(INT64_MAX)) {
      return make_error(Errc::invalid_field, "version is too large", "version");
    }
    in.version = v->is_int64() ? v->as_int64() : static_cast<std::int64_t>(v->as_uint64());
  }
  return in;
}

pub::SignedCall signed_call(const Principal& who) {
  return {who.publisher_id, who.nonce, who.signed_at};
}

}  // namespace

Result<pub::SignedCall> App::authenticate_publisher(const Request& request) {
  pub::SignedRequest signed_request;
  signed_request.method = method_name(request.method);
  // Paddock speaks plain HTTP; a signature made for https (a TLS proxy in front) is accepted too.
  signed_request.scheme = "http";
  signed_request.authority = request.header("Host");
  signed_request.path = request.path;
  signed_request.query = request.query;
  signed_request.header = [&request](std::string_view name) -> std::optional<std::string> {
    std::optional<std::string> joined;
    for (std::size_t i = 0; i < request.headers.size(); ++i) {
      if (!same_name(request.headers.name(i), name)) continue;
      std::string_view v = request.headers.value(i);
      while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
      while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
      if (joined) {
        *joined += ", ";
        *joined += v;
      } else {
        joined = std::string(v);
      }
    }
    return joined;
  };
  return services_.publishers.authenticate(signed_request, request.body, now_millis());
}

// The operator role is the one `paddock users grant-operator` gives (it also lets a user
// register charge points).
bool App::is_operator(const Principal& who, const Responder& respond) {
  auto is = services_.store.reads().charge_points().is_operator(who.user_id);
  if (!is) {
    respond.problem(is.error());
    return false;
  }
  if (!*is) {
    respond.problem(make_error(pub::kNotOperator, "only an operator may decide on publishers"));
    return false;
  }
  return true;
}

void App::register_publisher(Request& request, Responder respond) {
  auto body = parse_json_object(request);
  if (!body) return respond.problem(body.error());
  pub::Registration reg;
  auto name = required_string(*body, "name", pub::kMaxNameChars * 4);
  if (!name) return respond.problem(name.error());
  auto kind = required_string(*body, "kind", 32);
  if (!kind) return respond.problem(kind.error());
  auto contact = required_string(*body, "contact", pub::kMaxContactChars * 4);
  if (!contact) return respond.problem(contact.error());
  auto key = optional_string(*body, "public_key", 64);
  if (!key) return respond.problem(key.error());
  reg = {*name, *kind, *contact, *key};
  services_.publishers.register_publisher(
      std::move(reg), services_.publishers_auto_approve, [respond](Result<pub::Approval> done) {
        if (!done) return respond.problem(done.error());
        auto view = publisher_view(done->publisher);
        if (done->secret) view["secret"] = *done->secret;
        respond(json_response(done->publisher.status == "pending" ? 202 : 201, view));
      });
}

void App::approve_publisher(Request& request, Responder respond) {
  if (!is_operator(request.principal, respond)) return;
  services_.publishers.approve(request.params[0], [respond](Result<pub::Approval> done) {
    if (!done) return respond.problem(done.error());
    auto view = publisher_view(done->publisher);
    // Shown once: the server keeps only its sealed form.
    if (done->secret) view["secret"] = *done->secret;
    respond(json_response(200, view));
  });
}

void App::suspend_publisher(Request& request, Responder respond) {
  if (!is_operator(request.principal, respond)) return;
  services_.publishers.suspend(request.params[0], [respond](Result<pub::PublisherRecord> done) {
    if (!done) return respond.problem(done.error());
    respond(json_response(200, publisher_view(*done)));
  });
}

void App::reinstate_publisher(Request& request, Responder respond) {
  if (!is_operator(request.principal, respond)) return;
  services_.publishers.reinstate(request.params[0], [respond](Result<pub::PublisherRecord> done) {
    if (!done) return respond.problem(done.error());
    respond(json_response(200, publisher_view(*done)));
  });
}

void App::rotate_publisher_secret(Request& request, Responder respond) {
  const Principal& who = request.principal;
  if (request.params[0] != who.publisher_id) {
    return respond.problem(make_error(Errc::forbidden, "you may rotate only your own secret"));
  }
  UnixMillis overlap = pub::kDefaultOverlap;
  if (!request.body.empty()) {
    auto body = parse_json_object(request);
    if (!body) return respond.problem(body.error());
    if (auto v = body->if_contains("overlap_seconds"); v && !v->is_null()) {
      if (!v->is_int64() || v->as_int64() < 0 || v->as_int64() * 1000 > pub::kMaxOverlap) {
        return respond.problem(
            make_error(Errc::invalid_field, "overlap_seconds is 0 to 604800", "overlap_seconds"));
      }
      overlap = v->as_int64() * 1000;
    }
  }
  services_.publishers.rotate_secret(
      signed_call(who), overlap, [respond](Result<pub::Rotation> done) {
        if (!done) return respond.problem(done.error());
        respond(json_response(
            201, boost::json::object{
                     {"secret", done->secret},
                     {"serial", done->serial},
                     {"previous_valid_until", format_rfc3339(done->previous_valid_until)}}));
      });
}

void App::put_publisher_message(Request& request, Responder respond) {
  auto body = parse_json_object(request);
  if (!body) return respond.problem(body.error());
  auto input = message_input(*body);
  if (!input) return respond.problem(input.error());
  input->message_id = request.params[0];
  services_.publishers.put_message(
      signed_call(request.principal), std::move(*input), [respond](Result<pub::PutOutcome> done) {
        if (!done) return respond.problem(done.error());
        const auto& m = done->message;
        respond(json_response(done->created ? 201 : 200,
                              boost::json::object{{"message_id", m.message_id},
                                                  {"version", m.version},
                                                  {"audience", m.is_public ? "public" : "targeted"},
                                                  {"changed", done->changed},
                                                  {"updated_at", format_rfc3339(m.updated_at)}}));
      });
}

void App::withdraw_publisher_message(Request& request, Responder respond) {
  services_.publishers.withdraw_message(signed_call(request.principal), request.params[0],
                                        [respond](Result<pub::MessageRecord> done) {
                                          if (!done) return respond.problem(done.error());
                                          respond(empty_response(204));
                                        });
}

void App::get_publisher_message_stats(Request& request, Responder respond) {
  services_.publishers.stats(
      signed_call(request.principal), request.params[0], [respond](Result<pub::MessageStats> done) {
        if (!done) return respond.problem(done.error());
        respond(json_response(200, boost::json::object{{"delivered", done->delivered},
                                                       {"synced", done->synced},
                                                       {"read", done->read}}));
      });
}

void App::put_subscription(Request& request, Responder respond) {
  services_.publishers.subscribe(request.principal.user_id, request.params[0],
                                 [respond](Result<bool> created) {
                                   if (!created) return respond.problem(created.error());
                                   respond(empty_response(*created ? 201 : 204));
                                 });
}

void App::list_subscriptions(Request& request, Responder respond) {
  auto subs = services_.publishers.subscriptions(request.principal.user_id);
  if (!subs) return respond.problem(subs.error());
  boost::json::array out;
  for (const auto& p : *subs) {
    out.push_back(boost::json::object{{"publisher_id", *p.id}, {"name", p.name}, {"kind", p.kind}});
  }
  respond(json_response(200, boost::json::object{{"subscriptions", std::move(out)}}));
}

void App::delete_subscription(Request& request, Responder respond) {
  services_.publishers.unsubscribe(request.principal.user_id, request.params[0],
                                   [respond](Result<bool> done) {
                                     if (!done) return respond.problem(done.error());
                                     respond(empty_response(204));
                                   });
}

void App::put_service_provider(Request& request, Responder respond) {
  services_.publishers.add_service_provider(
      request.principal.user_id, request.params[0], request.params[1],
      [respond](Result<bool> created) {
        if (!created) return respond.problem(created.error());
        respond(empty_response(*created ? 201 : 204));
      });
}

void App::list_service_providers(Request& request, Responder respond) {
  auto providers =
      services_.publishers.service_providers(request.principal.user_id, request.params[0]);
  if (!providers) return respond.problem(providers.error());
  boost::json::array out;
  for (const auto& p : *providers) {
    out.push_back(boost::json::object{{"publisher_id", *p.id}, {"name", p.name}, {"kind", p.kind}});
  }
  respond(json_response(200, boost::json::object{{"service_providers", std::move(out)}}));
}

void App::delete_service_provider(Request& request, Responder respond) {
  services_.publishers.remove_service_provider(request.principal.user_id, request.params[0],
                                               request.params[1], [respond](Result<bool> done) {
                                                 if (!done) return respond.problem(done.error());
                                                 respond(empty_response(204));
                                               });
}

namespace {

boost::json::object preferences_view(const std::vector<pub::OptOut>& opt_outs) {
  boost::json::array publishers, categories;
  for (const auto& o : opt_outs) {
    (o.kind == pub::OptOut::Kind::publisher ? publishers : categories)
        .push_back(boost::json::value(o.value));
  }
  return {{"opt_out", boost::json::object{{"publishers", std::move(publishers)},
                                          {"categories", std::move(categories)}}}};
}

}  // namespace

void App::get_preferences(Request& request, Responder respond) {
  auto opt_outs = services_.publishers.opt_outs(request.principal.user_id);
  if (!opt_outs) return respond.problem(opt_outs.error());
  respond(json_response(200, preferences_view(*opt_outs)));
}

void App::put_preferences(Request& request, Responder respond) {
  auto body = parse_json_object(request);
  if (!body) return respond.problem(body.error());
  auto opt_out = body->if_contains("opt_out");
  if (!opt_out || !opt_out->is_object()) {
    return respond.problem(make_error(
        Errc::invalid_field, "opt_out is {\"publishers\":[...],\"categories\":[...]}", "opt_out"));
  }
  std::vector<pub::OptOut> wanted;
  for (auto [key, kind] : {std::pair{"publishers", pub::OptOut::Kind::publisher},
                           std::pair{"categories", pub::OptOut::Kind::category}}) {
    auto list = opt_out->as_object().if_contains(key);
    if (!list) continue;
    std::string field = std::string("opt_out.") + key;
    if (!list->is_array() || list->as_array().size() > pub::kMaxOptOuts) {
      return respond.problem(make_error(Errc::invalid_field, field + " is an array", field));
    }
    for (const auto& v : list->as_array()) {
      if (!v.is_string() || v.as_string().size() > 64) {
        return respond.problem(make_error(Errc::invalid_field, field + " holds strings", field));
      }
      wanted.push_back({kind, std::string(v.as_string())});
    }
  }
  services_.publishers.set_opt_outs(request.principal.user_id, std::move(wanted),
                                    [respond](Result<std::vector<pub::OptOut>> done) {
                                      if (!done) return respond.problem(done.error());
                                      respond(json_response(200, preferences_view(*done)));
                                    });
}

void App::get_inbox(Request& request, Responder respond) {
  auto cursor_text = query_param(request.query, "cursor");
  if (!cursor_text) return respond.problem(cursor_text.error());
  std::int64_t cursor = 0;
  if (*cursor_text) {
    const std::string& t = **cursor_text;
    bool ok = !t.empty() && t.size() <= 18;
    for (char c : t) ok = ok && c >= '0' && c <= '9';
    if (!ok) {
      return respond.problem(
          make_error(pub::kInvalidInboxCursor, "cursor is the next_cursor of a page", "cursor"));
    }
    cursor = std::stoll(t);
  }
  auto limit = query_int(request.query, "limit", 1, kMaxInboxPage, kInboxPage);
  if (!limit) return respond.problem(limit.error());
  auto page =
      services_.publishers.inbox(request.principal.user_id, cursor, static_cast<int>(*limit));
  if (!page) return respond.problem(page.error());
  UnixMillis now = now_millis();
  boost::json::array items;
  for (const auto& e : page->entries) {
    items.push_back(pub::inbox_item(e.message, e.publisher_name, e.publisher_kind, now, e.read));
  }
  respond(
      json_response(200, boost::json::object{{"items", std::move(items)},
                                             {"next_cursor", std::to_string(page->next_cursor)}}));
}

void App::mark_inbox_read(Request& request, Responder respond) {
  services_.publishers.mark_read(request.principal.user_id, request.params[0],
                                 [respond](Result<bool> done) {
                                   if (!done) return respond.problem(done.error());
                                   respond(empty_response(204));
                                 });
}

std::span<const RouteDef> publisher_routes() {
  static constexpr RouteDef kRoutes[] = {
      {Method::post, "/v1/publishers", AuthScheme::none, &App::register_publisher},
      {Method::post, "/v1/publishers/{id}/approve", AuthScheme::user, &App::approve_publisher},
      {Method::post, "/v1/publishers/{id}/suspend", AuthScheme::user, &App::suspend_publisher},
      {Method::post, "/v1/publishers/{id}/reinstate", AuthScheme::user, &App::reinstate_publisher},
      {Method::post, "/v1/publishers/{id}/secrets", AuthScheme::publisher,
       &App::rotate_publisher_secret},
      {Method::put, "/v1/publisher/messages/{messageId}", AuthScheme::publisher,
       &App::put_publisher_message},
      {Method::del, "/v1/publisher/messages/{messageId}", AuthScheme::publisher,
       &App::withdraw_publisher_message},
      {Method::get, "/v1/publisher/messages/{messageId}/stats", AuthScheme::publisher,
       &App::get_publisher_message_stats},
      {Method::put, "/v1/me/subscriptions/{publisherId}", AuthScheme::user, &App::put_subscription},
      {Method::get, "/v1/me/subscriptions", AuthScheme::user, &App::list_subscriptions},
      {Method::del, "/v1/me/subscriptions/{publisherId}", AuthScheme::user,
       &App::delete_subscription},
      {Method::put, "/v1/vehicles/{id}/service-providers/{publisherId}", AuthScheme::user,
       &App::put_service_provider},
      {Method::get, "/v1/vehicles/{id}/service-providers", AuthScheme::user,
       &App::list_service_providers},
      {Method::del, "/v1/vehicles/{id}/service-providers/{publisherId}", AuthScheme::user,
       &App::delete_service_provider},
      {Method::get, "/v1/me/preferences", AuthScheme::user, &App::get_preferences},
      {Method::put, "/v1/me/preferences", AuthScheme::user, &App::put_preferences},
      {Method::get, "/v1/inbox", AuthScheme::user, &App::get_inbox},
      {Method::post, "/v1/inbox/{id}/read", AuthScheme::user, &App::mark_inbox_read},
  };
  return kRoutes;
}

}  // namespace paddock::api
