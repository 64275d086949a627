#pragma once
// keys/event_kinds: the feed event kinds the key-share lifecycle emits, in one place. Personal
// events (to the owner, the sharer, the recipient, or the holder's device alone); the payload
// is the key share as keys/share_view renders it. Registered by KeyShareService's constructor.
// Depends on events/kinds.
#include <array>

#include "events/kinds.hpp"

namespace paddock::keys {

inline constexpr events::EventKind kKeyOffered{"key.offered", "key_share"};
inline constexpr events::EventKind kKeyVerified{"key.verified", "key_share"};
inline constexpr events::EventKind kKeyIssued{"key.issued", "key_share"};
inline constexpr events::EventKind kKeyDeclined{"key.declined", "key_share"};
inline constexpr events::EventKind kKeyReturned{"key.returned", "key_share"};
inline constexpr events::EventKind kKeyRevoked{"key.revoked", "key_share"};
inline constexpr events::EventKind kKeyFailed{"key.failed", "key_share"};

inline constexpr std::array kKeyShareEventKinds = {kKeyOffered,  kKeyVerified, kKeyIssued,
                                                   kKeyDeclined, kKeyReturned, kKeyRevoked,
                                                   kKeyFailed};

}  // namespace paddock::keys
