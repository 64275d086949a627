#include "antitheft/telemetry.hpp"

#include <memory>

#include "antitheft/anti_theft.hpp"
#include "antitheft/errors.hpp"
#include "core/ids.hpp"
#include "core/text.hpp"
#include "identity/tokens.hpp"
#include "ocpp/errors.hpp"
#include "sharing/identification.hpp"

namespace paddock::antitheft {
namespace {

struct Placed {
  std::string vehicle_id;
  std::string charge_point_id;
  int connector_id = 0;
  std::int64_t transaction_id = 0;
};

struct Stored {
  TelemetryOutcome outcome;
  std::vector<storage::EventRecord> events;
  std::vector<Placed> placed;
};

Result<std::string> served_vehicle(storage::Writes& w, const std::string& platform_id,
                                   const TelemetryReport& r, std::size_t index) {
  Error not_served =
      make_error(kVehicleNotServed,
                 "report " + std::to_string(index) + ": no vehicle this platform reports for",
                 "reports[" + std::to_string(index) + "]");
  std::optional<storage::VehicleRecord> vehicle;
  if (r.vehicle_id) {
    if (!looks_like_id(*r.vehicle_id)) return not_served;
    PADDOCK_ASSIGN(found, w.sharing().vehicle_by_id(*r.vehicle_id));
    vehicle = std::move(found);
  } else if (r.vin) {
    auto vin = sharing::normalize_vin(*r.vin);
    if (!vin) return not_served;
    PADDOCK_ASSIGN(found, w.sharing().vehicle_by_vin(*vin));
    vehicle = std::move(found);
  }
  if (!vehicle) return not_served;
  PADDOCK_ASSIGN(settings, w.antitheft().settings(vehicle->id));
  if (!settings || settings->vehicle_platform_id != platform_id) return not_served;
  return vehicle->id;
}

}  // namespace

TelemetryService::TelemetryService(storage::Store& store, events::LiveEvents* live,
                                   PileEvents* piles)
    : store_(store), live_(live), piles_(piles) {}

void TelemetryService::register_platform(std::string operator_id, std::string name,
                                         Callback<IssuedPlatform> done) {
  auto is = store_.reads().charge_points().is_operator(operator_id);
  if (!is) return done(is.take_error());
  if (!*is) return done(make_error(ocpp::kOperatorRequired, "this needs the operator role"));
  if (name.empty() || utf8_length(name) > kMaxPlatformNameChars || has_control_characters(name)) {
    return done(make_error(Errc::invalid_field,
                           "name must be 1 to 64 characters without control characters", "name"));
  }
  identity::IssuedToken secret = identity::issue_token();
  VehiclePlatformRecord record{new_id("vpl"), std::move(name), secret.hash, operator_id,
                               now_millis()};
  store_.write<IssuedPlatform>(
      [record, token = secret.token](storage::Writes& w) -> Result<IssuedPlatform> {
        PADDOCK_TRY(w.antitheft().insert_platform(record));
        return IssuedPlatform{record, token};
      },
      std::move(done));
}

Result<std::string> TelemetryService::authenticate(std::string_view authorization) {
  std::string_view token = identity::bearer_token(authorization);
  if (!identity::looks_like_token(token)) {
    return make_error(Errc::unauthorized, "send 'Authorization: Bearer <platform secret>'");
  }
  auto found = store_.reads().antitheft().platform_by_secret_hash(identity::hash_token(token));
  if (!found) return found.take_error();
  if (!*found) return make_error(Errc::unauthorized, "no vehicle platform has this secret");
  return (*found)->id;
}

void TelemetryService::report(std::string platform_id, std::vector<TelemetryReport> reports,
                              Callback<TelemetryOutcome> done) {
  auto stored = std::make_shared<Stored>();
  store_.write<TelemetryOutcome>(
      [platform_id, reports = std::move(reports),
       stored](storage::Writes& w) -> Result<TelemetryOutcome> {
        *stored = Stored{};
        for (std::size_t i = 0; i < reports.size(); ++i) {
          const TelemetryReport& r = reports[i];
          PADDOCK_ASSIGN(vehicle_id, served_vehicle(w, platform_id, r, i));
          ++stored->outcome.accepted;
          PADDOCK_ASSIGN(previous, w.antitheft().telemetry(vehicle_id));
          if (previous && previous->at > r.at) continue;  // out of order: the newer one stands
          PADDOCK_TRY(
              w.antitheft().put_telemetry({vehicle_id, platform_id, r.soc_percent, r.latitude,
                                           r.longitude, r.speed_kmh, r.odometer_km, r.at}));
          SocReport soc{vehicle_id,
                        r.soc_percent,
                        r.at,
                        r.charge_point_id.value_or(""),
                        r.connector_id.value_or(0),
                        0};
          if (r.charge_point_id && r.connector_id) {
            PADDOCK_ASSIGN(running, w.charge_points().running_transactions(*r.charge_point_id));
            for (const auto& t : running) {
              if (t.connector_id != *r.connector_id) continue;
              soc.transaction_id = t.id;
              PADDOCK_ASSIGN(linked, w.charge_points().link_vehicle(t.id, vehicle_id));
              if (linked) {
                stored->placed.push_back({vehicle_id, t.charge_point_id, t.connector_id, t.id});
              }
            }
          }
          PADDOCK_ASSIGN(event, observe_soc(w, soc));
          if (event) {
            stored->events.push_back(std::move(*event));
            ++stored->outcome.low_charge_events;
          }
        }
        return stored->outcome;
      },
      [this, stored, done = std::move(done)](Result<TelemetryOutcome> outcome) {
        if (outcome && piles_) {
          for (const auto& p : stored->placed) {
            piles_->session_linked(p.vehicle_id, p.charge_point_id, p.connector_id,
                                   p.transaction_id);
          }
        }
        done(std::move(outcome));
      },
      [this, stored](TelemetryOutcome&) {
        if (live_ && !stored->events.empty()) live_->publish(std::move(stored->events));
      });
}

}  // namespace paddock::antitheft
