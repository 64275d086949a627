#include "transport/response_head.hpp"

#include <boost/beast/http/status.hpp>

#include <charconv>

namespace paddock::transport {
namespace {

void append_field(std::string& out, std::string_view name, std::string_view value) {
  out.append(name).append(": ").append(value).append("\r\n");
}

// A line break (or NUL) in a field would end the field, or the head, where the route did not
// mean it to: response splitting. Every value is Paddock's own and none has one, so such a
// field can only come from a bug; it is left out rather than written.
bool fits_one_line(std::string_view text) {
  return text.find_first_of(std::string_view("\r\n\0", 3)) == std::string_view::npos;
}

void append_number(std::string& out, std::size_t n) {
  char digits[24];
  auto end = std::to_chars(digits, digits + sizeof digits, n).ptr;
  out.append(digits, end);
}

}  // namespace

void append_response_head(std::string& out, const ResponseHead& head) {
  out.append(head.version == 10 ? "HTTP/1.0 " : "HTTP/1.1 ");
  append_number(out, static_cast<std::size_t>(head.status));
  out.push_back(' ');
  out.append(boost::beast::http::obsolete_reason(
      static_cast<boost::beast::http::status>(head.status)));
  out.append("\r\n");
  if (!head.content_type.empty()) append_field(out, "Content-Type", head.content_type);
  append_field(out, "Date", head.date);
  append_field(out, "X-Request-Id", head.request_id);
  if (head.headers) {
    for (const auto& [name, value] : *head.headers) {
      if (fits_one_line(name) && fits_one_line(value)) append_field(out, name, value);
    }
  }
  // What Beast's keep_alive() writes: HTTP/1.1 persists unless told, HTTP/1.0 only when told.
  if (head.version == 10 && head.keep_alive) append_field(out, "Connection", "keep-alive");
  if (head.version != 10 && !head.keep_alive) append_field(out, "Connection", "close");
  if (head.content_length) {
    out.append("Content-Length: ");
    append_number(out, *head.content_length);
    out.append("\r\n");
  }
  out.append("\r\n");
}

}  // namespace paddock::transport
