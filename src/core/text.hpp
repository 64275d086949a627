#pragma once
// core/text: small, locale-free helpers for validating user-supplied text.
#include <cstddef>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace paddock {

// Number of Unicode code points in valid UTF-8 `text` (continuation bytes are not counted).
std::size_t utf8_length(std::string_view text);

// True iff `text` contains an ASCII control character (including DEL).
bool has_control_characters(std::string_view text);

std::string ascii_lower(std::string_view text);

// What makes a name a person chose (display name, device or vehicle nickname) unfit to show to
// others. Names are shown in lists and prompts where spoofing matters: a name nobody can see,
// or one that reorders the text around it, is refused.
enum class NameFault {
  none,
  control_character,  // C0, DEL or C1 control
  bidi_control,       // an explicit embedding, override or isolate (U+202A-E, U+2066-9)
  invisible,          // nothing but white space, zero-width, format or combining characters
};

// Checks valid UTF-8 `text` (as Boost.JSON hands it over). Returns the first fault found.
NameFault check_name_characters(std::string_view text);

// A name a person chose (display name, device or vehicle nickname): 1 to `max_chars` characters
// with no fault above. Returns it, or invalid_field naming `field` and saying what is wrong.
Result<std::string> check_name(std::string_view text, std::string_view field,
                               std::size_t max_chars = 64);

}  // namespace paddock
