#pragma once
// devices/device_service: a user's terminals (phones, PCs, car screens, kiosks), their Ed25519
// keys, and proof of key possession by challenge. Owns devices (device_repository.hpp) and the
// "device_challenge" single-use secrets. Depends on core, storage's unit-of-work interface and
// proof; every storage fault comes back as storage_unavailable.
#include <functional>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "storage/store.hpp"

namespace paddock::devices {

struct NewDevice {
  std::string name;
  std::string kind;        // phone | pc | car_screen | kiosk
  std::string public_key;  // base64url Ed25519
  bool primary = false;
};

struct Challenge {
  std::string nonce;
  std::string signing_input;
  UnixMillis expires_at = 0;
};

inline constexpr int kChallengeTtlSeconds = 120;
// The single-use secret purpose of challenges (key "<device id>:<nonce>").
inline constexpr std::string_view kChallengePurpose = "device_challenge";

// Returns kind iff it is one of the known kinds; else invalid_field on "kind".
Result<std::string> check_kind(std::string_view kind);

// What another module does when a device goes (e.g. keys revokes the keys bound to it). Runs
// inside the deletion's write job, after the row is gone, so both commit or neither; an error
// rolls the deletion back. The returned function (may be empty) runs once the job committed
// (publishing events); it must only hand work off.
class DeviceRemovalHook {
 public:
  virtual ~DeviceRemovalHook() = default;
  virtual Result<std::function<void()>> on_device_removed(storage::Writes& w,
                                                          const std::string& user_id,
                                                          const std::string& device_id) = 0;
};

class DeviceService {
 public:
  explicit DeviceService(storage::Store& store) : store_(store) {}
  // Set once at start, before requests; not owned.
  void set_removal_hook(DeviceRemovalHook* hook) { removal_hook_ = hook; }

  // Errors: invalid_field (name, kind, public_key). A primary device clears the others' flag.
  void register_device(const std::string& user_id, NewDevice device,
                       Callback<storage::DeviceRecord> done);
  Result<std::vector<storage::DeviceRecord>> list(const std::string& user_id);
  // Ok iff `device_id` is one of the user's devices (a stream may then serve it). Error:
  // forbidden otherwise (unknown ids alike, so ids leak nothing), storage_unavailable.
  Result<void> check_own_device(const std::string& user_id, const std::string& device_id);
  // Error: not_found, also when the device belongs to somebody else.
  void remove(const std::string& user_id, const std::string& device_id, Callback<bool> done);
  void issue_challenge(const std::string& user_id, const std::string& device_id,
                       Callback<Challenge> done);
  // Consumes the nonce whatever the outcome. Errors: not_found, challenge_invalid,
  // signature_invalid, invalid_field (signature not decodable).
  void verify(const std::string& user_id, const std::string& device_id, const std::string& nonce,
              const std::string& signature, Callback<storage::DeviceRecord> done);

 private:
  Result<storage::DeviceRecord> owned_device(const std::string& user_id,
                                             const std::string& device_id);
  storage::Store& store_;
  DeviceRemovalHook* removal_hook_ = nullptr;
};

}  // namespace paddock::devices
