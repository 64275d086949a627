#include "antitheft/anti_theft.hpp"

#include <algorithm>
#include <array>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <set>

#include "core/text.hpp"
#include "sharing/access.hpp"

namespace paddock::antitheft {
namespace {

constexpr std::array kKinds = {kVehicleLowCharge};

}  // namespace

LowChargeStep low_charge_step(bool was_below, double soc, int threshold) {
  if (was_below) return {soc < threshold + kRearmMarginPercent, false};
  if (soc < threshold) return {true, true};
  return {false, false};
}

Result<std::optional<storage::EventRecord>> observe_soc(storage::Writes& w,
                                                        const SocReport& report) {
  PADDOCK_ASSIGN(settings, w.antitheft().settings(report.vehicle_id));
  if (!settings) return std::optional<storage::EventRecord>();
  PADDOCK_ASSIGN(previous, w.antitheft().charge_state(report.vehicle_id));
  // A reading older than the one kept cannot move the state backwards.
  if (previous && report.at < previous->at) return std::optional<storage::EventRecord>();
  const int threshold = settings->low_charge_threshold_percent;
  auto step = low_charge_step(previous && previous->below, report.soc_percent, threshold);
  PADDOCK_TRY(w.antitheft().put_charge_state(
      {report.vehicle_id, step.below, report.soc_percent, report.at}));
  if (!step.announce) return std::optional<storage::EventRecord>();

  PADDOCK_ASSIGN(vehicle, w.sharing().vehicle_by_id(report.vehicle_id));
  if (!vehicle) return std::optional<storage::EventRecord>();
  boost::json::object payload{
      {"vehicle_id", vehicle->id},
      {"nickname", vehicle->nickname},
      {"soc_percent", report.soc_percent},
      {"threshold_percent", threshold},
      {"at", format_rfc3339(report.at)},
      {"charge_point_id", report.charge_point_id.empty()
                              ? boost::json::value(nullptr)
                              : boost::json::value(report.charge_point_id)},
      {"connector_id", report.connector_id},
      {"transaction_id", report.transaction_id},
      // What the owner may do about it: the lock needs their password again.
      {"actions", boost::json::array{
                      boost::json::object{{"action", "lock"},
                                          {"method", "POST"},
                                          {"href", "/v1/vehicles/" + vehicle->id + "/lock"},
                                          {"body", boost::json::array{"reason", "password"}}}}}};
  storage::EventRecord e;
  e.vehicle_id = vehicle->id;
  e.target_user = vehicle->owner_id;
  e.type = std::string(kVehicleLowCharge.name);
  e.payload = boost::json::serialize(payload);
  e.created_at = now_millis();
  PADDOCK_ASSIGN(seq, w.events().append_event(e));
  e.seq = seq;
  return std::optional<storage::EventRecord>(std::move(e));
}

AntiTheftService::AntiTheftService(storage::Store& store) : store_(store) {
  events::register_kinds(kKinds);
}

void AntiTheftService::put_settings(std::string user_id, std::string vehicle_id, int threshold,
                                    std::vector<std::string> id_tags,
                                    std::optional<std::string> vehicle_platform_id,
                                    Callback<AntiTheftSettings> done) {
  if (threshold < kMinThresholdPercent || threshold > kMaxThresholdPercent) {
    return done(make_error(Errc::invalid_field, "low_charge_threshold_percent must be 1 to 99",
                           "low_charge_threshold_percent"));
  }
  if (id_tags.size() > kMaxIdTags) {
    return done(make_error(Errc::invalid_field, "at most 10 id_tags", "id_tags"));
  }
  std::set<std::string> seen;
  for (const auto& tag : id_tags) {
    if (tag.empty() || utf8_length(tag) > kMaxIdTagChars || has_control_characters(tag) ||
        !seen.insert(tag).second) {
      return done(make_error(Errc::invalid_field,
                             "each idTag is 1 to 20 characters without control characters, "
                             "listed once",
                             "id_tags"));
    }
  }
  AntiTheftSettings settings{vehicle_id, threshold, std::move(id_tags), now_millis(),
                             std::move(vehicle_platform_id)};
  store_.write<AntiTheftSettings>(
      [user_id = std::move(user_id), settings](storage::Writes& w) -> Result<AntiTheftSettings> {
        PADDOCK_TRY(sharing::vehicle_for_owner(w, user_id, settings.vehicle_id));
        if (settings.vehicle_platform_id) {
          PADDOCK_ASSIGN(platform, w.antitheft().platform(*settings.vehicle_platform_id));
          if (!platform) {
            return make_error(Errc::invalid_field, "no vehicle platform has this id",
                              "vehicle_platform_id");
          }
        }
        PADDOCK_TRY(w.antitheft().put_settings(settings));
        return settings;
      },
      std::move(done));
}

Result<AntiTheftSettings> AntiTheftService::settings(const std::string& user_id,
                                                     const std::string& vehicle_id) {
  auto& reads = store_.reads();
  PADDOCK_TRY(sharing::vehicle_for_owner(reads, user_id, vehicle_id));
  PADDOCK_ASSIGN(found, reads.antitheft().settings(vehicle_id));
  if (found) return std::move(*found);
  AntiTheftSettings defaults;
  defaults.vehicle_id = vehicle_id;
  return defaults;
}

}  // namespace paddock::antitheft
