#include "core/ids.hpp"

#include <algorithm>
#include <array>
#include <cstdint>

#include "core/clock.hpp"
#include "core/encoding.hpp"

namespace paddock {
namespace {

// URL-safe characters in ASCII order, so that ids sort as their bytes do.
constexpr std::string_view kSortable =
    "-0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz";

}  // namespace

std::string new_id(std::string_view prefix) {
  // 48 bits of milliseconds, then 48 random bits. Time first makes new rows land at the right
  // edge of every index keyed by id (one dirty page per table per commit instead of one per
  // row), which is what keeps group commits small; the random half keeps ids unguessable
  // within a millisecond, and authorization never rests on an id being secret.
  std::array<std::uint8_t, 12> raw{};
  auto now = static_cast<std::uint64_t>(now_millis());
  for (int i = 0; i < 6; ++i) raw[i] = static_cast<std::uint8_t>(now >> (40 - 8 * i));
  Bytes random = random_bytes(6);
  std::copy(random.begin(), random.end(), raw.begin() + 6);

  std::string id(prefix);
  id += '_';
  for (std::size_t i = 0; i < raw.size(); i += 3) {  // 3 bytes -> 4 characters
    std::uint32_t group = (std::uint32_t{raw[i]} << 16) | (std::uint32_t{raw[i + 1]} << 8) |
                          raw[i + 2];
    for (int shift = 18; shift >= 0; shift -= 6) id += kSortable[(group >> shift) & 0x3F];
  }
  return id;
}

bool looks_like_id(std::string_view text) {
  if (text.empty() || text.size() > 64) return false;
  return std::all_of(text.begin(), text.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-';
  });
}

}  // namespace paddock
