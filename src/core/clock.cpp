#include "core/clock.hpp"

#include <chrono>
#include <ctime>

#include <fmt/format.h>

namespace paddock {

UnixMillis now_millis() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

std::string format_rfc3339(UnixMillis t) {
  using namespace std::chrono;
  const sys_time<milliseconds> at{milliseconds{t}};
  const sys_days day = floor<days>(at);
  const year_month_day date{day};
  const hh_mm_ss<milliseconds> time{at - day};
  const int y = static_cast<int>(date.year());
  if (y < 0 || y > 9999) {
    // Outside four digits: the general (and slower) formatter.
    return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", y,
                       static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()),
                       time.hours().count(), time.minutes().count(), time.seconds().count(),
                       time.subseconds().count());
  }
  // Every response carries a few of these: written digit by digit, without a format string to
  // parse or gmtime_r's time-zone lock. "YYYY-MM-DDTHH:MM:SS.mmmZ".
  std::string text(24, '\0');
  auto put = [&text](std::size_t at, unsigned value, std::size_t width) {
    for (std::size_t i = width; i-- > 0; value /= 10) {
      text[at + i] = static_cast<char>('0' + value % 10);
    }
  };
  put(0, static_cast<unsigned>(y), 4);
  text[4] = '-';
  put(5, static_cast<unsigned>(date.month()), 2);
  text[7] = '-';
  put(8, static_cast<unsigned>(date.day()), 2);
  text[10] = 'T';
  put(11, static_cast<unsigned>(time.hours().count()), 2);
  text[13] = ':';
  put(14, static_cast<unsigned>(time.minutes().count()), 2);
  text[16] = ':';
  put(17, static_cast<unsigned>(time.seconds().count()), 2);
  text[19] = '.';
  put(20, static_cast<unsigned>(time.subseconds().count()), 3);
  text[23] = 'Z';
  return text;
}

namespace {

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil).
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

bool digits(std::string_view text, std::size_t at, std::size_t n, int& out) {
  if (at + n > text.size()) return false;
  out = 0;
  for (std::size_t i = at; i < at + n; ++i) {
    if (text[i] < '0' || text[i] > '9') return false;
    out = out * 10 + (text[i] - '0');
  }
  return true;
}

}  // namespace

std::optional<UnixMillis> parse_rfc3339(std::string_view text) {
  int year, month, day, hour, minute, second;
  if (text.size() < 20 || text.size() > 40) return std::nullopt;
  if (!digits(text, 0, 4, year) || text[4] != '-' || !digits(text, 5, 2, month) ||
      text[7] != '-' || !digits(text, 8, 2, day) || (text[10] != 'T' && text[10] != 't') ||
      !digits(text, 11, 2, hour) || text[13] != ':' || !digits(text, 14, 2, minute) ||
      text[16] != ':' || !digits(text, 17, 2, second)) {
    return std::nullopt;
  }
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  if (year < 1970 || month < 1 || month > 12 || day < 1 ||
      day > kDays[month - 1] + (month == 2 && leap ? 1 : 0) || hour > 23 || minute > 59 ||
      second > 60) {
    return std::nullopt;
  }
  if (second == 60) second = 59;  // a leap second reads as the second before it
  std::size_t at = 19;
  int millis = 0;
  if (text[at] == '.') {
    std::size_t first = ++at;
    while (at < text.size() && text[at] >= '0' && text[at] <= '9') {
      if (at - first < 3) millis = millis * 10 + (text[at] - '0');
      ++at;
    }
    if (at == first) return std::nullopt;
    for (std::size_t n = at - first; n < 3; ++n) millis *= 10;
  }
  int offset_minutes = 0;
  if (at < text.size() && (text[at] == 'Z' || text[at] == 'z')) {
    ++at;
  } else if (at < text.size() && (text[at] == '+' || text[at] == '-')) {
    int oh, om;
    if (!digits(text, at + 1, 2, oh) || at + 3 >= text.size() || text[at + 3] != ':' ||
        !digits(text, at + 4, 2, om) || oh > 23 || om > 59) {
      return std::nullopt;
    }
    offset_minutes = (oh * 60 + om) * (text[at] == '-' ? -1 : 1);
    at += 6;
  } else {
    return std::nullopt;
  }
  if (at != text.size()) return std::nullopt;
  std::int64_t seconds = days_from_civil(year, static_cast<unsigned>(month),
                                         static_cast<unsigned>(day)) * 86400 +
                         hour * 3600 + minute * 60 + second - offset_minutes * 60;
  if (seconds < 0) return std::nullopt;
  return seconds * 1000 + millis;
}

}  // namespace paddock
