#pragma once
// storage/records: the rows the domain keeps, as plain values. No SQL, no behaviour.
#include <optional>
#include <string>

#include "core/clock.hpp"

namespace paddock::storage {

struct UserRecord {
  std::string id;
  std::string username;  // lower-cased; unique
  std::string display_name;
  std::string password_hash;  // libsodium crypto_pwhash_str output (Argon2id, self-describing)
  UnixMillis created_at = 0;
};

struct SessionRecord {
  std::string token_hash;  // hex BLAKE2b-256 of the bearer token; the token itself is never kept
  std::string user_id;
  UnixMillis created_at = 0;
  UnixMillis expires_at = 0;
};

struct DeviceRecord {
  std::string id;
  std::string user_id;
  std::string name;
  std::string kind;
  std::string public_key;  // Ed25519, base64url
  bool primary = false;
  std::optional<UnixMillis> verified_at;
  UnixMillis created_at = 0;
};

struct ChallengeRecord {
  std::string device_id;
  std::string nonce;
  UnixMillis expires_at = 0;
};

}  // namespace paddock::storage
