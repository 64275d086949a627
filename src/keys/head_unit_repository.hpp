#pragma once
// keys/head_unit_repository: the head units an owner registered for a vehicle (each with its own
// Ed25519 key, the car's identity when it syncs the revocation list and reports key uses), as
// the interface a storage backend implements. Owned by keys; depends on core only. Every call
// returns a value, never throws.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"
#include "core/result.hpp"

namespace paddock::keys {

struct HeadUnitRecord {
  std::string id;
  std::string vehicle_id;
  std::string name;
  std::string public_key;  // raw Ed25519 public key, unpadded base64url
  // The highest signed-report counter accepted from this head unit (0: none yet). A report must
  // carry a higher one, so a replayed report is refused.
  std::uint64_t last_report_counter = 0;
  UnixMillis created_at = 0;
};

class HeadUnitReads {
 public:
  virtual ~HeadUnitReads() = default;
  // The vehicle's head units, oldest first.
  virtual Result<std::vector<HeadUnitRecord>> head_units_of(std::string_view vehicle_id) = 0;
  virtual Result<std::optional<HeadUnitRecord>> head_unit_by_id(std::string_view id) = 0;
};

class HeadUnitWrites : public HeadUnitReads {
 public:
  virtual Result<void> insert_head_unit(const HeadUnitRecord& head_unit) = 0;
  // True iff the vehicle had that head unit (and now has not).
  virtual Result<bool> delete_head_unit(std::string_view vehicle_id, std::string_view id) = 0;
  // Sets the head unit's last report counter to `counter` iff `counter` is above the stored
  // one. True iff it did: a replayed or reordered report changes nothing.
  virtual Result<bool> advance_report_counter(std::string_view id, std::uint64_t counter) = 0;
};

}  // namespace paddock::keys
