#pragma once
// keys/key_share_repository: what the keys module keeps about shared keys (key shares and the
// credentials issued for them), each vehicle's key audit log and its revocation-list version,
// as the interface a storage backend implements. Rights travel as text the keys module encodes;
// the backend does not read them. Challenges and codes are single-use secrets
// (storage/secrets.hpp, purpose keys::kAcceptChallengePurpose). Owned by keys; depends on core
// only. Every call returns a value, never throws.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"
#include "core/result.hpp"

namespace paddock::keys {

// A key share's life: offered -> issued -> (revoked | returned); offered -> declined | revoked |
// failed (too many wrong verification attempts). Only `issued` has a credential.
inline constexpr std::string_view kShareOffered = "offered";
inline constexpr std::string_view kShareIssued = "issued";
inline constexpr std::string_view kShareDeclined = "declined";
inline constexpr std::string_view kShareReturned = "returned";
inline constexpr std::string_view kShareRevoked = "revoked";
inline constexpr std::string_view kShareFailed = "failed";

struct KeyShareRecord {
  std::string id;
  std::string vehicle_id;
  std::string sharer_id;     // who shared it: the owner, or a holder allowed to reshare
  std::string recipient_id;  // who receives it
  std::optional<std::string> device_id;  // the recipient's device it is bound to, once known
  std::string task;                      // borrow | delivery | valet | service | custom
  std::string status;                    // kShare* above
  std::string rights;                    // the effective rights, as keys encodes them (JSON)
  std::string refused;                   // the refusals of the policy decision (JSON)
  std::string verification;              // what accepting needs, comma-separated
  std::optional<std::string> code_hash;  // hex BLAKE2b of the one-time code, when one is needed
  int failed_attempts = 0;
  UnixMillis not_before = 0;
  UnixMillis not_after = 0;
  std::optional<int> max_uses;
  std::string note;
  std::optional<std::string> via_share_id;  // the sharer's own key share, when they reshare
  // Set when issued:
  std::optional<std::string> credential;     // COSE_Sign1 bytes, base64url
  std::optional<std::string> credential_id;  // cti, base64url
  std::optional<std::string> kid;            // the issuer key that signed it
  std::optional<UnixMillis> credential_expires_at;
  std::optional<UnixMillis> issued_at;
  UnixMillis created_at = 0;
  UnixMillis updated_at = 0;
};

// One line of a vehicle's key audit log. `seq` is assigned on append: increasing, never reused,
// the cursor.
struct KeyAuditRecord {
  std::int64_t seq = 0;
  std::string vehicle_id;
  std::optional<std::string> share_id;
  std::optional<std::string> credential_id;  // base64url cti
  std::string actor_kind;  // "user", "head_unit" or "server"
  std::string actor_id;    // the user's or head unit's id ("" for the server)
  std::string action;      // shared | verified | issued | used | denied | revoked | declined |
                           // returned | failed | ...
  std::string detail;      // a reason (e.g. the car's deny reason) or other short text
  UnixMillis at = 0;
};

// A revoked or returned credential stays on the signed list this long after it expires, so that
// a car whose clock lags behind the server's still refuses it (the car also moves its clock up to
// the list's issued_at when it installs one).
inline constexpr UnixMillis kRevokedAfterExpiryMs = 7LL * 24 * 3600 * 1000;

// What the car must refuse: the list's version and the ids (base64url cti) of revoked or
// returned credentials that have not yet expired.
struct RevocationState {
  std::uint64_t version = 0;  // 0 until the vehicle's first revocation
  std::vector<std::string> credential_ids;
};

class KeyShareReads {
 public:
  virtual ~KeyShareReads() = default;
  virtual Result<std::optional<KeyShareRecord>> share_by_id(std::string_view id) = 0;
  // Every share of the vehicle, oldest first.
  virtual Result<std::vector<KeyShareRecord>> shares_of_vehicle(std::string_view vehicle_id) = 0;
  // The shares of the vehicle that `recipient_id` received, oldest first.
  virtual Result<std::vector<KeyShareRecord>> shares_received(std::string_view vehicle_id,
                                                              std::string_view recipient_id) = 0;
  // The shares `recipient_id` received bound to their device `device_id`, any status and
  // vehicle, oldest first.
  virtual Result<std::vector<KeyShareRecord>> shares_of_device(std::string_view recipient_id,
                                                               std::string_view device_id) = 0;
  // The distinct kids of issuer keys that signed a credential expiring after `now` (any
  // status), ordered: keys that must stay published whatever their window says.
  virtual Result<std::vector<std::string>> kids_in_use(UnixMillis now) = 0;
  // The share whose credential has id `credential_id` (base64url cti) on that vehicle.
  virtual Result<std::optional<KeyShareRecord>> share_by_credential_id(
      std::string_view vehicle_id, std::string_view credential_id) = 0;
  // The vehicle's audit lines with seq > after, by seq, at most `limit`.
  virtual Result<std::vector<KeyAuditRecord>> audit_of(std::string_view vehicle_id,
                                                       std::int64_t after, int limit) = 0;
  // The version and the credential ids of shares revoked or returned after issuance whose
  // credential expires after `now`, ordered by id.
  virtual Result<RevocationState> revocations_of(std::string_view vehicle_id, UnixMillis now) = 0;
};

class KeyShareWrites : public KeyShareReads {
 public:
  virtual Result<void> insert_share(const KeyShareRecord& share) = 0;
  // Replaces the share's mutable fields (everything but id, vehicle, sharer, recipient, task,
  // created_at) iff its stored status is `expected_status`. True iff it did: a transition that
  // lost a race changes nothing.
  virtual Result<bool> update_share(const KeyShareRecord& share,
                                    std::string_view expected_status) = 0;
  // Appends and returns the line's seq.
  virtual Result<std::int64_t> append_audit(const KeyAuditRecord& record) = 0;
  // Raises the vehicle's revocation version by one and returns it. Call in the same job as
  // every revoke or return of an issued credential. Never decreases, even when the vehicle's
  // shares are deleted.
  virtual Result<std::uint64_t> bump_revocation_version(std::string_view vehicle_id) = 0;
};

}  // namespace paddock::keys
