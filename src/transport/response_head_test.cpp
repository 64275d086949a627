// The response head is held to what Beast's serializer wrote for the same response, which is
// how the server answered before it wrote heads itself.
#include "transport/response_head.hpp"

#include <gtest/gtest.h>

#include <boost/beast/http.hpp>

#include <sstream>

namespace paddock::transport {
namespace {

namespace http = boost::beast::http;
using Fields = std::vector<std::pair<std::string, std::string>>;

// The server's former way: a Beast message, set field by field, serialized.
std::string beast_head(const ResponseHead& h) {
  http::response<http::string_body> res{static_cast<http::status>(h.status), h.version};
  if (!h.content_type.empty()) res.set(http::field::content_type, h.content_type);
  res.set(http::field::date, h.date);
  res.set("X-Request-Id", h.request_id);
  if (h.headers) {
    for (const auto& [name, value] : *h.headers) res.set(name, value);
  }
  res.keep_alive(h.keep_alive);
  if (h.content_length) {
    res.body() = std::string(*h.content_length, 'x');
    res.prepare_payload();
  }
  std::ostringstream text;
  text << res.base();
  return text.str();
}

std::string our_head(const ResponseHead& h) {
  std::string out;
  append_response_head(out, h);
  return out;
}

TEST(ResponseHead, IsWhatBeastWroteForEveryShapeTheServerAnswers) {
  const Fields none;
  const Fields problem401 = {{"WWW-Authenticate", "Bearer realm=\"paddock\""}};
  const Fields not_allowed = {{"Allow", "GET, POST"}};
  const Fields throttled = {{"Retry-After", "30"}};
  const Fields page = {{"Content-Security-Policy", "default-src 'self'"},
                       {"X-Content-Type-Options", "nosniff"},
                       {"Referrer-Policy", "no-referrer"},
                       {"Cache-Control", "no-cache"}};
  const Fields upgrade = {{"Upgrade", "websocket"}};
  struct Case {
    int status;
    unsigned version;
    std::string_view content_type;
    const Fields* headers;
    bool keep_alive;
    std::optional<std::size_t> length;
  };
  const Case cases[] = {
      {200, 11, "application/json", &none, true, 27},
      {201, 11, "application/json", &none, true, 412},
      {201, 11, "application/json", &none, false, 412},
      {204, 11, "", &none, true, std::nullopt},
      {200, 10, "application/json", &none, true, 2},
      {200, 10, "application/json", &none, false, 2},
      {204, 10, "", &none, false, std::nullopt},
      {304, 11, "", &page, true, std::nullopt},
      {400, 11, "application/problem+json", &none, false, 180},
      {401, 11, "application/problem+json", &problem401, true, 150},
      {405, 11, "application/problem+json", &not_allowed, true, 160},
      {426, 11, "application/problem+json", &upgrade, true, 140},
      {429, 10, "application/problem+json", &throttled, true, 130},
      {200, 11, "text/html; charset=utf-8", &page, true, 70'000},
      {500, 11, "application/problem+json", &none, true, 0},
      {503, 11, "application/problem+json", nullptr, false, 99},
  };
  for (const auto& c : cases) {
    ResponseHead h{c.status, c.version, c.content_type, "Sun, 29 Nov 2026 16:00:00 GMT",
                   "req-0123456789abcdef", c.headers, c.keep_alive, c.length};
    EXPECT_EQ(our_head(h), beast_head(h))
        << c.status << " HTTP/" << c.version / 10 << "." << c.version % 10
        << (c.keep_alive ? " keep-alive" : " close");
  }
}

TEST(ResponseHead, AFieldWithALineBreakIsLeftOut) {
  const Fields fields = {{"Location", "/v1/x\r\nSet-Cookie: stolen=1"},
                         {"X-Bad\nName", "v"},
                         {"X-Nul", std::string("a\0b", 3)},
                         {"Cache-Control", "no-store"}};
  std::string out;
  append_response_head(out, ResponseHead{200, 11, "", "d", "r", &fields, true, 0});
  EXPECT_EQ(out,
            "HTTP/1.1 200 OK\r\nDate: d\r\nX-Request-Id: r\r\nCache-Control: no-store\r\n"
            "Content-Length: 0\r\n\r\n");
}

TEST(ResponseHead, AppendsToWhatIsThere) {
  std::string out = "kept";
  append_response_head(out, ResponseHead{204, 11, "", "d", "r", nullptr, true, std::nullopt});
  EXPECT_EQ(out, "keptHTTP/1.1 204 No Content\r\nDate: d\r\nX-Request-Id: r\r\n\r\n");
}

}  // namespace
}  // namespace paddock::transport
