#pragma once
// identity/passwords: Argon2id password hashing (libsodium crypto_pwhash_str) on a WorkPool, so
// that a 50-100 ms hash never blocks an I/O thread. Depends on core and libsodium.
#include <optional>
#include <string>
#include <string_view>

#include "core/result.hpp"
#include "core/work_pool.hpp"

namespace paddock::identity {

// interactive: libsodium's OPSLIMIT/MEMLIMIT_INTERACTIVE (the default); moderate: stronger and
// slower; min: the smallest parameters libsodium accepts, for tests only.
enum class HashStrength { min, interactive, moderate };
std::optional<HashStrength> parse_hash_strength(std::string_view name);

class PasswordHasher {
 public:
  PasswordHasher(HashStrength strength, WorkPool& pool);

  // Hashes on the pool; `done` runs on the calling thread, through its ThreadPost hook (inline
  // on the pool thread when the caller has none), so what follows a hash (a write, a response)
  // never runs on the hashing pool.
  void hash(std::string password, Callback<std::string> done);
  // Verifies on the pool; `done` runs as hash()'s does. With no stored hash, verifies against a
  // decoy so that unknown and known usernames take the same time; the result is then false.
  void verify(std::optional<std::string> stored_hash, std::string password, Callback<bool> done);

  // Synchronous forms, for the pool's tasks and for tests.
  Result<std::string> hash_now(std::string_view password) const;
  static bool verify_now(std::string_view stored_hash, std::string_view password);

 private:
  unsigned long long opslimit_;
  std::size_t memlimit_;
  WorkPool& pool_;
  std::string decoy_hash_;
};

}  // namespace paddock::identity
