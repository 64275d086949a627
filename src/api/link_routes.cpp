// Link routes: QR-code link sessions between two terminals (links/), their QR images and the
// first terminal's watch over Server-Sent Events.
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "api/app.hpp"
#include "api/json_input.hpp"
#include "api/query.hpp"
#include "identity/tokens.hpp"
#include "links/errors.hpp"
#include "links/link_service.hpp"
#include "links/qr.hpp"

namespace paddock::api {
namespace {

constexpr std::size_t kMaxNameBytes = 1024;
constexpr std::size_t kMaxKindBytes = 64;
constexpr std::size_t kMaxKeyBytes = 128;
constexpr std::size_t kMaxIdBytes = 128;
constexpr std::size_t kMaxSecretBytes = 128;
constexpr std::size_t kMaxHostBytes = 255;

// The public base URL: the setting, or else the scheme-less Host the client used (checked to
// be a plain host[:port], so a forged header cannot put anything else into the QR code).
std::string base_url(const links::LinkService& links, const Request& request) {
  const std::string& configured = links.options().public_base_url;
  if (!configured.empty()) return configured;
  std::string_view host = request.header("Host");
  bool plain = !host.empty() && host.size() <= kMaxHostBytes;
  for (char c : host) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '-' || c == ':' || c == '[' || c == ']';
    plain = plain && ok;
  }
  return "http://" + std::string(plain ? host : std::string_view("localhost"));
}

boost::json::object qr_urls(const std::string& base, const std::string& id,
                            const std::string& secret) {
  std::string prefix = base + "/v1/links/" + id + "/qr.";
  std::string query = "?s=" + secret;
  return {{"svg", prefix + "svg" + query},
          {"png", prefix + "png" + query},
          {"text", prefix + "txt" + query}};
}

boost::json::object issued_view(const std::string& base, const links::IssuedLink& issued) {
  const auto& l = issued.link;
  boost::json::object o{{"id", l.id},
                        {"purpose", l.purpose},
                        {"state", l.state},
                        {"secret", issued.secret},
                        {"url", links::LinkService::link_url(base, l.id, issued.secret)},
                        {"expires_at", format_rfc3339(l.secret_expires_at)},
                        {"qr", qr_urls(base, l.id, issued.secret)}};
  if (!issued.watch_token.empty()) o["watch_token"] = issued.watch_token;
  return o;
}

boost::json::value optional_text(const std::optional<std::string>& v) {
  return v ? boost::json::value(*v) : boost::json::value(nullptr);
}

// A link as the user sees it in their list: the creator sees what they made and that it was
// claimed; the claimant sees what they claimed (and, for a screen they signed in, the screen).
boost::json::object link_view(const links::LinkRecord& l, const std::string& user_id) {
  bool creator = l.creator_user == user_id;
  boost::json::object o{{"id", l.id},
                        {"purpose", l.purpose},
                        {"state", l.state},
                        {"role", creator ? "creator" : "claimant"},
                        {"created_at", format_rfc3339(l.created_at)}};
  o["claimed_at"] = l.claimed_at ? boost::json::value(format_rfc3339(*l.claimed_at))
                                 : boost::json::value(nullptr);
  if (l.context_kind) o["context"] = boost::json::object{{*l.context_kind, *l.context_id}};
  if (creator || l.purpose == "sign_in" || l.purpose == "handoff") {
    o["terminal"] = boost::json::object{{"name", l.terminal_name}, {"kind", l.terminal_kind}};
  }
  if (creator) o["device_id"] = optional_text(l.creator_device);
  if (l.purpose == "sign_in") o["signed_in_device_id"] = optional_text(l.signed_in_device);
  return o;
}

// The watch token: `Authorization: Bearer` or, for EventSource and <img>, ?watch_token=.
Result<std::string> watch_token(const Request& request) {
  std::string_view header = identity::bearer_token(request.authorization());
  if (!header.empty()) return std::string(header);
  auto from_query = query_param(request.query, "watch_token");
  if (!from_query) return from_query.take_error();
  if (!from_query->has_value()) {
    return make_error(Errc::unauthorized,
                      "send the link's watch_token as a bearer token or ?watch_token=");
  }
  return std::move(**from_query);
}

Callback<links::LinkRecord> reply_state(Responder respond) {
  return [respond](Result<links::LinkRecord> l) {
    if (!l) return respond.problem(l.error());
    boost::json::object o{{"link_id", l->id}, {"state", l->state}};
    if (l->signed_in_device) o["device_id"] = *l->signed_in_device;
    respond(json_response(200, o));
  };
}

}  // namespace

void App::create_link(Request& request, Responder respond) {
  // Anyone may ask for a sign_in link; share and handoff need a session (checked by the
  // service), so a token, when sent, must be valid.
  std::optional<std::string> creator;
  if (!request.authorization().empty()) {
    auto who = authenticate(request, respond);
    if (!who) return;
    creator = who->user_id;
  }
  auto body = parse_json_object(request);
  if (!body) return respond.problem(body.error());
  links::NewLink link;
  auto purpose = required_string(*body, "purpose", kMaxKindBytes);
  if (!purpose) return respond.problem(purpose.error());
  link.purpose = std::move(*purpose);
  if (const auto* ctx = body->if_contains("context"); ctx && !ctx->is_null()) {
    const auto* object = ctx->if_object();
    if (!object || object->size() != 1 || !object->begin()->value().is_string() ||
        object->begin()->value().get_string().size() > kMaxIdBytes) {
      return respond.problem(make_error(Errc::invalid_field,
                                        "context must be one member naming what is shared, e.g. "
                                        "{\"vehicle_id\":\"veh_...\"}",
                                        "context"));
    }
    link.context_kind = std::string(object->begin()->key());
    link.context_id = std::string(object->begin()->value().get_string());
  }
  auto device = optional_string(*body, "device_id", kMaxIdBytes);
  if (!device) return respond.problem(device.error());
  link.device_id = std::move(*device);
  const auto* terminal = body->if_contains("terminal");
  if (!terminal || !terminal->is_object()) {
    return respond.problem(make_error(
        Errc::invalid_field, "terminal must be {\"name\",\"kind\",\"public_key\"?}", "terminal"));
  }
  auto prefixed = [](Error e) {
    e.field = "terminal." + e.field;
    return e;
  };
  auto name = required_string(terminal->get_object(), "name", kMaxNameBytes);
  if (!name) return respond.problem(prefixed(name.take_error()));
  auto kind = required_string(terminal->get_object(), "kind", kMaxKindBytes);
  if (!kind) return respond.problem(prefixed(kind.take_error()));
  auto key = optional_string(terminal->get_object(), "public_key", kMaxKeyBytes);
  if (!key) return respond.problem(prefixed(key.take_error()));
  link.terminal = {std::move(*name), std::move(*kind), std::move(*key)};
  link.address = request.remote_address;
  std::string base = base_url(services_.links, request);
  services_.links.create(creator, std::move(link),
                         [respond, base](Result<links::IssuedLink> issued) {
                           if (!issued) return respond.problem(issued.error());
                           respond(json_response(201, issued_view(base, *issued)));
                         });
}

void App::list_links(Request& request, Responder respond) {
  const Principal& who = request.principal;
  auto listed = services_.links.list(who.user_id);
  if (!listed) return respond.problem(listed.error());
  boost::json::array out;
  for (const auto& l : *listed) out.push_back(link_view(l, who.user_id));
  respond(json_response(200, boost::json::object{{"links", std::move(out)}}));
}

void App::delete_link(Request& request, Responder respond) {
  services_.links.revoke(request.principal.user_id, request.params[0],
                         [respond](Result<links::LinkRecord> l) {
                           if (!l) return respond.problem(l.error());
                           respond(empty_response(204));
                         });
}

void App::refresh_link(Request& request, Responder respond) {
  auto token = watch_token(request);
  if (!token) return respond.problem(token.error());
  std::string base = base_url(services_.links, request);
  services_.links.refresh(request.params[0], std::move(*token),
                          [respond, base](Result<links::IssuedLink> issued) {
                            if (!issued) return respond.problem(issued.error());
                            respond(json_response(200, issued_view(base, *issued)));
                          });
}

void App::claim_link(Request& request, Responder respond) {
  const Principal& who = request.principal;
  auto body = parse_json_object(request);
  if (!body) return respond.problem(body.error());
  auto secret = required_string(*body, "secret", kMaxSecretBytes);
  if (!secret) return respond.problem(secret.error());
  auto device = required_string(*body, "device_id", kMaxIdBytes);
  if (!device) return respond.problem(device.error());
  services_.links.claim(
      who.user_id, request.params[0], std::move(*secret), *device, request.remote_address,
      [respond](Result<links::Claim> claim) {
        if (!claim) return respond.problem(claim.error());
        const auto& l = claim->link;
        boost::json::object o{{"link_id", l.id}, {"purpose", l.purpose}, {"state", l.state}};
        if (l.purpose == "sign_in") {
          // What is asking, for the phone to show before anyone approves (RFC 8628 §5.4).
          o["asking"] = boost::json::object{
              {"terminal",
               boost::json::object{{"name", l.terminal_name}, {"kind", l.terminal_kind}}},
              {"address", l.creator_address},
              {"requested_at", format_rfc3339(l.created_at)}};
        }
        if (claim->context_json) o["context"] = boost::json::parse(*claim->context_json);
        respond(json_response(200, o));
      });
}

void App::approve_link(Request& request, Responder respond) {
  auto body = parse_json_object(request);
  if (!body) return respond.problem(body.error());
  auto device = required_string(*body, "device_id", kMaxIdBytes);
  if (!device) return respond.problem(device.error());
  services_.links.approve(request.principal.user_id, request.params[0], *device,
                          reply_state(respond));
}

void App::deny_link(Request& request, Responder respond) {
  auto body = parse_json_object(request);
  if (!body) return respond.problem(body.error());
  auto device = required_string(*body, "device_id", kMaxIdBytes);
  if (!device) return respond.problem(device.error());
  services_.links.deny(request.principal.user_id, request.params[0], *device, reply_state(respond));
}

void App::watch_link(Request& request, Responder respond) {
  auto token = watch_token(request);
  if (!token) return respond.problem(token.error());
  auto link = services_.links.authenticate_watch(request.params[0], *token);
  if (!link) return respond.problem(link.error());
  auto upgrade = std::make_shared<StreamUpgrade>();
  upgrade->kind = StreamUpgrade::Kind::server_sent_events;
  upgrade->handler = std::make_shared<links::WatchSession>(services_.link_watch, link->id);
  Response r;
  r.status = 200;
  r.content_type = "text/event-stream";
  r.upgrade = std::move(upgrade);
  respond(std::move(r));
}

namespace {

enum class QrFormat { svg, png, text };

void serve_qr(links::LinkService& links, Request& request, Responder respond, QrFormat format) {
  auto token = watch_token(request);
  if (!token) return respond.problem(token.error());
  auto link = links.authenticate_watch(request.params[0], *token);
  if (!link) return respond.problem(link.error());
  auto secret = query_param(request.query, "s");
  if (!secret) return respond.problem(secret.error());
  if (!secret->has_value() || (*secret)->size() > kMaxSecretBytes) {
    return respond.problem(make_error(Errc::invalid_field, "?s= must be the link's secret", "s"));
  }
  // Only the live code is drawn, so a screen never shows one that cannot work.
  if (link->state != "pending") {
    return respond.problem(make_error(links::kLinkState, "the link was already claimed or closed"));
  }
  if (!links::secret_matches(**secret, link->secret_hash)) {
    return respond.problem(
        make_error(links::kLinkSecretSuperseded, "not the link's current secret; refresh", "s"));
  }
  if (link->secret_expires_at <= now_millis()) {
    return respond.problem(make_error(links::kLinkSecretExpired, "the secret expired; refresh"));
  }
  auto code =
      links::encode_qr(links::LinkService::link_url(base_url(links, request), link->id, **secret));
  if (!code) return respond.problem(code.error());
  Response r;
  r.status = 200;
  r.headers.emplace_back("Cache-Control", "no-store");
  switch (format) {
    case QrFormat::svg:
      r.content_type = "image/svg+xml";
      r.body = links::render_svg(*code);
      break;
    case QrFormat::png: {
      auto png = links::render_png(*code);
      if (!png) return respond.problem(png.error());
      r.content_type = "image/png";
      r.body = std::move(*png);
      break;
    }
    case QrFormat::text:
      r.content_type = "text/plain; charset=utf-8";
      r.body = links::render_text(*code);
      break;
  }
  respond(std::move(r));
}

}  // namespace

void App::link_qr_svg(Request& request, Responder respond) {
  serve_qr(services_.links, request, std::move(respond), QrFormat::svg);
}
void App::link_qr_png(Request& request, Responder respond) {
  serve_qr(services_.links, request, std::move(respond), QrFormat::png);
}
void App::link_qr_text(Request& request, Responder respond) {
  serve_qr(services_.links, request, std::move(respond), QrFormat::text);
}

void App::push_to_device(Request& request, Responder respond) {
  auto body = parse_json_object(request);
  if (!body) return respond.problem(body.error());
  links::Push push;
  push.from_device_id = request.params[0];
  auto to = required_string(*body, "to_device_id", kMaxIdBytes);
  if (!to) return respond.problem(to.error());
  push.to_device_id = std::move(*to);
  auto kind = required_string(*body, "kind", kMaxKindBytes);
  if (!kind) return respond.problem(kind.error());
  push.kind = std::move(*kind);
  const auto* payload = body->if_contains("payload");
  if (!payload || !payload->is_object()) {
    return respond.problem(
        make_error(Errc::invalid_field, "payload must be a JSON object", "payload"));
  }
  push.payload_json = boost::json::serialize(*payload);
  if (const auto* ttl = body->if_contains("ttl_seconds"); ttl && !ttl->is_null()) {
    if (!ttl->is_int64() || ttl->get_int64() < 1 || ttl->get_int64() > links::kMaxPushTtlSeconds) {
      return respond.problem(make_error(
          Errc::invalid_field, "ttl_seconds must be an integer from 1 to 604800", "ttl_seconds"));
    }
    push.ttl_seconds = static_cast<int>(ttl->get_int64());
  }
  std::string to_device = push.to_device_id;
  std::string push_kind = push.kind;
  services_.links.push(
      request.principal.user_id, std::move(push),
      [respond, to_device, push_kind](Result<links::PushReceipt> r) {
        if (!r) return respond.problem(r.error());
        respond(
            json_response(202, boost::json::object{{"to_device_id", to_device},
                                                   {"kind", push_kind},
                                                   {"cursor", std::to_string(r->cursor)},
                                                   {"expires_at", format_rfc3339(r->expires_at)}}));
      });
}

std::span<const RouteDef> link_routes() {
  static constexpr RouteDef kRoutes[] = {
      // `none`: a sign_in link is asked for by a screen nobody is signed in to; the handler
      // authenticates a bearer token when one is sent.
      {Method::post, "/v1/links", AuthScheme::none, &App::create_link},
      {Method::get, "/v1/links", AuthScheme::user, &App::list_links},
      {Method::del, "/v1/links/{id}", AuthScheme::user, &App::delete_link},
      // `none`: these take the link's watch token, which the handler checks.
      {Method::post, "/v1/links/{id}/refresh", AuthScheme::none, &App::refresh_link},
      {Method::get, "/v1/links/{id}/events", AuthScheme::none, &App::watch_link},
      {Method::get, "/v1/links/{id}/qr.svg", AuthScheme::none, &App::link_qr_svg},
      {Method::get, "/v1/links/{id}/qr.png", AuthScheme::none, &App::link_qr_png},
      {Method::get, "/v1/links/{id}/qr.txt", AuthScheme::none, &App::link_qr_text},
      {Method::post, "/v1/links/{id}/claim", AuthScheme::user, &App::claim_link},
      {Method::post, "/v1/links/{id}/approve", AuthScheme::user, &App::approve_link},
      {Method::post, "/v1/links/{id}/deny", AuthScheme::user, &App::deny_link},
      {Method::post, "/v1/devices/{id}/push", AuthScheme::user, &App::push_to_device},
  };
  return kRoutes;
}

}  // namespace paddock::api
