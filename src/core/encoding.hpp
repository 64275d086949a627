#pragma once
// core/encoding: base64url (RFC 4648 §5, no padding), hex, random bytes. Thin, tested wrappers
// over libsodium so that every module encodes keys, tokens and nonces the same way.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace paddock {

using Bytes = std::vector<std::uint8_t>;

std::string base64url_encode(std::span<const std::uint8_t> bytes);
// Returns nullopt iff `text` is not canonical unpadded base64url (wrong alphabet, padding,
// non-zero stray bits in the last character).
std::optional<Bytes> base64url_decode(std::string_view text);
// True iff base64url_decode(text) would succeed, without decoding: for checks of a format on
// every request (a bearer token), where the decoded bytes are not needed.
bool is_base64url(std::string_view text);

std::string hex_encode(std::span<const std::uint8_t> bytes);

// Cryptographically secure random bytes.
Bytes random_bytes(std::size_t count);

// Initializes libsodium; safe to call many times. Returns false iff it cannot be initialized.
bool init_crypto();

}  // namespace paddock
