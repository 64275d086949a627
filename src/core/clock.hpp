#pragma once
// core/clock: wall-clock time as Unix milliseconds and its RFC 3339 text form.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace paddock {

using UnixMillis = std::int64_t;

UnixMillis now_millis();

// "2026-11-23T18:00:00.123Z"
std::string format_rfc3339(UnixMillis t);

}  // namespace paddock
