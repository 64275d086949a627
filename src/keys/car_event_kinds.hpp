#pragma once
// keys/car_event_kinds: the feed event kinds the car's reports emit: personal events to the
// vehicle's owner, the payload one decision the car reported (CarSyncService::accept_report).
// Registered by CarSyncService's constructor. Depends on events/kinds.
#include <array>

#include "events/kinds.hpp"

namespace paddock::keys {

inline constexpr events::EventKind kKeyUsed{"key.used", "key_event"};
inline constexpr events::EventKind kKeyDenied{"key.denied", "key_event"};

inline constexpr std::array kCarEventKinds = {kKeyUsed, kKeyDenied};

}  // namespace paddock::keys
