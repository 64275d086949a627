#include "publishers/rules.hpp"

#include <array>
#include <ctime>

#include "publishers/errors.hpp"
#include "publishers/publisher_id.hpp"

namespace paddock::publishers {
namespace {

constexpr std::array<std::string_view, 9> kCategories = {
    "offer", "voucher", "points", "service", "reminder", "recall", "charging", "parking", "news"};
constexpr std::size_t kPublisherIdLength = 18;

bool id_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == '~' || c == '-';
}

int digits(std::string_view s, std::size_t at, std::size_t n, bool& ok) {
  int v = 0;
  if (at + n > s.size()) {
    ok = false;
    return 0;
  }
  for (std::size_t i = at; i < at + n; ++i) {
    if (s[i] < '0' || s[i] > '9') ok = false;
    v = v * 10 + (s[i] - '0');
  }
  return v;
}

}  // namespace

std::span<const std::string_view> categories() { return kCategories; }

Result<void> check_category(std::string_view category, std::string_view field) {
  for (auto c : kCategories) {
    if (c == category) return {};
  }
  std::string known;
  for (auto c : kCategories) known += (known.empty() ? "" : ", ") + std::string(c);
  return make_error(
      kUnknownCategory,
      "unknown category '" + std::string(category.substr(0, 64)) + "'; one of " + known,
      std::string(field));
}

Result<void> check_message_id(std::string_view message_id) {
  bool ok = !message_id.empty() && message_id.size() <= kMaxMessageIdBytes;
  for (char c : message_id) ok = ok && id_char(c);
  if (!ok) {
    return make_error(Errc::invalid_field, "a message id is 1 to 128 of A-Z a-z 0-9 . _ ~ -",
                      "messageId");
  }
  return {};
}

std::size_t char_count(std::string_view text) {
  std::size_t n = 0;
  for (unsigned char c : text) n += (c & 0xC0) != 0x80;
  return n;
}

std::optional<UnixMillis> parse_rfc3339(std::string_view s) {
  bool ok = true;
  std::tm tm{};
  tm.tm_year = digits(s, 0, 4, ok) - 1900;
  tm.tm_mon = digits(s, 5, 2, ok) - 1;
  tm.tm_mday = digits(s, 8, 2, ok);
  tm.tm_hour = digits(s, 11, 2, ok);
  tm.tm_min = digits(s, 14, 2, ok);
  tm.tm_sec = digits(s, 17, 2, ok);
  if (!ok || s.size() < 20 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != 't') ||
      s[13] != ':' || s[16] != ':') {
    return std::nullopt;
  }
  if (tm.tm_mon < 0 || tm.tm_mon > 11 || tm.tm_mday < 1 || tm.tm_mday > 31 || tm.tm_hour > 23 ||
      tm.tm_min > 59 || tm.tm_sec > 60) {
    return std::nullopt;
  }
  std::size_t i = 19;
  UnixMillis millis = 0;
  if (s[i] == '.') {
    std::size_t start = ++i;
    int scale = 100;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
      millis += (s[i] - '0') * scale;
      scale /= 10;
      ++i;
    }
    if (i == start) return std::nullopt;
  }
  if (i >= s.size()) return std::nullopt;
  long offset = 0;
  if (s[i] == 'Z' || s[i] == 'z') {
    ++i;
  } else if (s[i] == '+' || s[i] == '-') {
    int sign = s[i] == '-' ? -1 : 1;
    int hours = digits(s, i + 1, 2, ok);
    int minutes = digits(s, i + 4, 2, ok);
    if (!ok || i + 6 != s.size() || s[i + 3] != ':' || hours > 23 || minutes > 59)
      return std::nullopt;
    offset = sign * (hours * 3600L + minutes * 60L);
    i += 6;
  } else {
    return std::nullopt;
  }
  if (i != s.size()) return std::nullopt;
  std::time_t t = ::timegm(&tm);
  if (t == static_cast<std::time_t>(-1)) return std::nullopt;
  return (static_cast<UnixMillis>(t) - offset) * 1000 + millis;
}

std::string inbox_item_id(std::string_view publisher_id, std::string_view message_id) {
  return std::string(publisher_id) + "-" + std::string(message_id);
}

std::optional<ItemKey> parse_inbox_item_id(std::string_view id) {
  if (id.size() < kPublisherIdLength + 2 || id[kPublisherIdLength] != '-') return std::nullopt;
  ItemKey key{std::string(id.substr(0, kPublisherIdLength)),
              std::string(id.substr(kPublisherIdLength + 1))};
  if (!valid_publisher_id(key.publisher_id) || !check_message_id(key.message_id)) {
    return std::nullopt;
  }
  return key;
}

}  // namespace paddock::publishers
