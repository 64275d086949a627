#pragma once
// events/kinds: the open set of feed event kinds. Each module declares its kinds where it owns
// them (sharing/event_kinds.hpp: message.*, follow.*, vehicle.deleted) and registers them at
// start; the feed serializes an event's payload under its kind's key. Depends on nothing.
#include <span>
#include <string_view>

namespace paddock::events {

struct EventKind {
  std::string_view name;         // the event's "type" on the wire, e.g. "message.created"
  std::string_view payload_key;  // the JSON member holding its payload, e.g. "message"
};

// Adds kinds to the registry (registering one again is harmless). Call at start, before
// events of these kinds are served.
void register_kinds(std::span<const EventKind> kinds);

// The payload key of a registered kind; "data" for a kind nobody registered.
std::string_view payload_key(std::string_view kind);

}  // namespace paddock::events
