#pragma once
// keys/car_sync_service: the car's side of the server. The owner registers head units (the
// car's own Ed25519 identity); a head unit authenticates its requests with a signature
// (keys/head_unit_auth.hpp), syncs the vehicle's signed revocation list, and reports the car's
// decisions in signed reports (vehicle/report.hpp) that land in the key audit log and on the
// owner's stream. Owns head units (keys/head_unit_repository.hpp); appends to the key-share
// audit log. Depends on core, storage's unit-of-work interface, sharing's access rules, devices'
// signature check, events and the car-side library's codecs.
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"
#include "core/result.hpp"
#include "keys/head_unit_repository.hpp"
#include "storage/store.hpp"
#include "vehicle/cose.hpp"

namespace paddock::events {
class LiveEvents;
}

namespace paddock::keys {

class IssuerKeyring;

inline constexpr std::size_t kMaxHeadUnitsPerVehicle = 8;


// Who a verified head-unit signature proved is calling.
struct HeadUnitCaller {
  std::string head_unit_id;
  std::string vehicle_id;
};

struct SignedRevocations {
  vehicle::Bytes cose;  // COSE_Sign1, application/cose
  std::uint64_t version = 0;
  std::size_t revoked = 0;
};

struct ReportOutcome {
  std::string head_unit_id;
  std::uint64_t counter = 0;
  std::size_t used = 0;
  std::size_t denied = 0;
};

class CarSyncService {
 public:
  CarSyncService(storage::Store& store, const IssuerKeyring& keyring, events::LiveEvents& live);

  // Owner only. Errors: invalid_field (name, public_key), not_found (no such vehicle, or a
  // stranger to it), forbidden (not the owner), kHeadUnitLimit (kMaxHeadUnitsPerVehicle reached).
  void add_head_unit(const std::string& user_id, const std::string& vehicle_id,
                     const std::string& name, const std::string& public_key,
                     Callback<HeadUnitRecord> done);
  Result<std::vector<HeadUnitRecord>> list_head_units(const std::string& user_id,
                                                      const std::string& vehicle_id);
  // Error not_found when the vehicle has no such head unit.
  void remove_head_unit(const std::string& user_id, const std::string& vehicle_id,
                        const std::string& head_unit_id, Callback<bool> done);

  // Checks a PaddockHeadUnit Authorization for `method` on `target` (path and query as sent).
  // Error kHeadUnitAuthInvalid, whatever is wrong (malformed, stale, unknown or removed head
  // unit, bad signature), so that a caller learns nothing about which head units exist.
  Result<HeadUnitCaller> authenticate(std::string_view authorization, std::string_view method,
                                      std::string_view target, UnixMillis now);

  // The vehicle's current revocation list signed by the issuer, for its owner or one of its own
  // head units. Errors as add_head_unit for a user; forbidden for another vehicle's head unit.
  Result<SignedRevocations> revocations_for_owner(const std::string& user_id,
                                                  const std::string& vehicle_id, UnixMillis now);
  Result<SignedRevocations> revocations_for_head_unit(const HeadUnitCaller& caller,
                                                      const std::string& vehicle_id,
                                                      UnixMillis now);

  // Accepts a signed report (vehicle/report.hpp) for `vehicle_id`: each entry becomes a `used`
  // or `denied` audit line attributed to the share holding that credential, and a key.used /
  // key.denied event to the owner. Errors: kReportInvalid, kReportWrongVehicle,
  // kReportSignatureInvalid (unknown or removed head unit, another vehicle's, bad signature),
  // kReportReplayed (counter not above the last accepted), payload_too_large.
  void accept_report(const std::string& vehicle_id, std::span<const std::uint8_t> bytes,
                     Callback<ReportOutcome> done);

 private:
  Result<SignedRevocations> sign_list(const std::string& vehicle_id, UnixMillis now);

  storage::Store& store_;
  const IssuerKeyring& keyring_;
  events::LiveEvents& live_;
};

}  // namespace paddock::keys
