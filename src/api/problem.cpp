#include "api/problem.hpp"

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

namespace paddock::api {

Response problem_response(const Error& error, std::string_view request_id) {
  const ErrcInfo& info = describe(error.code);
  boost::json::object doc;
  doc["type"] = std::string("urn:paddock:problem:") + std::string(info.code);
  doc["title"] = info.title;
  doc["status"] = info.http_status;
  doc["detail"] = error.detail.empty() ? info.title : std::string_view(error.detail);
  doc["code"] = info.code;
  doc["request_id"] = request_id;
  if (!error.field.empty()) doc["field"] = error.field;

  Response r;
  r.status = info.http_status;
  r.content_type = "application/problem+json";
  r.body = boost::json::serialize(doc);
  if (info.http_status == 401) r.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"paddock\"");
  if (error.retry_after_seconds > 0) {
    r.headers.emplace_back("Retry-After", std::to_string(error.retry_after_seconds));
  }
  return r;
}

}  // namespace paddock::api
