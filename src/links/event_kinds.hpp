#pragma once
// links/event_kinds: the feed event kinds the links module emits on a device's stream.
// Registered by LinkService's constructor.
#include <array>

#include "events/kinds.hpp"

namespace paddock::links {

// To the claiming device: what a share or handoff link handed over.
inline constexpr events::EventKind kLinkContext{"link.context", "link"};

inline constexpr std::array kLinkEventKinds = {kLinkContext};

}  // namespace paddock::links
