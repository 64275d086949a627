#pragma once
// core/ids: opaque, unguessable identifiers such as "usr_3q2-5fTq0XyZ1aB7" (prefix + 96 random
// bits in base64url). Random rather than sequential so that several nodes can mint them safely.
#include <string>
#include <string_view>

namespace paddock {

std::string new_id(std::string_view prefix);

// True iff `text` could be an id minted by new_id (cheap shape check before any lookup).
bool looks_like_id(std::string_view text);

}  // namespace paddock
