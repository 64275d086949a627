#pragma once
// keys/policy: the key-rights policy. Effective rights = task template ∩ relationship policy ∩
// the sharer's own rights ∩ what was requested, never wider than any of them, with the reason
// for every requested right that was not granted. Pure functions over operator data (loaded by
// keys/policy_file.hpp); no I/O. Depends on keys/rights.
#include <array>
#include <string>
#include <vector>

#include "keys/rights.hpp"

namespace paddock::keys {

// What a task allows, and what accepting it needs beyond the device's signature.
struct TaskTemplate {
  Rights rights;
  std::vector<std::string> verification;  // e.g. "code": a one-time code passed on out of band
};

struct KeyPolicy {
  std::array<TaskTemplate, std::size(kTasks)> tasks;
  std::array<Rights, std::size(kRelationships)> relationships;

  const TaskTemplate& task(Task t) const { return tasks[static_cast<std::size_t>(t)]; }
  const Rights& relationship(Relationship r) const {
    return relationships[static_cast<std::size_t>(r)];
  }
};

// What the sharer asked for. Absent actions: everything the task template allows (then only
// the limits can be cut, and each cut is reported). Absent limits: the tightest of the layers.
struct KeyRequest {
  std::optional<ActionSet> actions;
  std::optional<int> max_speed_kmh;
  std::optional<std::int64_t> duration_minutes;  // not_after - not_before
  std::optional<int> max_uses;
  std::optional<Geofence> geofence;
};

// A right the request asked for and did not get as asked: `right` is an action name or a limit
// ("max_uses", "max_speed_kmh", "duration", "geofence"); `reason` is for people.
struct Refusal {
  std::string right;
  std::string reason;
  bool operator==(const Refusal&) const = default;
};

struct KeyDecision {
  Rights effective;
  std::vector<Refusal> refused;
  // What acceptance needs: always "device_signature", then the template's extras.
  std::vector<std::string> verification_required;
};

// The effective rights for sharing `task` with someone the sharer calls `relationship`, given
// the sharer's own rights and the request. Never grants reshare unless every layer grants it.
KeyDecision decide(const KeyPolicy& policy, Task task, Relationship relationship,
                   const Rights& sharer, const KeyRequest& request);

// Great-circle distance in metres (haversine, mean Earth radius).
double distance_m(double lat1, double lon1, double lat2, double lon2);

}  // namespace paddock::keys
