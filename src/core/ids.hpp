#pragma once
// core/ids: opaque identifiers such as "usr_-5pLmK0aQz3xT9bC": a prefix, 48 bits of time and 48
// random bits in a URL-safe alphabet that sorts like the bytes. Minted without coordination, so
// several nodes can create them safely; roughly time-ordered, so indexes grow at one end.
#include <string>
#include <string_view>

namespace paddock {

std::string new_id(std::string_view prefix);

// True iff `text` could be an id minted by new_id (cheap shape check before any lookup).
bool looks_like_id(std::string_view text);

}  // namespace paddock
