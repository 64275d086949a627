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

// Parses an RFC 3339 date-time ("2026-11-23T18:00:00Z", "...T18:00:00.5+01:00"; 'T'/'t',
// 'Z'/'z'; fractions past milliseconds are truncated). Returns nullopt iff `text` is not one,
// names an impossible date or time, or lies outside years 1970..9999.
std::optional<UnixMillis> parse_rfc3339(std::string_view text);

}  // namespace paddock
