#include "keys/rights.hpp"

namespace paddock::keys {

std::string_view name_of(Action a) {
  switch (a) {
    case Action::unlock: return "unlock";
    case Action::lock: return "lock";
    case Action::open_trunk: return "open_trunk";
    case Action::start: return "start";
    case Action::drive: return "drive";
    case Action::reshare: return "reshare";
  }
  return "?";
}

std::string_view name_of(Task t) {
  switch (t) {
    case Task::borrow: return "borrow";
    case Task::delivery: return "delivery";
    case Task::valet: return "valet";
    case Task::service: return "service";
    case Task::custom: return "custom";
  }
  return "?";
}

std::string_view name_of(Relationship r) {
  switch (r) {
    case Relationship::none: return "none";
    case Relationship::family: return "family";
    case Relationship::friend_: return "friend";
    case Relationship::colleague: return "colleague";
    case Relationship::service_provider: return "service_provider";
  }
  return "?";
}

std::optional<Action> parse_action(std::string_view name) {
  for (Action a : kActions) {
    if (name_of(a) == name) return a;
  }
  return std::nullopt;
}

std::optional<Task> parse_task(std::string_view name) {
  for (Task t : kTasks) {
    if (name_of(t) == name) return t;
  }
  return std::nullopt;
}

std::optional<Relationship> parse_relationship(std::string_view name) {
  for (Relationship r : kRelationships) {
    if (name_of(r) == name) return r;
  }
  return std::nullopt;
}

Result<Relationship> check_contact_relationship(std::string_view name) {
  auto r = parse_relationship(name);
  if (!r || *r == Relationship::none) {
    return make_error(Errc::invalid_field,
                      "relationship must be one of family, friend, colleague, service_provider",
                      "relationship");
  }
  return *r;
}

std::vector<std::string> action_names(ActionSet set) {
  std::vector<std::string> names;
  for (Action a : kActions) {
    if (set.has(a)) names.emplace_back(name_of(a));
  }
  return names;
}

}  // namespace paddock::keys
