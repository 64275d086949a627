#pragma once
// links/event_kinds: the feed event kinds the links module emits on a device's stream.
// Registered by LinkService's constructor.
#include <array>

#include "events/kinds.hpp"

namespace paddock::links {

// To the claiming device: what a share or handoff link handed over.
inline constexpr events::EventKind kLinkContext{"link.context", "link"};

// To a user's device: something another of their terminals pushed to it, until its ttl.
inline constexpr events::EventKind kTerminalPush{"terminal.push", "push"};

inline constexpr std::array kLinkEventKinds = {kLinkContext, kTerminalPush};

}  // namespace paddock::links
