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
    case AuthScheme::head_unit: return "head_unit";
    case AuthScheme::user_or_head_unit: return "user_or_head_unit";
  }
  return "none";
}

namespace {

bool equal_ignoring_ascii_case(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

}  // namespace

void Headers::reserve(std::size_t fields, std::size_t bytes) {
  fields_.reserve(fields);
  bytes_.reserve(bytes);
}

void Headers::add(std::string_view name, std::string_view value) {
  // Offsets, not views, so that growing bytes_ moves nothing that was handed out before.
  Field f{static_cast<std::uint32_t>(bytes_.size()), static_cast<std::uint32_t>(name.size()),
          static_cast<std::uint32_t>(bytes_.size() + name.size()),
          static_cast<std::uint32_t>(value.size())};
  bytes_.append(name);
  bytes_.append(value);
  fields_.push_back(f);
}

std::string_view Headers::get(std::string_view name) const {
  for (const Field& f : fields_) {
    if (equal_ignoring_ascii_case(slice(f.name_at, f.name_size), name)) {
      return slice(f.value_at, f.value_size);
    }
  }
  return {};
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
