// core/clock: RFC 3339 parsing, one row per case, and formatting against the C library.
#include "core/clock.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <ctime>

namespace paddock {
namespace {

struct Rfc3339Case {
  const char* name;
  const char* text;
  std::optional<UnixMillis> expected;
};

TEST(ParseRfc3339, Table) {
  const Rfc3339Case cases[] = {
      {"epoch", "1970-01-01T00:00:00Z", 0},
      {"milliseconds", "2026-11-23T18:00:00.123Z", 1795456800123},
      {"one fraction digit", "2026-11-23T18:00:00.5Z", 1795456800500},
      {"micro truncated", "2026-11-23T18:00:00.123999Z", 1795456800123},
      {"positive offset", "2026-11-23T19:30:00+01:30", 1795456800000},
      {"negative offset", "2026-11-23T13:00:00-05:00", 1795456800000},
      {"lower case", "2026-11-23t18:00:00z", 1795456800000},
      {"leap day", "2024-02-29T00:00:00Z", 1709164800000},
      {"no leap day", "2025-02-29T00:00:00Z", std::nullopt},
      {"month 13", "2026-13-01T00:00:00Z", std::nullopt},
      {"hour 24", "2026-11-23T24:00:00Z", std::nullopt},
      {"no zone", "2026-11-23T18:00:00", std::nullopt},
      {"space separator", "2026-11-23 18:00:00Z", std::nullopt},
      {"empty fraction", "2026-11-23T18:00:00.Z", std::nullopt},
      {"trailing text", "2026-11-23T18:00:00Zx", std::nullopt},
      {"before 1970", "1969-12-31T23:59:59Z", std::nullopt},
      {"date only", "2026-11-23", std::nullopt},
      {"signs in digits", "+026-11-23T18:00:00Z", std::nullopt},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(parse_rfc3339(c.text), c.expected) << c.name;
  }
}

// The digit-by-digit formatter against the C library's calendar, from before 1970 to the last
// four-digit year, with every millisecond position and the days around leap days.
TEST(FormatRfc3339, AgreesWithGmtime) {
  const auto reference = [](UnixMillis t) {
    std::time_t seconds = static_cast<std::time_t>(t / 1000);
    int millis = static_cast<int>(t % 1000);
    if (millis < 0) {
      millis += 1000;
      --seconds;
    }
    std::tm tm{};
    gmtime_r(&seconds, &tm);
    char text[80];
    std::snprintf(text, sizeof text, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                  tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, millis);
    return std::string(text);
  };
  constexpr UnixMillis kDay = 86'400'000;
  const UnixMillis first = -62'135'596'800'000;  // 0001-01-01T00:00:00Z
  const UnixMillis last = 253'402'300'799'999;   // 9999-12-31T23:59:59.999Z
  int checked = 0;
  // A prime step walks through every time of day and millisecond over the span.
  for (UnixMillis t = first; t <= last; t += 11 * kDay + 3'601'007) {
    ASSERT_EQ(format_rfc3339(t), reference(t)) << t;
    ++checked;
  }
  for (UnixMillis t : {first, last, UnixMillis{-1}, UnixMillis{0}, UnixMillis{951'782'400'000},
                       UnixMillis{951'868'799'999}, UnixMillis{1'709'164'800'000}}) {
    EXPECT_EQ(format_rfc3339(t), reference(t)) << t;
  }
  EXPECT_GT(checked, 300'000);
  EXPECT_EQ(format_rfc3339(-1), "1969-12-31T23:59:59.999Z");
  EXPECT_EQ(format_rfc3339(1'795'456'800'123), "2026-11-23T18:00:00.123Z");
}

TEST(ParseRfc3339, ReadsBackWhatFormatWrites) {
  for (UnixMillis t : {UnixMillis{0}, UnixMillis{1795456800123}, UnixMillis{253402300799999}}) {
    EXPECT_EQ(parse_rfc3339(format_rfc3339(t)), t);
  }
}

}  // namespace
}  // namespace paddock
