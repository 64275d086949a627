#pragma once
// api/http_types: the request and response the transport hands the API, free of Beast so that
// handlers compile fast and can be tested without sockets.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/error.hpp"
#include "core/result.hpp"
#include "feed/event_stream.hpp"

namespace paddock::api {

enum class Method { get, post, put, patch, del, options, head, other };
std::string_view method_name(Method m);
Method parse_method(std::string_view text);

// How a route proves who is calling; each route declares one (api/app.hpp RouteDef).
enum class AuthScheme : std::uint8_t {
  none,              // anyone; the handler may authenticate in-band itself (/v1/stream)
  user,              // a session: Authorization: Bearer <token>
  publisher,         // a signed request (RFC 9421 HTTP Message Signatures); not implemented yet
  charge_point,      // OCPP charge point: HTTP Basic (OCPP 1.6-J security profile 1/2); not yet
  vehicle_platform,  // a vehicle platform's own credential; not implemented yet
};
std::string_view auth_scheme_name(AuthScheme scheme);

// Who the route's scheme proved is calling. Set before the handler runs; empty for `none`.
// Other kinds of caller (publisher, charge point, platform) add their identifiers here.
struct Principal {
  AuthScheme scheme = AuthScheme::none;
  std::string user_id;     // scheme user: the account
  std::string token_hash;  // scheme user: the session, so that it can be ended
};

struct Request {
  Method method = Method::other;
  std::string path;   // without the query string, not percent-decoded
  std::string query;  // after '?', raw
  std::string authorization;
  std::string content_type;
  std::string request_id;
  std::string remote_address;
  std::string body;
  std::string last_event_id;       // SSE resume header
  bool websocket_upgrade = false;  // a valid WebSocket upgrade request
  std::vector<std::string> params;  // path template parameters, filled by the router
  Principal principal;              // filled by the route's authentication scheme
};

// Asks the transport to turn the connection into an event stream instead of answering once.
struct StreamUpgrade {
  enum class Kind { websocket, server_sent_events };
  Kind kind = Kind::websocket;
  std::shared_ptr<feed::EventStream> stream;  // null: a WebSocket that authenticates in-band
  // For in-band authentication: given the first text frame, the stream or the reason to close.
  std::function<Result<std::shared_ptr<feed::EventStream>>(std::string_view first_frame)>
      authenticate;
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
