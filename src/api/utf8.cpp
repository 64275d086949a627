#include "api/utf8.hpp"

namespace paddock::api {
namespace {

// Length of the valid sequence starting text[0], or 0 if it is not one.
std::size_t sequence_length(std::string_view text) {
  auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
  unsigned char lead = byte(0);
  if (lead < 0x80) return 1;
  std::size_t length = 0;
  unsigned char low = 0x80, high = 0xBF;  // bounds of the second byte (RFC 3629 section 4)
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    if (lead == 0xE0) low = 0xA0;   // overlong
    if (lead == 0xED) high = 0x9F;  // surrogates
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    if (lead == 0xF0) low = 0x90;   // overlong
    if (lead == 0xF4) high = 0x8F;  // past U+10FFFF
  } else {
    return 0;
  }
  if (text.size() < length) return 0;
  if (byte(1) < low || byte(1) > high) return 0;
  for (std::size_t i = 2; i < length; ++i) {
    if (byte(i) < 0x80 || byte(i) > 0xBF) return 0;
  }
  return length;
}

}  // namespace

std::size_t valid_utf8_prefix(std::string_view text) {
  std::size_t at = 0;
  while (at < text.size()) {
    std::size_t n = sequence_length(text.substr(at));
    if (n == 0) break;
    at += n;
  }
  return at;
}

std::string escape_invalid_utf8(std::string_view text) {
  std::size_t valid = valid_utf8_prefix(text);
  if (valid == text.size()) return std::string(text);
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out(text.substr(0, valid));
  std::size_t at = valid;
  while (at < text.size()) {
    std::size_t n = sequence_length(text.substr(at));
    if (n == 0) {
      auto b = static_cast<unsigned char>(text[at]);
      out += "\\x";
      out += kHex[b >> 4];
      out += kHex[b & 0xF];
      n = 1;
    } else {
      out.append(text.substr(at, n));
    }
    at += n;
  }
  return out;
}

}  // namespace paddock::api
