#pragma once
// api/http_types: the request and response the transport hands the API, free of Beast so that
// handlers compile fast and can be tested without sockets.
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
  std::string principal;  // the authenticated user id, empty if none (api::Principal at merge)
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
