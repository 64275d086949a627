#pragma once
// publishers/secret_sealer: keeps publishers' HMAC secrets unreadable in the database. Each is
// sealed (libsodium secretbox: XSalsa20-Poly1305, a fresh random nonce each time) under a
// 32-byte server key that lives in its own 0600 file beside the database, created at first
// start. A copy of the database alone therefore cannot sign as a publisher. Depends on core and
// libsodium.
#include <filesystem>
#include <string>
#include <string_view>

#include "core/encoding.hpp"
#include "core/result.hpp"

namespace paddock::publishers {

class SecretSealer {
 public:
  // Reads the key file, or creates it (0600, exclusively) when missing. Errors: invalid_field
  // (field "publisher_key") when it cannot be read, created or has the wrong size.
  static Result<SecretSealer> open(const std::filesystem::path& file);
  // A sealer over a given key (tests).
  explicit SecretSealer(Bytes key);

  // base64url(nonce || ciphertext).
  std::string seal(std::span<const std::uint8_t> secret) const;
  // The secret iff `sealed` was made by seal() under this key; nullopt otherwise.
  std::optional<Bytes> open_sealed(std::string_view sealed) const;

 private:
  Bytes key_;
};

}  // namespace paddock::publishers
