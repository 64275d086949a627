#pragma once
// antitheft/telemetry: vehicle cloud platforms (registered by operators, each with its own
// secret, shown once) and the telemetry they report (issue 10 item 5). A platform reports only
// for vehicles whose owner chose it in their anti-theft settings. A report's SoC feeds the
// owner's low-charge prompt (observe_soc); a report naming a pile and connector places the car
// there when that session has no vehicle yet: an idTag's link (StartTransaction) always wins,
// then a pile's VehicleConnected DataTransfer, then telemetry. Depends on core, events,
// identity's tokens, sharing's identification, the storage interface and pile_link.
#include <optional>
#include <string>
#include <vector>

#include "antitheft/antitheft_repository.hpp"
#include "antitheft/pile_link.hpp"
#include "core/result.hpp"
#include "events/live_events.hpp"
#include "storage/store.hpp"

namespace paddock::antitheft {

inline constexpr std::size_t kMaxPlatformNameChars = 64;
inline constexpr std::size_t kMaxReportsPerBatch = 100;

struct TelemetryReport {
  std::optional<std::string> vin;  // exactly one of vin and vehicle_id
  std::optional<std::string> vehicle_id;
  double soc_percent = 0;
  std::optional<double> latitude;
  std::optional<double> longitude;
  std::optional<double> speed_kmh;
  std::optional<double> odometer_km;
  std::optional<std::string> charge_point_id;  // with connector_id, or neither
  std::optional<int> connector_id;
  UnixMillis at = 0;
};

struct IssuedPlatform {
  VehiclePlatformRecord platform;
  std::string secret;  // shown once
};

struct TelemetryOutcome {
  std::size_t accepted = 0;
  std::size_t low_charge_events = 0;
};

class TelemetryService {
 public:
  TelemetryService(storage::Store& store, events::LiveEvents* live, PileEvents* piles);

  // Operators only (operator_required). Errors: invalid_field (name).
  void register_platform(std::string operator_id, std::string name, Callback<IssuedPlatform> done);
  // `Authorization: Bearer <secret>` → the platform's id. Error: unauthorized.
  Result<std::string> authenticate(std::string_view authorization);
  // All or nothing: a report for a vehicle this platform does not serve (or that does not
  // exist: the same answer, so that VINs cannot be probed) fails the batch with
  // vehicle_not_served naming the report. Reports older than the latest kept for a vehicle
  // change neither its telemetry nor its low-charge state.
  void report(std::string platform_id, std::vector<TelemetryReport> reports,
              Callback<TelemetryOutcome> done);

 private:
  storage::Store& store_;
  events::LiveEvents* live_;
  PileEvents* piles_;
};

}  // namespace paddock::antitheft
