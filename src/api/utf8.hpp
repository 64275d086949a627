#pragma once
// api/utf8: checks for text that goes back to clients inside JSON, which must be UTF-8.
#include <cstddef>
#include <string>
#include <string_view>

namespace paddock::api {

// Length of the valid UTF-8 prefix of `text` (RFC 3629: no overlong forms, no surrogates,
// nothing past U+10FFFF); text.size() iff all of it is valid.
std::size_t valid_utf8_prefix(std::string_view text);
inline bool is_valid_utf8(std::string_view text) {
  return valid_utf8_prefix(text) == text.size();
}

// `text` with every byte that is not part of a valid UTF-8 sequence written as the four
// characters \xHH, so that it can be echoed to a client.
std::string escape_invalid_utf8(std::string_view text);

}  // namespace paddock::api
