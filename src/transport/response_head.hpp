#pragma once
// transport/response_head: the head of an HTTP/1.x response (status line and fields), written
// as text into one string. The server used to build a Beast message per response and write it
// through Beast's serializer, whose buffer views cost about 7,000 instructions a response (a
// twentieth of a durable post). The fields are few and all of Paddock's making, so they are
// written directly; the reason phrases are still Beast's. A test holds the text byte for byte to
// what Beast's serializer wrote. Internal to transport.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace paddock::transport {

struct ResponseHead {
  int status = 200;
  unsigned version = 11;  // the request's: 10 or 11
  std::string_view content_type;  // none when empty
  std::string_view date;
  std::string_view request_id;
  const std::vector<std::pair<std::string, std::string>>* headers = nullptr;  // the route's own
  bool keep_alive = true;
  std::optional<std::size_t> content_length;  // none for a status that has no body
};

// Appends the head, through the blank line that ends it, to `out`. A route header whose name or
// value holds a line break or NUL is left out (it could only come from a bug, and would split
// the response).
void append_response_head(std::string& out, const ResponseHead& head);

}  // namespace paddock::transport
