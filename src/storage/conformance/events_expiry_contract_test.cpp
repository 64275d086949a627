// Conformance: personal events that expire (events/event_log.hpp, EventRecord::expires_at).
#include "storage/conformance/conformance.hpp"

namespace paddock::storage::conformance {
namespace {

EventRecord push_to(const std::string& device, std::optional<UnixMillis> expires_at) {
  EventRecord e;
  e.target_user = "usr_a";
  e.target_device = device;
  e.type = "terminal.push";
  e.payload = "{}";
  e.created_at = 1;
  e.expires_at = expires_at;
  return e;
}

TEST_P(StoreContract, AnExpiredPersonalEventIsLeftOutOfThePageWithoutAGap) {
  seed();
  UnixMillis now = now_millis();
  for (std::optional<UnixMillis> expires :
       {std::optional<UnixMillis>(now + 600'000), std::optional<UnixMillis>(now - 1),
        std::optional<UnixMillis>()}) {
    auto seq = write<std::int64_t>(
        [expires](Writes& w) { return w.events().append_event(push_to("dev_1", expires)); });
    ASSERT_TRUE(seq.ok());
  }
  auto page = reads().events().personal_events_after("usr_a", std::string_view("dev_1"), 0, 2);
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->size(), 2u) << "the expired one is skipped in the query, not after the limit";
  EXPECT_EQ((*page)[0].expires_at, now + 600'000);
  EXPECT_FALSE((*page)[1].expires_at.has_value());
  EXPECT_EQ((*page)[1].seq - (*page)[0].seq, 2);
}

}  // namespace
}  // namespace paddock::storage::conformance
