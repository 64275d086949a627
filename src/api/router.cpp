#include "api/router.hpp"

#include <algorithm>

namespace paddock::api {
namespace {

std::vector<std::string_view> split(std::string_view path) {
  std::vector<std::string_view> out;
  std::size_t start = 1;  // skip the leading '/'
  while (start <= path.size()) {
    std::size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    out.push_back(path.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

bool is_parameter(std::string_view segment) {
  return segment.size() > 2 && segment.front() == '{' && segment.back() == '}';
}

}  // namespace

void Router::add(Method method, std::string_view path_template, Handler handler) {
  auto it = std::find(templates_.begin(), templates_.end(), path_template);
  std::size_t index = static_cast<std::size_t>(it - templates_.begin());
  if (it == templates_.end()) templates_.emplace_back(path_template);
  Route route{method, index, {}, std::move(handler)};
  for (auto segment : split(path_template)) route.segments.emplace_back(segment);
  routes_.push_back(std::move(route));
}

bool Router::matches(const Route& route, const std::vector<std::string_view>& segments,
                     std::vector<std::string>* params) {
  if (route.segments.size() != segments.size()) return false;
  for (std::size_t i = 0; i < segments.size(); ++i) {
    if (is_parameter(route.segments[i])) {
      if (segments[i].empty()) return false;
    } else if (route.segments[i] != segments[i]) {
      return false;
    }
  }
  if (params) {
    params->clear();
    for (std::size_t i = 0; i < segments.size(); ++i) {
      if (is_parameter(route.segments[i])) params->emplace_back(segments[i]);
    }
  }
  return true;
}

Router::Match Router::match(Method method, std::string_view path) const {
  Match result;
  result.route = templates_.size();
  if (path.empty() || path.front() != '/') return result;
  auto segments = split(path);
  for (std::size_t entry = 0; entry < routes_.size(); ++entry) {
    const Route& route = routes_[entry];
    if (!matches(route, segments, nullptr)) continue;
    result.route = route.template_index;
    if (route.method == method) {
      result.handler = &route.handler;
      result.entry = entry;
      matches(route, segments, &result.params);
      return result;
    }
    if (!result.allow.empty()) result.allow += ", ";
    result.allow += method_name(route.method);
  }
  if (result.allow.empty()) result.route = templates_.size();
  return result;
}

}  // namespace paddock::api
