#include "keys/policy.hpp"

#include <cmath>

namespace paddock::keys {
namespace {

// One layer of the intersection, named as its refusals say it.
struct Layer {
  const Rights& rights;
  std::string name;    // "the delivery template", "family", "the sharer"
  std::string denies;  // how a missing action reads: "is not in the delivery template"
};

std::string format_minutes(std::int64_t minutes) {
  if (minutes % 60 == 0) return std::to_string(minutes / 60) + " h";
  return std::to_string(minutes) + " min";
}

// The tightest of the layers' limits for one numeric field, and the layer that set it.
template <class T>
std::pair<std::optional<T>, const Layer*> tightest(const std::vector<Layer>& layers,
                                                   std::optional<T> Rights::*field) {
  std::optional<T> best;
  const Layer* by = nullptr;
  for (const auto& layer : layers) {
    const auto& v = layer.rights.*field;
    if (v && (!best || *v < *best)) {
      best = v;
      by = &layer;
    }
  }
  return {best, by};
}

// Applies a numeric limit: the request's value if it fits under the cap, else the cap with a
// refusal naming the layer that set it.
template <class T>
std::optional<T> limit(const std::vector<Layer>& layers, std::optional<T> Rights::*field,
                       std::optional<T> requested, const std::string& name,
                       std::string (*show)(T), std::vector<Refusal>& refused) {
  auto [cap, by] = tightest(layers, field);
  if (!requested) return cap;
  if (cap && *requested > *cap) {
    refused.push_back({name, name + " capped at " + show(*cap) + " by " + by->name});
    return cap;
  }
  return requested;
}

std::string show_int(int v) { return std::to_string(v); }
std::string show_kmh(int v) { return std::to_string(v) + " km/h"; }
std::string show_minutes(std::int64_t v) { return format_minutes(v); }

std::string relationship_label(Relationship r) {
  if (r == Relationship::none) return "a recipient with no relationship";
  return std::string(name_of(r));
}

bool inside(const Geofence& inner, const Geofence& outer) {
  return distance_m(inner.lat, inner.lon, outer.lat, outer.lon) + inner.radius_m <=
         outer.radius_m;
}

}  // namespace

double distance_m(double lat1, double lon1, double lat2, double lon2) {
  constexpr double kEarthRadiusM = 6371008.8;
  constexpr double kRad = 3.14159265358979323846 / 180.0;
  double dlat = (lat2 - lat1) * kRad;
  double dlon = (lon2 - lon1) * kRad;
  double a = std::sin(dlat / 2) * std::sin(dlat / 2) +
             std::cos(lat1 * kRad) * std::cos(lat2 * kRad) * std::sin(dlon / 2) *
                 std::sin(dlon / 2);
  return 2 * kEarthRadiusM * std::asin(std::min(1.0, std::sqrt(a)));
}

KeyDecision decide(const KeyPolicy& policy, Task task, Relationship relationship,
                   const Rights& sharer, const KeyRequest& request) {
  const TaskTemplate& tmpl = policy.task(task);
  std::string task_name = "the " + std::string(name_of(task)) + " template";
  std::string who = relationship_label(relationship);
  std::vector<Layer> layers = {
      {tmpl.rights, task_name, "is not in " + task_name},
      {policy.relationship(relationship), who, ""},
      {sharer, "the sharer's own rights", "the sharer lacks it"},
  };

  KeyDecision d;
  ActionSet wanted = request.actions.value_or(tmpl.rights.actions);
  for (Action a : kActions) {
    if (!wanted.has(a)) continue;
    const Layer* missing = nullptr;
    for (const auto& layer : layers) {
      if (!layer.rights.actions.has(a)) {
        missing = &layer;
        break;
      }
    }
    if (!missing) {
      d.effective.actions.add(a);
      continue;
    }
    std::string action(name_of(a));
    std::string reason;
    if (missing == &layers[1]) {
      reason = who + " may not " + action;
    } else if (missing == &layers[0]) {
      reason = action + " " + missing->denies;
    } else {
      reason = missing->denies;
    }
    d.refused.push_back({action, std::move(reason)});
  }

  d.effective.max_speed_kmh = limit<int>(layers, &Rights::max_speed_kmh, request.max_speed_kmh,
                                         "max_speed_kmh", show_kmh, d.refused);
  d.effective.max_duration_minutes =
      limit<std::int64_t>(layers, &Rights::max_duration_minutes, request.duration_minutes,
                          "duration", show_minutes, d.refused);
  d.effective.max_uses =
      limit<int>(layers, &Rights::max_uses, request.max_uses, "max_uses", show_int, d.refused);
  d.effective.max_radius_m = tightest(layers, &Rights::max_radius_m).first;

  // The geofence: the request's, else the sharer's own. It must fit inside the sharer's own
  // geofence and be no wider than the tightest radius; otherwise the narrower one stands.
  std::optional<Geofence> fence = request.geofence ? request.geofence : sharer.geofence;
  if (request.geofence && sharer.geofence && !inside(*request.geofence, *sharer.geofence)) {
    d.refused.push_back({"geofence", "the geofence reaches outside the sharer's own geofence"});
    fence = sharer.geofence;
  }
  if (fence && d.effective.max_radius_m && fence->radius_m > *d.effective.max_radius_m) {
    auto by = tightest(layers, &Rights::max_radius_m).second;
    d.refused.push_back({"geofence", "geofence radius capped at " +
                                         std::to_string(static_cast<long long>(
                                             *d.effective.max_radius_m)) +
                                         " m by " + by->name});
    fence->radius_m = *d.effective.max_radius_m;
  }
  d.effective.geofence = fence;

  d.verification_required.emplace_back("device_signature");
  for (const auto& v : tmpl.verification) d.verification_required.push_back(v);
  return d;
}

}  // namespace paddock::keys
