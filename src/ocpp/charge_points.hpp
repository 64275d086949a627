#pragma once
// ocpp/charge_points: operators and the charge points they register (id, Argon2id-hashed
// password, vendor, model), the HTTP Basic check a pile's WebSocket upgrade must pass (OCPP 1.6
// security profile 1), and the operator's view of a pile. Depends on core, identity's password
// hashing and login limiter, the storage interface and this module's repository.
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.hpp"
#include "identity/login_limiter.hpp"
#include "identity/passwords.hpp"
#include "ocpp/charge_point_repository.hpp"
#include "storage/store.hpp"

namespace paddock::ocpp {

// A chargePointId is the last segment of the pile's URL: 1-48 characters from [A-Za-z0-9._-]
// (OCPP 1.6 leaves the alphabet open; this one needs no percent-encoding anywhere).
inline constexpr std::size_t kMaxChargePointIdChars = 48;
// OCPP 1.6 security whitepaper: the AuthorizationKey is 16 to 40 characters.
inline constexpr std::size_t kMinChargePointPasswordChars = 16;
inline constexpr std::size_t kMaxChargePointPasswordChars = 40;
inline constexpr std::size_t kMaxVendorChars = 20;  // BootNotification.chargePointVendor
inline constexpr std::size_t kMaxModelChars = 20;   // BootNotification.chargePointModel

bool is_charge_point_id(std::string_view id);

struct Registration {
  std::string id;
  std::string password;
  std::string vendor;
  std::string model;
  // False registers a pile being commissioned: answered Pending until approve().
  bool approved = true;
};

// `Authorization: Basic base64(id:password)` → (id, password); nullopt iff not that shape.
std::optional<std::pair<std::string, std::string>> parse_basic_credentials(
    std::string_view authorization_header);

class ChargePointService {
 public:
  ChargePointService(storage::Store& store, identity::PasswordHasher& hasher,
                     identity::LoginLimiter& limiter);

  // Errors: operator_required (the caller is no operator), invalid_field, charge_point_taken,
  // storage_unavailable.
  void register_charge_point(std::string operator_id, Registration registration,
                             Callback<ChargePointRecord> done);
  // Approves one of the caller's charge points (idempotent); answers with it as stored. Errors:
  // operator_required, not_found (also another operator's pile), storage_unavailable.
  void approve(std::string operator_id, std::string id, Callback<ChargePointRecord> done);
  // Grants the operator role to the user named `username` (the CLI). Errors: not_found.
  void grant_operator(std::string_view username, Callback<std::string> done);

  // The caller's own charge points (those they registered), by id. Error: operator_required.
  Result<std::vector<ChargePointRecord>> list(std::string_view operator_id);
  // One of the caller's charge points. Errors: operator_required, not_found (also for another
  // operator's pile: its existence is not theirs to learn).
  Result<ChargePointRecord> get(std::string_view operator_id, std::string_view id);

  // The upgrade's check: `authorization` must be Basic credentials for `path_id`. Errors:
  // unauthorized (no or malformed Basic credentials, or a user part naming another pile),
  // not_found (no such charge point), invalid_charge_point_credentials (wrong password),
  // too_many_attempts. `done` runs on the calling thread when it has a ThreadPost hook.
  void authenticate(std::string path_id, std::string_view authorization, std::string address,
                    Callback<std::string> done);

 private:
  storage::Store& store_;
  identity::PasswordHasher& hasher_;
  identity::LoginLimiter& limiter_;
};

}  // namespace paddock::ocpp
