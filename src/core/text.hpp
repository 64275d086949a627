#pragma once
// core/text: small, locale-free helpers for validating user-supplied text.
#include <cstddef>
#include <string>
#include <string_view>

namespace paddock {

// Number of Unicode code points in valid UTF-8 `text` (continuation bytes are not counted).
std::size_t utf8_length(std::string_view text);

// True iff `text` contains an ASCII control character (including DEL).
bool has_control_characters(std::string_view text);

std::string ascii_lower(std::string_view text);

}  // namespace paddock
