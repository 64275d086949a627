#pragma once
// keys/rights: what a key holder may do with a vehicle (the credential's authority
// information), the tasks a key is shared for and the relationships between sharer and
// recipient. Plain values and their names; no I/O. Depends on core only.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"

namespace paddock::keys {

// One bit per action. `reshare` is never granted unless a row grants it explicitly.
enum class Action : std::uint8_t { unlock, lock, open_trunk, start, drive, reshare };
inline constexpr Action kActions[] = {Action::unlock, Action::lock,  Action::open_trunk,
                                      Action::start,  Action::drive, Action::reshare};

class ActionSet {
 public:
  constexpr ActionSet() = default;
  static constexpr ActionSet all() { return ActionSet(0x3f); }
  bool has(Action a) const { return (bits_ >> static_cast<unsigned>(a)) & 1u; }
  void add(Action a) { bits_ |= static_cast<std::uint8_t>(1u << static_cast<unsigned>(a)); }
  ActionSet operator&(ActionSet o) const { return ActionSet(bits_ & o.bits_); }
  bool empty() const { return bits_ == 0; }
  bool operator==(const ActionSet&) const = default;

 private:
  constexpr explicit ActionSet(std::uint8_t bits) : bits_(bits) {}
  std::uint8_t bits_ = 0;
};

struct Geofence {
  double lat = 0;
  double lon = 0;
  double radius_m = 0;
  bool operator==(const Geofence&) const = default;
};

// A set of rights. An absent limit is no limit (a layer that does not restrict it).
struct Rights {
  ActionSet actions;
  std::optional<int> max_speed_kmh;
  std::optional<std::int64_t> max_duration_minutes;  // the longest validity window
  std::optional<int> max_uses;
  std::optional<double> max_radius_m;  // a geofence, when one is set, is at most this wide
  std::optional<Geofence> geofence;
  bool operator==(const Rights&) const = default;

  // Everything, without limits: what a vehicle's owner holds.
  static Rights unlimited() { return Rights{ActionSet::all()}; }
};

enum class Task : std::uint8_t { borrow, delivery, valet, service, custom };
inline constexpr Task kTasks[] = {Task::borrow, Task::delivery, Task::valet, Task::service,
                                  Task::custom};

// `none`: no contact, so no relationship.
enum class Relationship : std::uint8_t { none, family, friend_, colleague, service_provider };
inline constexpr Relationship kRelationships[] = {Relationship::none, Relationship::family,
                                                  Relationship::friend_, Relationship::colleague,
                                                  Relationship::service_provider};

std::string_view name_of(Action a);
std::string_view name_of(Task t);
std::string_view name_of(Relationship r);
// Each returns the value iff `name` is exactly one of the names above.
std::optional<Action> parse_action(std::string_view name);
std::optional<Task> parse_task(std::string_view name);
std::optional<Relationship> parse_relationship(std::string_view name);
// A relationship a contact can carry (every one but `none`); else invalid_field on "relationship".
Result<Relationship> check_contact_relationship(std::string_view name);

// Names of the actions in `set`, in kActions order.
std::vector<std::string> action_names(ActionSet set);

}  // namespace paddock::keys
