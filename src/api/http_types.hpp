#pragma once
// api/http_types: the request and response the transport hands the API, free of Beast so that
// handlers compile fast and can be tested without sockets.
#include <boost/container/small_vector.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/error.hpp"
#include "core/result.hpp"
#include "session/session.hpp"

namespace paddock::api {

enum class Method { get, post, put, patch, del, options, head, other };
std::string_view method_name(Method m);
Method parse_method(std::string_view text);

// How a route proves who is calling; each route declares one (api/app.hpp RouteDef).
enum class AuthScheme : std::uint8_t {
  none,              // anyone; the handler may authenticate in-band itself (/v1/stream)
  user,              // a session: Authorization: Bearer <token>
  publisher,         // a signed request (RFC 9421 HTTP Message Signatures)
  charge_point,      // OCPP charge point: HTTP Basic (OCPP 1.6-J security profile 1/2)
  vehicle_platform,  // a vehicle platform's own secret: Authorization: Bearer <secret>
  head_unit,         // a car's head unit: Authorization: PaddockHeadUnit (keys/head_unit_auth)
  user_or_head_unit,  // a user's bearer token or a head unit; the principal's scheme says which
};
std::string_view auth_scheme_name(AuthScheme scheme);

// Who the route's scheme proved is calling. Set before the handler runs; empty for `none`.
// Other kinds of caller (publisher, charge point, platform) add their identifiers here.
struct Principal {
  AuthScheme scheme = AuthScheme::none;
  std::string user_id;     // scheme user: the account
  std::string token_hash;  // scheme user: the session, so that it can be ended
  std::string head_unit_id;  // scheme head_unit: the head unit
  std::string vehicle_id;    // scheme head_unit: the vehicle it belongs to
  std::string charge_point_id;  // scheme charge_point: the pile whose password checked out
  std::string vehicle_platform_id;  // scheme vehicle_platform
  std::string publisher_id;     // scheme publisher: the signature's keyid
  std::string nonce;            // scheme publisher: spent by the handler's write
  std::int64_t signed_at = 0;   // scheme publisher: the signature's created (seconds)
};

// A request's header fields as received; their total size is bounded by the transport's
// header limit. Names compare case-insensitively (RFC 9110 section 5.1). Filling it costs one
// allocation for the bytes; the index needs none up to kInlineFields fields.
class Headers {
 public:
  static constexpr std::size_t kInlineFields = 12;

  // Makes room for `fields` fields holding `bytes` name and value bytes in all.
  void reserve(std::size_t fields, std::size_t bytes);
  void add(std::string_view name, std::string_view value);

  // The value of the first field called `name`, or empty when there is none.
  std::string_view get(std::string_view name) const;
  std::size_t size() const { return fields_.size(); }
  std::string_view name(std::size_t i) const {
    return slice(fields_[i].name_at, fields_[i].name_size);
  }
  std::string_view value(std::size_t i) const {
    return slice(fields_[i].value_at, fields_[i].value_size);
  }

 private:
  struct Field {
    std::uint32_t name_at, name_size, value_at, value_size;
  };
  std::string_view slice(std::uint32_t at, std::uint32_t size) const {
    return std::string_view(bytes_).substr(at, size);
  }
  std::string bytes_;
  boost::container::small_vector<Field, kInlineFields> fields_;
};

struct Request {
  Method method = Method::other;
  std::string path;   // without the query string, not percent-decoded
  std::string query;  // after '?', raw
  Headers headers;
  std::string request_id;
  std::string remote_address;
  std::string body;
  bool websocket_upgrade = false;  // a valid WebSocket upgrade request

  // Header values, empty when absent. Views into `headers`: valid while the request is.
  std::string_view header(std::string_view name) const { return headers.get(name); }
  std::string_view authorization() const { return headers.get("Authorization"); }
  std::string_view content_type() const { return headers.get("Content-Type"); }
  std::string_view last_event_id() const { return headers.get("Last-Event-ID"); }  // SSE resume
  std::vector<std::string> params;  // path template parameters, filled by the router
  Principal principal;              // filled by the route's authentication scheme
};

// Asks the transport to turn the connection into a WebSocket or an SSE stream instead of
// answering once: the transport completes the handshake and hands a session::Session to
// `handler` (see session/session.hpp for who owns what).
struct StreamUpgrade {
  enum class Kind { websocket, server_sent_events };
  Kind kind = Kind::websocket;
  std::shared_ptr<session::Handler> handler;
  // WebSocket subprotocols the route speaks (Sec-WebSocket-Protocol), preferred first. A client
  // offering none of them gets no Sec-WebSocket-Protocol back (RFC 6455 §4.2.2); if
  // `subprotocol_required`, the handshake completes and the connection closes with 1002.
  std::vector<std::string> subprotocols;
  bool subprotocol_required = false;
  std::string principal;  // the authenticated user id (Principal::user_id), empty if none
};

struct Response {
  int status = 200;
  std::string content_type;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  std::shared_ptr<StreamUpgrade> upgrade;  // set only by the stream routes
};

// Completes a request exactly once. Copies share one completion; the first call wins, and if
// every copy is dropped without a call the client still gets a 500 (a bug, never a hang).
class Responder {
 public:
  using Sink = std::function<void(Response)>;
  Responder(Sink sink, std::string request_id);

  void operator()(Response response) const;
  void problem(const Error& error) const;
  const std::string& request_id() const;

 private:
  struct State;
  std::shared_ptr<State> state_;
};

}  // namespace paddock::api
