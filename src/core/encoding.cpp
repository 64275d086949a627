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
  randombytes_buf(out.data(), out.size());
  return out;
}

bool init_crypto() { return sodium_init() >= 0; }

}  // namespace paddock
