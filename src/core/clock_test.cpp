// core/clock: RFC 3339 parsing, one row per case.
#include "core/clock.hpp"

#include <gtest/gtest.h>

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

TEST(ParseRfc3339, ReadsBackWhatFormatWrites) {
  for (UnixMillis t : {UnixMillis{0}, UnixMillis{1795456800123}, UnixMillis{253402300799999}}) {
    EXPECT_EQ(parse_rfc3339(format_rfc3339(t)), t);
  }
}

}  // namespace
}  // namespace paddock
