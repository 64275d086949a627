// Feed routes: the paged feed and the two live transports (WebSocket and Server-Sent Events).
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>

#include "api/app.hpp"
#include "api/problem.hpp"
#include "api/query.hpp"
#include "devices/device_service.hpp"
#include "feed/feed_session.hpp"
#include "feed/feed_stream.hpp"
#include "sharing/errors.hpp"
#include "sharing/sharing_service.hpp"

namespace paddock::api {
namespace {

// A stream cursor: absent means "from now on", so a new client starts live, past everything
// this node has committed (Hub::start_position). The log is read only when the hub cannot
// answer: a cursor past what the hub delivered may be ahead of the feed, and a hub that has not
// started knows no position.
Result<std::int64_t> stream_cursor(feed::Hub& hub, sharing::SharingService& sharing,
                                   std::string_view text) {
  if (text.empty()) {
    if (auto now = hub.start_position()) return *now;
    return sharing.feed_head();
  }
  auto cursor = sharing::parse_cursor(text);
  if (!cursor) return cursor;
  const std::optional<std::int64_t> hub_at = hub.delivered_through();
  if (hub_at && *cursor <= *hub_at) return cursor;
  PADDOCK_ASSIGN(head, sharing.feed_head());
  if (*cursor > head) {
    return make_error(sharing::kInvalidCursor, "the cursor is ahead of this server's feed",
                      "cursor");
  }
  return cursor;
}

// ?device_id=: the stream or page serves that device of the caller's and also gets the events
// that target it; absent, only the events that target no device. Error: forbidden.
Result<std::optional<std::string>> feed_device(devices::DeviceService& devices,
                                               std::string_view query,
                                               const std::string& user_id) {
  auto device_id = query_param(query, "device_id");
  if (!device_id || !device_id->has_value()) return device_id;
  if (auto ok = devices.check_own_device(user_id, **device_id); !ok) return ok.take_error();
  return device_id;
}

}  // namespace

void App::get_feed(Request& request, Responder respond) {
  const Principal& who = request.principal;
  auto cursor_text = query_param(request.query, "cursor");
  if (!cursor_text) return respond.problem(cursor_text.error());
  auto cursor = sharing::parse_cursor(cursor_text->value_or(""));
  if (!cursor) return respond.problem(cursor.error());
  auto limit = query_int(request.query, "limit", 1, 500, 100);
  if (!limit) return respond.problem(limit.error());
  auto device = feed_device(services_.devices, request.query, who.user_id);
  if (!device) return respond.problem(device.error());
  auto page = services_.sharing.feed(who.user_id, *cursor, static_cast<int>(*limit), *device);
  if (!page) return respond.problem(page.error());
  // Events are serialized exactly as the live streams send them.
  std::string body = "{\"events\":[";
  for (std::size_t i = 0; i < page->events.size(); ++i) {
    if (i) body += ',';
    body += feed::make_frame(page->events[i])->json;
  }
  body += "],\"next_cursor\":\"" + std::to_string(page->next_cursor) + "\"}";
  Response r;
  r.status = 200;
  r.content_type = "application/json";
  r.body = std::move(body);
  respond(std::move(r));
}

void App::open_websocket_stream(Request& request, Responder respond) {
  if (!request.websocket_upgrade) {
    Response r = problem_response(
        make_error(Errc::upgrade_required, "connect with a WebSocket client (Upgrade: websocket)"),
        respond.request_id());
    r.headers.emplace_back("Upgrade", "websocket");  // RFC 9110 §15.5.22: name the protocol
    return respond(std::move(r));
  }
  auto cursor_text = query_param(request.query, "cursor");
  if (!cursor_text) return respond.problem(cursor_text.error());
  auto cursor = stream_cursor(services_.hub, services_.sharing, cursor_text->value_or(""));
  if (!cursor) return respond.problem(cursor.error());

  auto upgrade = std::make_shared<StreamUpgrade>();
  upgrade->kind = StreamUpgrade::Kind::websocket;
  feed::Hub& hub = services_.hub;
  sharing::SharingService& sharing = services_.sharing;
  WorkPool* read_pool = services_.stream_read_pool;
  std::int64_t from = *cursor;
  if (!request.authorization().empty()) {
    auto who = authenticate(request, respond);
    if (!who) return;
    auto device = feed_device(services_.devices, request.query, who->user_id);
    if (!device) return respond.problem(device.error());
    upgrade->principal = who->user_id;
    upgrade->handler = std::make_shared<feed::FeedSession>(std::make_shared<feed::FeedStream>(
        hub, sharing, who->user_id, from, feed::FeedStreamOptions{.session = who->token_hash, .read_pool = read_pool},
        *device));
  } else {
    // Browsers cannot set headers on a WebSocket: the first text frame carries the token.
    identity::IdentityService& identity = services_.identity;
    devices::DeviceService& devices = services_.devices;
    upgrade->handler = std::make_shared<feed::FeedSession>(
        [&identity, &devices, &hub, &sharing, read_pool, from, query = request.query](
            std::string_view frame) -> Result<std::shared_ptr<feed::EventStream>> {
          boost::system::error_code ec;
          auto value = boost::json::parse(frame, ec);
          const boost::json::object* message = ec ? nullptr : value.if_object();
          const boost::json::value* type = message ? message->if_contains("type") : nullptr;
          const boost::json::value* token = message ? message->if_contains("token") : nullptr;
          if (!type || !type->is_string() || type->get_string() != "auth" || !token ||
              !token->is_string()) {
            return make_error(Errc::unauthorized,
                              "send {\"type\":\"auth\",\"token\":\"...\"} as the first frame");
          }
          auto who = identity.authenticate("Bearer " + std::string(token->get_string()));
          if (!who) return who.take_error();
          auto device = feed_device(devices, query, who->user_id);
          if (!device) return device.take_error();
          return std::shared_ptr<feed::EventStream>(std::make_shared<feed::FeedStream>(
              hub, sharing, who->user_id, from,
              feed::FeedStreamOptions{.session = who->token_hash, .read_pool = read_pool}, *device));
        });
  }
  Response r;
  r.status = 101;
  r.upgrade = std::move(upgrade);
  respond(std::move(r));
}

void App::open_event_source(Request& request, Responder respond) {
  const Principal& who = request.principal;
  // Last-Event-ID (sent by EventSource on reconnect) wins over ?cursor=.
  std::string cursor_text(request.last_event_id());
  if (cursor_text.empty()) {
    auto from_query = query_param(request.query, "cursor");
    if (!from_query) return respond.problem(from_query.error());
    cursor_text = from_query->value_or("");
  }
  auto cursor = stream_cursor(services_.hub, services_.sharing, cursor_text);
  if (!cursor) return respond.problem(cursor.error());
  auto device = feed_device(services_.devices, request.query, who.user_id);
  if (!device) return respond.problem(device.error());
  auto upgrade = std::make_shared<StreamUpgrade>();
  upgrade->kind = StreamUpgrade::Kind::server_sent_events;
  upgrade->principal = who.user_id;
  upgrade->handler = std::make_shared<feed::FeedSession>(
      std::make_shared<feed::FeedStream>(services_.hub, services_.sharing, who.user_id, *cursor,
                                         feed::FeedStreamOptions{.session = who.token_hash,
                                                                   .read_pool = services_.stream_read_pool},
                                         *device));
  Response r;
  r.status = 200;
  r.content_type = "text/event-stream";
  r.upgrade = std::move(upgrade);
  respond(std::move(r));
}

std::span<const RouteDef> feed_routes() {
  static constexpr RouteDef kRoutes[] = {
      {Method::get, "/v1/feed", AuthScheme::user, &App::get_feed},
      // `none`: the handler takes a bearer header or, from browsers, the first frame.
      {Method::get, "/v1/stream", AuthScheme::none, &App::open_websocket_stream},
      {Method::get, "/v1/events", AuthScheme::user, &App::open_event_source},
  };
  return kRoutes;
}

}  // namespace paddock::api
