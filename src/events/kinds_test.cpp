// The registry of feed event kinds: what a module registers is what the feed serializes under.
#include <gtest/gtest.h>

#include <array>

#include "events/kinds.hpp"

namespace paddock::events {
namespace {

TEST(EventKinds, RegisteredKindsNameTheirPayloadKey) {
  static constexpr std::array kKinds = {EventKind{"test.kinds.created", "thing"},
                                        EventKind{"test.kinds.removed", "thing_id"}};
  register_kinds(kKinds);
  EXPECT_EQ(payload_key("test.kinds.created"), "thing");
  EXPECT_EQ(payload_key("test.kinds.removed"), "thing_id");
}

TEST(EventKinds, RegisteringAgainReplacesAndUnknownKindsUseData) {
  static constexpr EventKind kFirst{"test.kinds.again", "first"};
  static constexpr EventKind kSecond{"test.kinds.again", "second"};
  register_kinds(std::span(&kFirst, 1));
  register_kinds(std::span(&kFirst, 1));  // harmless
  EXPECT_EQ(payload_key("test.kinds.again"), "first");
  register_kinds(std::span(&kSecond, 1));
  EXPECT_EQ(payload_key("test.kinds.again"), "second");
  EXPECT_EQ(payload_key("test.kinds.nobody_registered_this"), "data");
}

}  // namespace
}  // namespace paddock::events
