#include "sharing/identification.hpp"

#include <array>
#include <cstdio>

namespace paddock::sharing {
namespace {

constexpr std::size_t kVinLength = 17;
constexpr std::size_t kMinPlateLength = 2;
constexpr std::size_t kMaxPlateLength = 16;

constexpr char32_t kInvalidCodePoint = 0xFFFFFFFF;

struct Decoded {
  char32_t code_point;  // kInvalidCodePoint when the bytes are not well-formed UTF-8
  std::size_t byte_count;
};

// Decodes the code point starting at text[pos]. The JSON parser has validated the input
// already, but this stays strict (no overlongs, surrogates or values past U+10FFFF) so that a
// caller that skipped validation cannot smuggle in two spellings of one plate.
Decoded decode_utf8(std::string_view text, std::size_t pos) {
  auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[pos + i]); };
  unsigned char lead = byte(0);
  if (lead < 0x80) return {lead, 1};
  std::size_t count = 0;
  char32_t value = 0;
  char32_t minimum = 0;
  if ((lead & 0xE0) == 0xC0) {
    count = 2, value = lead & 0x1F, minimum = 0x80;
  } else if ((lead & 0xF0) == 0xE0) {
    count = 3, value = lead & 0x0F, minimum = 0x800;
  } else if ((lead & 0xF8) == 0xF0) {
    count = 4, value = lead & 0x07, minimum = 0x10000;
  } else {
    return {kInvalidCodePoint, 1};
  }
  if (pos + count > text.size()) return {kInvalidCodePoint, 1};
  for (std::size_t i = 1; i < count; ++i) {
    if ((byte(i) & 0xC0) != 0x80) return {kInvalidCodePoint, 1};
    value = (value << 6) | (byte(i) & 0x3F);
  }
  bool surrogate = value >= 0xD800 && value <= 0xDFFF;
  if (value < minimum || value > 0x10FFFF || surrogate) return {kInvalidCodePoint, 1};
  return {value, count};
}

void append_utf8(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// "U+00B7", so that invisible or look-alike characters can be named in an error detail.
std::string code_point_label(char32_t cp) {
  std::array<char, 16> buffer{};
  std::snprintf(buffer.data(), buffer.size(), "U+%04X", static_cast<unsigned>(cp));
  return buffer.data();
}

bool is_control(char32_t cp) { return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F); }

bool is_ascii_upper(char32_t cp) { return cp >= 'A' && cp <= 'Z'; }
bool is_ascii_lower(char32_t cp) { return cp >= 'a' && cp <= 'z'; }
bool is_ascii_digit(char32_t cp) { return cp >= '0' && cp <= '9'; }

// Typed between the groups of a plate but not part of its identity.
bool is_plate_separator(char32_t cp) {
  return cp == ' ' || cp == '-' || cp == '.' || cp == 0x00B7 || cp == 0x30FB || cp == 0x2022;
}

// Scripts printed on plates besides Latin letters and digits: Han (Chinese province and
// Japanese region names), Japanese kana and Korean Hangul syllables.
bool is_cjk(char32_t cp) {
  return (cp >= 0x3400 && cp <= 0x4DBF) ||    // Han extension A
         (cp >= 0x4E00 && cp <= 0x9FFF) ||    // Han unified ideographs
         (cp >= 0xF900 && cp <= 0xFAFF) ||    // Han compatibility ideographs
         (cp >= 0x20000 && cp <= 0x3134F) ||  // Han extensions B to G
         (cp >= 0x3041 && cp <= 0x3096) ||    // Hiragana
         (cp >= 0x30A1 && cp <= 0x30FA) ||    // Katakana (U+30FB middle dot is a separator)
         (cp >= 0xAC00 && cp <= 0xD7A3);      // Hangul syllables
}

// Upper-cases ASCII letters and the German umlauts, which district codes use (TÜ, LÖ, MÜ),
// so that "tü" and "TÜ" are one plate.
char32_t fold_plate_letter(char32_t cp) {
  if (is_ascii_lower(cp)) return cp - 'a' + 'A';
  if (cp == 0x00E4 || cp == 0x00F6 || cp == 0x00FC) return cp - 0x20;  // ä ö ü
  return cp;
}

// What may remain on a plate once separators are gone and letters are folded.
bool is_plate_character(char32_t cp) {
  bool umlaut = cp == 0x00C4 || cp == 0x00D6 || cp == 0x00DC;  // Ä Ö Ü
  return is_ascii_upper(cp) || is_ascii_digit(cp) || umlaut || is_cjk(cp);
}

// ISO 3779 transliteration of a VIN character; digits are themselves and I, O, Q (never
// valid) count as 0.
int vin_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  static constexpr std::array<int, 26> kLetterValues = {
      1, 2, 3, 4, 5, 6, 7, 8, 0,  // A-I
      1, 2, 3, 4, 5, 0, 7, 0, 9,  // J-R
      2, 3, 4, 5, 6, 7, 8, 9,     // S-Z
  };
  if (c >= 'A' && c <= 'Z') return kLetterValues[static_cast<std::size_t>(c - 'A')];
  return 0;
}

// North American manufacturers (WMI 1-5) are required to use the check digit; elsewhere
// position 9 is often part of the manufacturer's own code, so checking it would reject real
// cars.
bool uses_check_digit(std::string_view vin) { return vin[0] >= '1' && vin[0] <= '5'; }

bool is_ascii_alnum(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

char ascii_upper(char c) { return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c; }

}  // namespace

char vin_check_digit(std::string_view vin) {
  static constexpr std::array<int, kVinLength> kWeights = {8, 7, 6, 5, 4, 3, 2, 10, 0,
                                                           9, 8, 7, 6, 5, 4, 3, 2};
  int sum = 0;
  for (std::size_t i = 0; i < kVinLength && i < vin.size(); ++i) {
    sum += vin_value(vin[i]) * kWeights[i];
  }
  int remainder = sum % 11;
  return remainder == 10 ? 'X' : static_cast<char>('0' + remainder);
}

Result<std::string> normalize_vin(std::string_view vin, std::string_view field) {
  auto fail = [&](std::string detail) {
    return make_error(Errc::invalid_field, std::move(detail), std::string(field));
  };
  if (vin.empty()) return fail("VIN must not be empty; it is 17 letters and digits");
  std::string upper;
  upper.reserve(vin.size());
  for (char c : vin) {
    if (c == ' ' || c == '-') return fail("VIN must not contain spaces or dashes");
    if (!is_ascii_alnum(c)) return fail("VIN may contain only letters A-Z and digits 0-9");
    char u = ascii_upper(c);
    if (u == 'I' || u == 'O' || u == 'Q') {
      return fail("VIN must not contain I, O or Q; these are usually the digits 1 and 0");
    }
    upper += u;
  }
  if (upper.size() != kVinLength) {
    return fail("VIN must be exactly 17 characters long, not " + std::to_string(upper.size()));
  }
  if (uses_check_digit(upper)) {
    char expected = vin_check_digit(upper);
    if (upper[8] != expected) {
      return fail(std::string("VIN check digit (9th character) should be '") + expected +
                  "' for the other characters; check the VIN for a typo");
    }
  }
  return upper;
}

Result<std::string> normalize_plate_number(std::string_view number, std::string_view field) {
  auto fail = [&](std::string detail) {
    return make_error(Errc::invalid_field, std::move(detail), std::string(field));
  };
  std::string normalized;
  normalized.reserve(number.size());
  std::size_t length = 0;
  for (std::size_t pos = 0; pos < number.size();) {
    Decoded decoded = decode_utf8(number, pos);
    std::string_view original = number.substr(pos, decoded.byte_count);
    pos += decoded.byte_count;
    char32_t cp = decoded.code_point;
    if (cp == kInvalidCodePoint) return fail("plate number is not valid UTF-8 text");
    if (is_control(cp)) {
      return fail("plate number must not contain control characters (found " +
                  code_point_label(cp) + ")");
    }
    // Full-width forms come from CJK input methods; they mean the same ASCII character.
    if (cp >= 0xFF01 && cp <= 0xFF5E) cp -= 0xFEE0;
    if (cp == 0x3000) cp = ' ';
    if (is_plate_separator(cp)) continue;
    cp = fold_plate_letter(cp);
    if (!is_plate_character(cp)) {
      return fail("plate number may contain only letters, digits and CJK characters; remove '" +
                  std::string(original) + "' (" + code_point_label(decoded.code_point) + ")");
    }
    append_utf8(normalized, cp);
    ++length;
  }
  if (length == 0) return fail("plate number must not be empty; enter it as shown on the plate");
  if (length < kMinPlateLength || length > kMaxPlateLength) {
    return fail("plate number must be 2 to 16 characters without spaces and separators, not " +
                std::to_string(length));
  }
  return normalized;
}

Result<std::string> normalize_region(std::string_view region, std::string_view field) {
  auto is_ascii_letter = [](char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); };
  bool valid = region.size() >= 2 && is_ascii_letter(region[0]) && is_ascii_letter(region[1]);
  if (valid && region.size() > 2) {
    std::string_view subdivision = region.substr(3);
    valid = region[2] == '-' && !subdivision.empty() && subdivision.size() <= 3;
    for (char c : subdivision) valid = valid && is_ascii_alnum(c);
  }
  if (!valid) {
    return make_error(Errc::invalid_field,
                      "region must be a two-letter ISO 3166 country code such as \"CN\", "
                      "optionally with a subdivision such as \"US-CA\"",
                      std::string(field));
  }
  std::string upper(region);
  for (char& c : upper) c = ascii_upper(c);
  return upper;
}

std::string plate_key(std::string_view normalized_region, std::string_view normalized_number) {
  std::string key;
  key.reserve(normalized_region.size() + 1 + normalized_number.size());
  key.append(normalized_region).append(":").append(normalized_number);
  return key;
}

}  // namespace paddock::sharing
