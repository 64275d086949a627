#include "devices/proof.hpp"

#include <sodium.h>

#include <algorithm>

#include "core/encoding.hpp"

namespace paddock::devices {

Result<PublicKey> parse_public_key(std::string_view text, std::string_view field) {
  auto bytes = base64url_decode(text);
  if (!bytes || bytes->size() != 32) {
    return make_error(Errc::invalid_field,
                      std::string(field) + " must be a 32-byte Ed25519 key in unpadded base64url",
                      std::string(field));
  }
  PublicKey key;
  std::copy(bytes->begin(), bytes->end(), key.begin());
  if (crypto_core_ed25519_is_valid_point(key.data()) != 1) {
    return make_error(Errc::invalid_field, std::string(field) + " is not a valid Ed25519 key",
                      std::string(field));
  }
  return key;
}

Result<Signature> parse_signature(std::string_view text, std::string_view field) {
  auto bytes = base64url_decode(text);
  if (!bytes || bytes->size() != 64) {
    return make_error(Errc::invalid_field,
                      std::string(field) + " must be a 64-byte Ed25519 signature in base64url",
                      std::string(field));
  }
  Signature sig;
  std::copy(bytes->begin(), bytes->end(), sig.begin());
  return sig;
}

std::string new_nonce() { return base64url_encode(random_bytes(32)); }

std::string signing_input(std::string_view device_id, std::string_view nonce) {
  std::string text(kProofDomain);
  text.append(device_id).append(":").append(nonce);
  return text;
}

std::string key_accept_signing_input(std::string_view share_id, std::string_view device_id,
                                     std::string_view nonce) {
  std::string text(kKeyAcceptDomain);
  text.append(share_id).append(":").append(device_id).append(":").append(nonce);
  return text;
}

bool verify_signature(const PublicKey& key, std::string_view message, const Signature& signature) {
  return crypto_sign_verify_detached(signature.data(),
                                     reinterpret_cast<const unsigned char*>(message.data()),
                                     message.size(), key.data()) == 0;
}

}  // namespace paddock::devices
