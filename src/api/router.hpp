#pragma once
// api/router: matches a method and path against route templates such as "/v1/devices/{id}".
// Knows which methods a path allows, for 405 answers with an Allow header.
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "api/http_types.hpp"

namespace paddock::api {

using Handler = std::function<void(Request&, Responder)>;

class Router {
 public:
  // Registers a handler; templates are '/'-separated literals and {name} segments.
  void add(Method method, std::string_view path_template, Handler handler);

  struct Match {
    const Handler* handler = nullptr;   // null: no route for this method and path
    std::size_t entry = 0;              // when found: which add() call, counted from 0
    std::size_t route = 0;              // index into templates(), or templates().size()
    std::vector<std::string> params;
    std::string allow;                  // non-empty iff the path exists under other methods
  };
  Match match(Method method, std::string_view path) const;

  // Distinct templates in registration order (metric label values).
  const std::vector<std::string>& templates() const { return templates_; }

 private:
  struct Route {
    Method method;
    std::size_t template_index;
    std::vector<std::string> segments;
    Handler handler;
  };
  static bool matches(const Route& route, const std::vector<std::string_view>& segments,
                      std::vector<std::string>* params);

  std::vector<Route> routes_;
  std::vector<std::string> templates_;
};

}  // namespace paddock::api
