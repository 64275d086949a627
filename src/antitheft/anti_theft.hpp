#pragma once
// antitheft/anti_theft: a vehicle owner's anti-theft settings (the low-charge threshold and the
// idTags that identify the car at a charging pile) and the low-charge prompt: a state of charge
// falling below the threshold pushes `vehicle.low_charge` to the owner's stream once per
// crossing, carrying the action that authorizes a lock. Which car is on which pile: a
// StartTransaction whose idTag is one of the vehicle's links that charging session to it
// (ocpp/central_system asks vehicle_of_id_tag). Depends on core, events, sharing's access
// rules and the storage interface.
#include <optional>
#include <string>
#include <vector>

#include "antitheft/antitheft_repository.hpp"
#include "core/result.hpp"
#include "events/kinds.hpp"
#include "storage/records.hpp"
#include "storage/store.hpp"

namespace paddock::antitheft {

// Personal event to the owner; the payload is a LowCharge view (see low_charge_event).
inline constexpr events::EventKind kVehicleLowCharge{"vehicle.low_charge", "low_charge"};

inline constexpr int kMinThresholdPercent = 1;
inline constexpr int kMaxThresholdPercent = 99;
inline constexpr std::size_t kMaxIdTags = 10;
inline constexpr std::size_t kMaxIdTagChars = 20;  // OCPP 1.6 IdToken: CiString20
// After a crossing, the SoC must climb this far above the threshold before another crossing
// counts: a reading that wobbles around the threshold prompts once.
inline constexpr double kRearmMarginPercent = 5.0;

// One SoC reading against the threshold: the new hysteresis state, and whether it is a crossing
// to announce.
struct LowChargeStep {
  bool below = false;
  bool announce = false;
};
LowChargeStep low_charge_step(bool was_below, double soc_percent, int threshold_percent);

// A state-of-charge reading and where it came from.
struct SocReport {
  std::string vehicle_id;
  double soc_percent = 0;
  UnixMillis at = 0;
  std::string charge_point_id;  // empty when not from a pile
  int connector_id = 0;
  std::int64_t transaction_id = 0;
};

// Inside a write job: records `report` against the vehicle's threshold and, on a crossing,
// appends the owner's `vehicle.low_charge` event and returns it (seq set) for
// events::LiveEvents::publish after the commit. Nothing happens for a vehicle without
// anti-theft settings.
Result<std::optional<storage::EventRecord>> observe_soc(storage::Writes& w,
                                                        const SocReport& report);

class AntiTheftService {
 public:
  explicit AntiTheftService(storage::Store& store);

  // Owner only (others: sharing's forbidden / not_found). Errors: invalid_field (threshold not
  // 1-99, more than 10 tags, a tag empty, over 20 characters, with control characters or
  // repeated), id_tag_taken, storage_unavailable.
  // `vehicle_platform_id`: the platform allowed to report this car's telemetry (422
  // invalid_field if there is no such platform), or none.
  void put_settings(std::string user_id, std::string vehicle_id, int threshold_percent,
                    std::vector<std::string> id_tags,
                    std::optional<std::string> vehicle_platform_id,
                    Callback<AntiTheftSettings> done);
  // Owner only; a vehicle without settings has the defaults (20 %, no tags).
  Result<AntiTheftSettings> settings(const std::string& user_id, const std::string& vehicle_id);

 private:
  storage::Store& store_;
};

}  // namespace paddock::antitheft
