#include <gtest/gtest.h>

#include "core/text.hpp"

namespace paddock {
namespace {

TEST(NameCharacters, OneRowPerCase) {
  struct Row {
    const char* name;
    std::string_view text;
    NameFault expected;
  };
  const Row rows[] = {
      {"ascii", "Alice", NameFault::none},
      {"spaces inside", "Grey Van", NameFault::none},
      {"cjk", "\xE8\xBD\xA6\xE4\xB8\xBB", NameFault::none},            // 车主
      {"arabic", "\xD8\xB3\xD9\x8A\xD8\xA7\xD8\xB1\xD8\xA9", NameFault::none},  // سيارة
      {"emoji", "\xF0\x9F\x9A\x97", NameFault::none},                   // U+1F697
      {"letter with combining mark", "e\xCC\x81", NameFault::none},     // e + U+0301
      {"zwj inside an emoji sequence", "\xF0\x9F\x91\xA9\xE2\x80\x8D\xF0\x9F\x94\xA7",
       NameFault::none},
      {"only spaces", "   ", NameFault::invisible},
      {"only zero-width space", "\xE2\x80\x8B", NameFault::invisible},  // U+200B
      {"zero-width joiners", "\xE2\x80\x8C\xE2\x80\x8D", NameFault::invisible},
      {"word joiner and bom", "\xE2\x81\xA0\xEF\xBB\xBF", NameFault::invisible},
      {"no-break and ideographic space", "\xC2\xA0\xE3\x80\x80", NameFault::invisible},
      {"hangul filler", "\xE3\x85\xA4", NameFault::invisible},          // U+3164
      {"only combining marks", "\xCC\x81\xCC\x82", NameFault::invisible},
      {"tag characters", "\xF3\xA0\x80\x81\xF3\xA0\x81\xBF", NameFault::invisible},
      {"left-to-right mark alone", "\xE2\x80\x8E", NameFault::invisible},
      {"right-to-left override", "abc\xE2\x80\xAE", NameFault::bidi_control},   // U+202E
      {"override alone", "\xE2\x80\xAE", NameFault::bidi_control},
      {"first strong isolate", "\xE2\x81\xA8x", NameFault::bidi_control},       // U+2068
      {"pop directional isolate", "x\xE2\x81\xA9", NameFault::bidi_control},    // U+2069
      {"tab", "a\tb", NameFault::control_character},
      {"delete", "a\x7F", NameFault::control_character},
      {"c1 control", "a\xC2\x85", NameFault::control_character},               // U+0085
      {"empty", "", NameFault::invisible},
  };
  for (const auto& row : rows) {
    EXPECT_EQ(check_name_characters(row.text), row.expected) << row.name;
  }
}

TEST(NameCharacters, ToleratesBytesThatAreNotUtf8) {
  // Callers pass validated UTF-8; a stray or truncated byte must still not read out of bounds.
  EXPECT_EQ(check_name_characters("a\xE2"), NameFault::none);
  EXPECT_EQ(check_name_characters("\xE2\x80"), NameFault::control_character);
  EXPECT_EQ(check_name_characters("\x80"), NameFault::control_character);
}

}  // namespace
}  // namespace paddock
