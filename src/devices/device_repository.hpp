#pragma once
// devices/device_repository: what the devices module keeps (a user's devices and their keys),
// as the interface a storage backend implements. Challenges are single-use secrets
// (storage/secrets.hpp, purpose kChallengePurpose). Owned by devices; depends on core and the
// plain records in storage/records.hpp. Every call returns a value, never throws.
#include <optional>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "storage/records.hpp"

namespace paddock::devices {

class DeviceReads {
 public:
  virtual ~DeviceReads() = default;
  // The user's devices, oldest first.
  virtual Result<std::vector<storage::DeviceRecord>> devices_of_user(std::string_view user_id) = 0;
  virtual Result<std::optional<storage::DeviceRecord>> device_by_id(std::string_view id) = 0;
};

class DeviceWrites : public DeviceReads {
 public:
  virtual Result<void> insert_device(const storage::DeviceRecord& device) = 0;
  virtual Result<void> clear_primary_devices(std::string_view user_id) = 0;
  // True iff the device existed and belonged to `user_id` (and is now gone).
  virtual Result<bool> delete_device(std::string_view device_id, std::string_view user_id) = 0;
  virtual Result<void> mark_device_verified(std::string_view device_id, UnixMillis at) = 0;
};

}  // namespace paddock::devices
