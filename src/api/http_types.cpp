#include "api/http_types.hpp"

#include <atomic>

#include "api/problem.hpp"

namespace paddock::api {

std::string_view method_name(Method m) {
  switch (m) {
    case Method::get: return "GET";
    case Method::post: return "POST";
    case Method::put: return "PUT";
    case Method::patch: return "PATCH";
    case Method::del: return "DELETE";
    case Method::options: return "OPTIONS";
    case Method::head: return "HEAD";
    case Method::other: break;
  }
  return "OTHER";
}

Method parse_method(std::string_view text) {
  for (Method m : {Method::get, Method::post, Method::put, Method::patch, Method::del,
                   Method::options, Method::head}) {
    if (method_name(m) == text) return m;
  }
  return Method::other;
}

std::string_view auth_scheme_name(AuthScheme scheme) {
  switch (scheme) {
    case AuthScheme::none: return "none";
    case AuthScheme::user: return "user";
    case AuthScheme::publisher: return "publisher";
    case AuthScheme::charge_point: return "charge_point";
    case AuthScheme::vehicle_platform: return "vehicle_platform";
  }
  return "none";
}

struct Responder::State {
  Sink sink;
  std::string request_id;
  std::atomic<bool> done{false};
  ~State() {
    if (!done.load()) {
      sink(problem_response(make_error(Errc::internal, "the request was dropped unanswered"),
                            request_id));
    }
  }
};

Responder::Responder(Sink sink, std::string request_id)
    : state_(std::make_shared<State>()) {
  state_->sink = std::move(sink);
  state_->request_id = std::move(request_id);
}

void Responder::operator()(Response response) const {
  if (state_->done.exchange(true)) return;
  state_->sink(std::move(response));
}

void Responder::problem(const Error& error) const {
  (*this)(problem_response(error, state_->request_id));
}

const std::string& Responder::request_id() const { return state_->request_id; }

}  // namespace paddock::api
