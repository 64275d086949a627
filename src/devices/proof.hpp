#pragma once
// devices/proof: proof that a terminal holds the Ed25519 private key it registered. The server
// issues a random nonce; the device signs "paddock-device-proof:v1:<device_id>:<nonce>"; the
// server checks the signature with the registered public key. The device id in the signed text
// stops a signature for one device being replayed for another. Digital keys and device linking
// reuse this piece. Depends on core and libsodium only.
#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace paddock::devices {

using PublicKey = std::array<std::uint8_t, 32>;
using Signature = std::array<std::uint8_t, 64>;

inline constexpr std::string_view kProofDomain = "paddock-device-proof:v1:";
// Accepting a shared digital key: the recipient's device signs
// "paddock-key-accept:v1:<key share id>:<device id>:<nonce>". Its own domain, so a device proof
// can never pass as a key acceptance or the other way round.
inline constexpr std::string_view kKeyAcceptDomain = "paddock-key-accept:v1:";

// Returns the key iff `text` is unpadded base64url of 32 bytes that is a valid Ed25519 point.
// Error: invalid_field on `field`.
Result<PublicKey> parse_public_key(std::string_view text, std::string_view field = "public_key");
// Error: invalid_field on `field` when not unpadded base64url of 64 bytes.
Result<Signature> parse_signature(std::string_view text, std::string_view field = "signature");

// A fresh nonce: 32 random bytes, base64url.
std::string new_nonce();

// The exact text a device signs to answer `nonce`.
std::string signing_input(std::string_view device_id, std::string_view nonce);
// The exact text a device signs to accept key share `share_id` with challenge `nonce`.
std::string key_accept_signing_input(std::string_view share_id, std::string_view device_id,
                                     std::string_view nonce);

// True iff `signature` is a valid Ed25519 signature of `message` under `key`.
bool verify_signature(const PublicKey& key, std::string_view message, const Signature& signature);

}  // namespace paddock::devices
