#include "identity/passwords.hpp"

#include <memory>

#include <sodium.h>

#include "core/encoding.hpp"
#include "core/thread_post.hpp"

namespace paddock::identity {

std::optional<HashStrength> parse_hash_strength(std::string_view name) {
  if (name == "interactive") return HashStrength::interactive;
  if (name == "moderate") return HashStrength::moderate;
  if (name == "min") return HashStrength::min;
  return std::nullopt;
}

PasswordHasher::PasswordHasher(HashStrength strength, WorkPool& pool) : pool_(pool) {
  switch (strength) {
    case HashStrength::min:
      opslimit_ = crypto_pwhash_OPSLIMIT_MIN;
      memlimit_ = crypto_pwhash_MEMLIMIT_MIN;
      break;
    case HashStrength::interactive:
      opslimit_ = crypto_pwhash_OPSLIMIT_INTERACTIVE;
      memlimit_ = crypto_pwhash_MEMLIMIT_INTERACTIVE;
      break;
    case HashStrength::moderate:
      opslimit_ = crypto_pwhash_OPSLIMIT_MODERATE;
      memlimit_ = crypto_pwhash_MEMLIMIT_MODERATE;
      break;
  }
  auto decoy = hash_now(base64url_encode(random_bytes(16)));
  if (decoy) decoy_hash_ = std::move(decoy.value());
}

Result<std::string> PasswordHasher::hash_now(std::string_view password) const {
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str_alg(out, password.data(), password.size(), opslimit_, memlimit_,
                            crypto_pwhash_ALG_ARGON2ID13) != 0) {
    return make_error(Errc::internal, "password hashing ran out of memory");
  }
  return std::string(out);
}

bool PasswordHasher::verify_now(std::string_view stored_hash, std::string_view password) {
  std::string terminated(stored_hash);  // libsodium wants a NUL-terminated string
  return crypto_pwhash_str_verify(terminated.c_str(), password.data(), password.size()) == 0;
}

void PasswordHasher::hash(std::string password, Callback<std::string> done) {
  pool_.post([this, password = std::move(password), done = std::move(done),
              back = current_thread_post()]() mutable {
    auto hashed = std::make_shared<Result<std::string>>(hash_now(password));
    back([hashed, done = std::move(done)] { done(std::move(*hashed)); });
  });
}

void PasswordHasher::verify(std::optional<std::string> stored_hash, std::string password,
                            Callback<bool> done) {
  pool_.post([this, stored = std::move(stored_hash), password = std::move(password),
              done = std::move(done), back = current_thread_post()]() mutable {
    bool ok = false;
    if (stored) {
      ok = verify_now(*stored, password);
    } else {
      (void)verify_now(decoy_hash_, password);
    }
    back([ok, done = std::move(done)] { done(ok); });
  });
}

}  // namespace paddock::identity
