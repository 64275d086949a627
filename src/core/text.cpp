#include "core/text.hpp"

#include <algorithm>

namespace paddock {

std::size_t utf8_length(std::string_view text) {
  return static_cast<std::size_t>(std::count_if(text.begin(), text.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  }));
}

bool has_control_characters(std::string_view text) {
  return std::any_of(text.begin(), text.end(), [](char c) {
    auto u = static_cast<unsigned char>(c);
    return u < 0x20 || u == 0x7F;
  });
}

namespace {

// Decodes the code point at `text[i]` and advances `i`. Input is valid UTF-8; a stray byte is
// returned as itself so that the check never reads past the end.
char32_t next_code_point(std::string_view text, std::size_t& i) {
  auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
  unsigned char lead = byte(i);
  std::size_t extra = lead < 0x80 ? 0 : lead < 0xE0 ? 1 : lead < 0xF0 ? 2 : 3;
  if (lead >= 0x80 && lead < 0xC0) extra = 0;  // a stray continuation byte
  if (i + extra >= text.size()) extra = 0;        // a truncated sequence
  if (extra == 0) {
    ++i;
    return lead;
  }
  char32_t cp = lead & (0x3F >> extra);
  for (std::size_t k = 1; k <= extra; ++k) cp = (cp << 6) | (byte(i + k) & 0x3F);
  i += extra + 1;
  return cp;
}

bool is_control(char32_t c) { return c < 0x20 || (c >= 0x7F && c <= 0x9F); }

bool is_bidi_control(char32_t c) {
  return (c >= 0x202A && c <= 0x202E) || (c >= 0x2066 && c <= 0x2069);
}

// White space, zero-width and other format characters, fillers that render blank, and
// combining marks (which show nothing without a base character).
bool is_invisible(char32_t c) {
  static constexpr std::pair<char32_t, char32_t> kRanges[] = {
      {0x0020, 0x0020}, {0x00A0, 0x00A0}, {0x00AD, 0x00AD}, {0x0300, 0x036F},
      {0x034F, 0x034F}, {0x061C, 0x061C}, {0x115F, 0x1160}, {0x1680, 0x1680},
      {0x17B4, 0x17B5}, {0x180B, 0x180F}, {0x1AB0, 0x1AFF}, {0x1DC0, 0x1DFF},
      {0x2000, 0x200F}, {0x2028, 0x202F}, {0x205F, 0x206F}, {0x20D0, 0x20FF},
      {0x2800, 0x2800}, {0x3000, 0x3000}, {0x3164, 0x3164}, {0xFE00, 0xFE0F},
      {0xFE20, 0xFE2F}, {0xFEFF, 0xFEFF}, {0xFFA0, 0xFFA0}, {0xFFF0, 0xFFFB},
      {0x1D173, 0x1D17A}, {0xE0000, 0xE0FFF},
  };
  for (auto [low, high] : kRanges) {
    if (c >= low && c <= high) return true;
  }
  return false;
}

}  // namespace

NameFault check_name_characters(std::string_view text) {
  bool visible = false;
  for (std::size_t i = 0; i < text.size();) {
    char32_t c = next_code_point(text, i);
    if (is_control(c)) return NameFault::control_character;
    if (is_bidi_control(c)) return NameFault::bidi_control;
    if (!is_invisible(c)) visible = true;
  }
  return visible ? NameFault::none : NameFault::invisible;
}

Result<std::string> check_name(std::string_view text, std::string_view field,
                               std::size_t max_chars) {
  std::string name(field);
  std::size_t length = utf8_length(text);
  if (length < 1 || length > max_chars) {
    return make_error(Errc::invalid_field,
                      name + " must be 1 to " + std::to_string(max_chars) + " characters", name);
  }
  switch (check_name_characters(text)) {
    case NameFault::none: return std::string(text);
    case NameFault::control_character:
      return make_error(Errc::invalid_field, name + " must not contain control characters", name);
    case NameFault::bidi_control:
      return make_error(Errc::invalid_field,
                        name + " must not contain bidirectional embedding, override or isolate "
                               "characters",
                        name);
    case NameFault::invisible: break;
  }
  return make_error(Errc::invalid_field,
                    name + " must contain a visible character (not only spaces, zero-width or "
                           "format characters)",
                    name);
}

std::string ascii_lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

}  // namespace paddock
