#include "core/encoding.hpp"

#include <sodium.h>

namespace paddock {

std::string base64url_encode(std::span<const std::uint8_t> bytes) {
  constexpr int kVariant = sodium_base64_VARIANT_URLSAFE_NO_PADDING;
  std::string out(sodium_base64_ENCODED_LEN(bytes.size(), kVariant), '\0');
  sodium_bin2base64(out.data(), out.size(), bytes.data(), bytes.size(), kVariant);
  out.resize(out.size() - 1);  // drop the terminating NUL sodium writes
  return out;
}

namespace {

// The value of a base64url character, or -1 for any other byte.
int base64url_value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '-') return 62;
  if (c == '_') return 63;
  return -1;
}

}  // namespace

bool is_base64url(std::string_view text) {
  // A last group of one character carries no whole byte; of two or three, it carries 8 or 16
  // bits and the last character's low 4 or 2 bits are stray: canonical means zero.
  const std::size_t tail = text.size() % 4;
  if (tail == 1) return false;
  int last = 0;
  for (char c : text) {
    last = base64url_value(c);
    if (last < 0) return false;
  }
  const int stray_bits = tail == 2 ? 0xF : tail == 3 ? 0x3 : 0;
  return (last & stray_bits) == 0;
}

std::optional<Bytes> base64url_decode(std::string_view text) {
  Bytes out(text.size() * 3 / 4 + 1);
  std::size_t len = 0;
  const char* end = nullptr;
  if (sodium_base642bin(out.data(), out.size(), text.data(), text.size(), nullptr, &len, &end,
                        sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
      end != text.data() + text.size()) {
    return std::nullopt;
  }
  out.resize(len);
  // libsodium ignores stray low bits in the last character; insisting on the canonical form
  // means one key or token has exactly one spelling.
  if (base64url_encode(out) != text) return std::nullopt;
  return out;
}

std::string hex_encode(std::span<const std::uint8_t> bytes) {
  std::string out(bytes.size() * 2 + 1, '\0');
  sodium_bin2hex(out.data(), out.size(), bytes.data(), bytes.size());
  out.pop_back();
  return out;
}

Bytes random_bytes(std::size_t count) {
  Bytes out(count);
  if (count > 0) randombytes_buf(out.data(), out.size());  // an empty vector's data() may be null
  return out;
}

bool init_crypto() { return sodium_init() >= 0; }

}  // namespace paddock
