#pragma once
// keys/key_share_service: the life of a shared digital key. The owner (or a holder allowed to
// reshare) shares a key for a task; the policy (keys/policy.hpp) sets its rights; the
// recipient's device proves its key on a single-use challenge (plus a one-time code when the
// task asks for one) and only then receives a credential signed by the issuer keyring; the
// recipient may decline or hand the key back, the owner or sharer revoke it. Every step writes
// an audit line and key.* events in the same write job. Owns key shares
// (keys/key_share_repository.hpp) and the "key_accept_challenge" single-use secrets. Depends on
// core, storage's unit-of-work interface, events, devices/proof and the issuer keyring.
#include <optional>
#include <string>
#include <vector>

#include "devices/device_service.hpp"
#include "events/live_events.hpp"
#include "keys/issuer_keys.hpp"
#include "keys/policy.hpp"
#include "keys/share_view.hpp"
#include "sharing/sharing_service.hpp"
#include "storage/store.hpp"

namespace paddock::keys {

// The single-use secret purpose of accept challenges (key "<share id>:<device id>", payload the
// nonce): one live challenge per share and device, a new one replaces it.
inline constexpr std::string_view kAcceptChallengePurpose = "key_accept_challenge";
inline constexpr int kAcceptChallengeTtlSeconds = 120;
// Failed verification attempts (wrong signature or code) after which a share is void.
inline constexpr int kMaxAcceptAttempts = 5;
inline constexpr std::size_t kMaxNoteBytes = 1000;
inline constexpr int kOneTimeCodeDigits = 8;
inline constexpr int kMaxAuditPage = 200;
// The most keys a vehicle may have that could still end up on its revocation list: offered or
// issued and not yet expired, or revoked/returned and still listed. It is the list's own limit,
// so revoking every one of them still yields a list the car accepts.
inline constexpr std::size_t kMaxLiveKeysPerVehicle = vehicle::kMaxRevokedIds;
// The credential's `iss` claim (docs/credentials.md).
inline constexpr std::string_view kIssuerName = "paddock";

// A task request as the API parsed it; the service checks every value.
struct ShareRequest {
  std::string task;
  std::string recipient_username;
  std::optional<std::string> device_id;
  std::optional<UnixMillis> not_before;
  std::optional<UnixMillis> not_after;
  std::optional<Geofence> place;
  std::optional<std::vector<std::string>> rights;  // action names
  std::optional<std::int64_t> max_uses;
  std::optional<std::int64_t> max_speed_kmh;
  std::string note;
};

struct ShareCreated {
  ShareView share;
  std::optional<std::string> code;  // the one-time code, shown to the sharer only, once
};

struct AcceptChallenge {
  std::string nonce;
  std::string signing_input;
  UnixMillis expires_at = 0;
};

struct AuditPage {
  std::vector<KeyAuditRecord> records;
  std::optional<std::int64_t> next;  // the cursor of the next page, when this one is full
};

class KeyShareService final : public devices::DeviceRemovalHook,
                              public sharing::VehicleTransferHook {
 public:
  KeyShareService(storage::Store& store, const KeyPolicy& policy, const IssuerKeyring& keyring,
                  events::LiveEvents& live);

  // Shares a key on the vehicle. Errors: not_found (vehicle, for strangers; recipient),
  // forbidden (a member, follower or key holder without reshare), invalid_field (task, rights,
  // place, times, max_uses, max_speed_kmh, note, device_id, sharing with oneself),
  // no_rights_granted, storage_unavailable.
  void share(const std::string& user_id, const std::string& vehicle_id, ShareRequest request,
             Callback<ShareCreated> done);
  // A fresh nonce for the recipient's device (the bound one, if the share names one). Errors:
  // not_found (not the recipient's share), key_share_state (not offered), invalid_field
  // (device_id).
  void challenge(const std::string& user_id, const std::string& share_id,
                 const std::string& device_id, Callback<AcceptChallenge> done);
  // Verifies the device's signature of key_accept_signing_input over the live challenge (and
  // the code, when required) and issues the credential. Consumes the challenge whatever the
  // outcome. Errors: not_found, key_share_state, invalid_field, challenge_invalid,
  // signature_invalid, code_invalid, key_share_failed (the attempt that voided it, and after).
  void accept(const std::string& user_id, const std::string& share_id, const std::string& device_id,
              const std::string& signature, std::optional<std::string> code,
              Callback<ShareView> done);
  // The recipient turns down an offered share. Errors: not_found, key_share_state.
  void decline(const std::string& user_id, const std::string& share_id, Callback<ShareView> done);
  // The holder hands an issued key back (its credential joins the revocation list).
  void give_back(const std::string& user_id, const std::string& share_id, Callback<ShareView> done);
  // The owner or the sharer revokes an offered or issued share. Errors: not_found (anyone
  // else), key_share_state (already over).
  void revoke(const std::string& user_id, const std::string& share_id, Callback<ShareView> done);

  // The share for its owner or sharer (without credential) or its recipient (with it). Error:
  // not_found for anyone else. `with_credential` tells the caller which it is.
  Result<ShareView> get(const std::string& user_id, const std::string& share_id,
                        bool& with_credential);
  // Every share of the vehicle, for its owner. Errors: not_found, forbidden (members,
  // followers).
  Result<std::vector<ShareView>> list(const std::string& user_id, const std::string& vehicle_id);
  // The vehicle's audit lines after `after`, for its owner.
  Result<AuditPage> audit(const std::string& user_id, const std::string& vehicle_id,
                          std::int64_t after, int limit);

  // A removed device takes its keys with it (a lost phone keeps no car keys): every offered or
  // issued share bound to it is revoked in the deletion's job, actor the user, detail
  // "device removed".
  Result<std::function<void()>> on_device_removed(storage::Writes& w, const std::string& user_id,
                                                  const std::string& device_id) override;
  // A new owner starts with no keys of the old one: every offered or issued share of the
  // vehicle is revoked (actor the old owner, detail "vehicle transferred", the old owner told)
  // and its head units are removed, in the transfer's job.
  Result<void> on_vehicle_transferred(storage::Writes& w, const std::string& vehicle_id,
                                      const std::string& old_owner_id,
                                      std::vector<storage::EventRecord>& events) override;

 private:
  template <class T>
  struct Committed {
    T value;
    std::vector<storage::EventRecord> events;
  };
  template <class T>
  void commit(std::function<Result<Committed<T>>(storage::Writes&)> job, Callback<T> done);
  // Runs a status change by the recipient, owner or sharer.
  void transition(const std::string& user_id, const std::string& share_id, int kind,
                  Callback<ShareView> done);

  // Publishes `events` on the live feed when called (empty when there are none).
  std::function<void()> publisher(std::vector<storage::EventRecord> events);

  storage::Store& store_;
  const KeyPolicy& policy_;
  const IssuerKeyring& keyring_;
  events::LiveEvents& live_;
};

}  // namespace paddock::keys
