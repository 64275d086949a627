#pragma once
// publishers/rules: what a publisher's input must look like: the message categories receivers
// can opt out of, ids, sizes, times. Pure functions, one table-driven test. Depends on core.
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "core/clock.hpp"
#include "core/result.hpp"

namespace paddock::publishers {

// Limits on what a publisher sends, named where they are checked.
inline constexpr std::size_t kMaxMessageIdBytes = 128;
inline constexpr std::size_t kMaxTitleChars = 200;
inline constexpr std::size_t kMaxBodyChars = 4000;
inline constexpr std::size_t kMaxDataBytes = 16 * 1024;
inline constexpr std::size_t kMaxReceivers = 1000;
inline constexpr std::size_t kMaxNameChars = 200;
inline constexpr std::size_t kMaxContactChars = 320;
inline constexpr std::size_t kMaxNonceBytes = 128;
inline constexpr std::size_t kMaxOptOuts = 100;
inline constexpr UnixMillis kMaxLifetime = 366LL * 24 * 3600 * 1000;
inline constexpr UnixMillis kClockWindow = 5 * 60 * 1000;  // signed requests: created +- this
inline constexpr UnixMillis kDefaultOverlap = 24LL * 3600 * 1000;
inline constexpr UnixMillis kMaxOverlap = 7LL * 24 * 3600 * 1000;

// The categories messages are filed under (and receivers opt out of).
std::span<const std::string_view> categories();
// Error kUnknownCategory (field "category") unless `category` is one of categories().
Result<void> check_category(std::string_view category, std::string_view field = "category");
// Error invalid_field unless 1..kMaxMessageIdBytes of [A-Za-z0-9._~-].
Result<void> check_message_id(std::string_view message_id);
// The number of Unicode code points in valid UTF-8 `text`.
std::size_t char_count(std::string_view text);
// "2026-11-28T12:00:00Z", "2026-11-28T12:00:00.5+01:00": RFC 3339 date-time to Unix millis.
std::optional<UnixMillis> parse_rfc3339(std::string_view text);

// An inbox item's id: the publisher id, '-', the message id (the publisher id has a fixed
// length, so the split is unambiguous).
std::string inbox_item_id(std::string_view publisher_id, std::string_view message_id);
struct ItemKey {
  std::string publisher_id;
  std::string message_id;
};
std::optional<ItemKey> parse_inbox_item_id(std::string_view id);

}  // namespace paddock::publishers
