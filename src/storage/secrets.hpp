#pragma once
// storage/secrets: single-use secrets, one mechanism for every module that hands out something
// to be redeemed once before it expires (device challenges, follow confirmation tokens; later
// link secrets, key verification codes, publisher nonces). A secret is keyed by
// (purpose, key); its payload is opaque text the owning module encodes. Generic machinery:
// depends on core only.
//
// A secret is not tied to the row it is about (a device, a vehicle): it outlives that row until
// it expires or is purged. A module that redeems one must re-read its subject in the same job
// and refuse when it is gone, as device verification does.
#include <optional>
#include <string>
#include <string_view>

#include "core/clock.hpp"
#include "core/result.hpp"

namespace paddock::storage {

struct SecretRecord {
  std::string purpose;  // one per kind of secret, e.g. "device_challenge"
  std::string key;      // unique within the purpose (a nonce, a token hash)
  std::string payload;  // what redeeming it yields; the purpose's module decides the format
  UnixMillis expires_at = 0;
};

// Only inside a write job: taking must be atomic with the rest of the job, so two requests
// redeeming the same secret cannot both succeed.
class SecretWrites {
 public:
  virtual ~SecretWrites() = default;
  // Stores the secret; replaces one with the same (purpose, key).
  virtual Result<void> put_secret(const SecretRecord& secret) = 0;
  // Removes the secret and returns it iff it existed and expires_at > now. An expired one is
  // removed too and yields nullopt: a secret is redeemable at most once, and never late.
  virtual Result<std::optional<SecretRecord>> take_secret(std::string_view purpose,
                                                          std::string_view key, UnixMillis now) = 0;
  // Removes every secret (of every purpose) with expires_at <= now; returns how many.
  virtual Result<std::size_t> purge_expired_secrets(UnixMillis now) = 0;
};

}  // namespace paddock::storage
