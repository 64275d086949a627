#include "core/ids.hpp"

#include <algorithm>

#include "core/encoding.hpp"

namespace paddock {

std::string new_id(std::string_view prefix) {
  std::string id(prefix);
  id += '_';
  id += base64url_encode(random_bytes(12));
  return id;
}

bool looks_like_id(std::string_view text) {
  if (text.empty() || text.size() > 64) return false;
  return std::all_of(text.begin(), text.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-';
  });
}

}  // namespace paddock
