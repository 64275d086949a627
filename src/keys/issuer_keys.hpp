#pragma once
// keys/issuer_keys: the server's credential-issuer keys (Ed25519). Created on first start in the
// data directory, kept in one file readable by the server's user only (0600), never logged.
// Rotation adds a new signing key and retires the old one; a retired key stays published (GET
// /v1/issuer-keys) for kMaxCredentialLifetime after retirement, and past that while a credential
// it signed is still valid (a running server signs with the old key until it restarts, so such
// a credential can outlive the window). Depends on core and the car-side
// library (src/vehicle) for the COSE encoders.
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/result.hpp"
#include "vehicle/credential.hpp"

namespace paddock::keys {

// The longest a credential may be valid (exp - nbf, and exp - iat). Issuance caps to it.
inline constexpr std::int64_t kMaxCredentialLifetimeSeconds = 400LL * 24 * 3600;

// A key as published: kid (its UTF-8 bytes are the COSE kid) and the raw public key.
struct PublishedIssuerKey {
  std::string kid;
  vehicle::PublicKey public_key{};
  UnixMillis created_at = 0;
  std::optional<UnixMillis> retired_at;
};

class IssuerKeyring {
 public:
  // Loads `file`, creating it with one fresh key when absent (mode 0600; refuses a file that
  // others may read). Error: invalid_field (field "issuer_keys") with the reason (unreadable,
  // damaged, too open).
  static Result<IssuerKeyring> open(const std::filesystem::path& file, UnixMillis now);
  // Adds a new signing key and retires the current one, rewriting the file atomically.
  // Returns the new key's kid. Keys whose publication window closed are dropped; a key still
  // published never is (error invalid_field when the file is full of them).
  // `in_use` (sorted, KeyShareReads::kids_in_use) keeps keys past their window in the file.
  static Result<std::string> rotate(const std::filesystem::path& file, UnixMillis now,
                                    const std::vector<std::string>& in_use = {});

  // The kid of the key that signs now.
  const std::string& signing_kid() const;
  // Signs with the current key. Thread-safe (the keyring does not change after open).
  vehicle::Result<vehicle::Bytes> sign_credential(const vehicle::Claims& claims) const;
  vehicle::Result<vehicle::Bytes> sign_revocations(const vehicle::RevocationList& list) const;
  // The keys a verifier should trust at `now`: the signing key and retired keys still inside
  // their publication window. Newest first.
  // `in_use` (sorted, KeyShareReads::kids_in_use) keeps a retired key published past its window
  // while a credential it signed is still valid (a running server signs with the old key until
  // it restarts).
  std::vector<PublishedIssuerKey> published(UnixMillis now,
                                            const std::vector<std::string>& in_use = {}) const;
  // Those of `kids` this keyring does not hold. A node started with a file that lacks the key of
  // a credential still valid would publish a key list that cannot verify it.
  std::vector<std::string> missing(const std::vector<std::string>& kids) const;

 IssuerKeyring(IssuerKeyring&&) = default;
  IssuerKeyring& operator=(IssuerKeyring&&) = default;
  ~IssuerKeyring();

 private:
  IssuerKeyring() = default;
  struct Entry {
    PublishedIssuerKey key;
    vehicle::SecretKey secret{};
  };
  std::vector<Entry> entries_;  // oldest first; the last is the signing key
};

}  // namespace paddock::keys
