#pragma once
// sharing/event_kinds: the feed event kinds the sharing module emits, in one place.
// Registered with events/kinds by SharingService's constructor. Depends on events/kinds.
#include <array>

#include "events/kinds.hpp"

namespace paddock::sharing {

inline constexpr events::EventKind kMessageCreated{"message.created", "message"};
inline constexpr events::EventKind kMessageUpdated{"message.updated", "message"};
inline constexpr events::EventKind kMessageDeleted{"message.deleted", "message"};
// Personal events to a follower; the payload is the follow as the follower sees it.
inline constexpr events::EventKind kFollowApproved{"follow.approved", "follow"};
inline constexpr events::EventKind kFollowRemoved{"follow.removed", "follow"};
inline constexpr events::EventKind kVehicleDeleted{"vehicle.deleted", "follow"};

inline constexpr std::array kSharingEventKinds = {kMessageCreated, kMessageUpdated,
                                                  kMessageDeleted, kFollowApproved,
                                                  kFollowRemoved,  kVehicleDeleted};

}  // namespace paddock::sharing
