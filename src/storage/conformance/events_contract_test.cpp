// Conformance: the feed log (events/event_log.hpp), including its ordering contract.
#include <atomic>
#include <thread>
#include <vector>

#include "storage/conformance/conformance.hpp"

namespace paddock::storage::conformance {
namespace {

EventRecord vehicle_event(const char* vehicle_id, int message_type, const char* message_id) {
  EventRecord e;
  e.vehicle_id = vehicle_id;
  e.type = "message.created";
  e.message_type = message_type;
  e.message_id = message_id;
  e.payload = "{}";
  e.created_at = 1;
  return e;
}

EventRecord personal_event(const char* user_id, std::optional<std::string> device_id,
                           std::optional<std::string> vehicle_id) {
  EventRecord e;
  e.vehicle_id = std::move(vehicle_id);
  e.target_user = user_id;
  e.target_device = std::move(device_id);
  e.type = "follow.approved";
  e.payload = "{}";
  e.created_at = 1;
  return e;
}

std::vector<std::int64_t> seqs(const std::vector<EventRecord>& events) {
  std::vector<std::int64_t> out;
  for (const auto& e : events) out.push_back(e.seq);
  return out;
}

TEST_P(StoreContract, SeqsIncreaseAndAreNeverReusedAfterDeletes) {
  auto first = write<std::int64_t>(
      [](Writes& w) { return w.events().append_event(vehicle_event("veh_1", 0, "msg_1")); });
  auto second = write<std::int64_t>(
      [](Writes& w) { return w.events().append_event(vehicle_event("veh_1", 0, "msg_2")); });
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_GT(*second, *first);
  must_write([](Writes& w) { return w.events().delete_message_events("msg_2"); });
  EXPECT_EQ(*reads().events().last_event_seq(), *second);
  auto third = write<std::int64_t>(
      [](Writes& w) { return w.events().append_event(vehicle_event("veh_1", 0, "msg_3")); });
  EXPECT_GT(*third, *second);
}

TEST_P(StoreContract, EventsAfterListsVehicleAndPersonalEventsBySeqFromACursor) {
  std::vector<std::int64_t> appended;
  for (int i = 0; i < 5; ++i) {
    auto seq = write<std::int64_t>([i](Writes& w) {
      return i % 2 == 0 ? w.events().append_event(vehicle_event("veh_1", 0, "msg_x"))
                        : w.events().append_event(personal_event("usr_a", "dev_1", std::nullopt));
    });
    ASSERT_TRUE(seq.ok());
    appended.push_back(*seq);
  }
  auto all = reads().events().events_after(0, 100);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(seqs(*all), appended);
  EXPECT_EQ((*all)[1].target_device, std::optional<std::string>("dev_1"));
  auto page = reads().events().events_after(appended[1], 2);
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(seqs(*page), (std::vector<std::int64_t>{appended[2], appended[3]}));
  auto none = reads().events().events_after(appended[4], 10);
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
}

TEST_P(StoreContract, VehicleEventsAreFilteredByVehicleTypeAndCursor) {
  must_write([](Writes& w) -> Result<void> {
    PADDOCK_TRY(w.events().append_event(vehicle_event("veh_1", 0, "msg_1")));
    PADDOCK_TRY(w.events().append_event(vehicle_event("veh_1", 2, "msg_2")));
    PADDOCK_TRY(w.events().append_event(vehicle_event("veh_2", 0, "msg_3")));
    PADDOCK_TRY(w.events().append_event(personal_event("usr_a", std::nullopt, "veh_1")));
    PADDOCK_TRY(w.events().append_event(vehicle_event("veh_1", 0, "msg_4")));
    return {};
  });
  auto all = reads().events().vehicle_events_after("veh_1", 0, 0b111, 10);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(seqs(*all), (std::vector<std::int64_t>{1, 2, 5}));
  EXPECT_EQ(seqs(*reads().events().vehicle_events_after("veh_1", 1, 0b001, 10)),
            (std::vector<std::int64_t>{5}));
  EXPECT_EQ(reads().events().vehicle_events_after("veh_1", 0, 0b111, 1)->size(), 1u);
  must_write([](Writes& w) { return w.events().delete_vehicle_events("veh_1"); });
  EXPECT_TRUE(reads().events().vehicle_events_after("veh_1", 0, 0b111, 10)->empty());
  // Personal events about the vehicle stay: they belong to their user.
  EXPECT_EQ(reads().events().personal_events_after("usr_a", std::nullopt, 0, 10)->size(), 1u);
}

TEST_P(StoreContract, DeviceTargetedEventsReachOnlyThatDevicesReads) {
  must_write([](Writes& w) -> Result<void> {
    PADDOCK_TRY(w.events().append_event(personal_event("usr_a", std::nullopt, std::nullopt)));
    PADDOCK_TRY(w.events().append_event(personal_event("usr_a", "dev_1", std::nullopt)));
    PADDOCK_TRY(w.events().append_event(personal_event("usr_a", "dev_2", std::nullopt)));
    PADDOCK_TRY(w.events().append_event(personal_event("usr_b", std::nullopt, std::nullopt)));
    return {};
  });
  auto no_device = reads().events().personal_events_after("usr_a", std::nullopt, 0, 10);
  EXPECT_EQ(seqs(*no_device), (std::vector<std::int64_t>{1}));
  auto dev_1 = reads().events().personal_events_after("usr_a", "dev_1", 0, 10);
  EXPECT_EQ(seqs(*dev_1), (std::vector<std::int64_t>{1, 2}));
  ASSERT_EQ(dev_1->size(), 2u);
  EXPECT_EQ((*dev_1)[1].target_device, "dev_1");
  EXPECT_FALSE((*dev_1)[1].vehicle_id.has_value());
  auto dev_2_after = reads().events().personal_events_after("usr_a", "dev_2", 1, 10);
  EXPECT_EQ(seqs(*dev_2_after), (std::vector<std::int64_t>{3}));
}

// The ordering contract: while writers append from several threads, every read of the log
// is a prefix of the final log. An event with a later cursor never becomes visible before an
// earlier one (else a reader that advanced its cursor past it would miss the earlier one).
TEST_P(StoreContract, VisibilityIsPrefixClosedUnderConcurrentAppends) {
  constexpr int kWriters = 4, kPerWriter = 150;
  std::atomic<bool> writing{true};
  std::vector<std::vector<std::int64_t>> observed;
  std::vector<std::int64_t> last_before;  // last_event_seq() read just before each page
  std::thread reader([&] {
    while (writing.load()) {
      auto last = reads().events().last_event_seq();
      ASSERT_TRUE(last.ok());
      auto page = reads().events().personal_events_after("usr_r", std::nullopt, 0, 100000);
      ASSERT_TRUE(page.ok());
      last_before.push_back(*last);
      observed.push_back(seqs(*page));
    }
  });
  std::atomic<int> remaining{kWriters * kPerWriter};
  std::promise<void> all;
  std::vector<std::thread> writers;
  for (int t = 0; t < kWriters; ++t) {
    writers.emplace_back([&] {
      for (int i = 0; i < kPerWriter; ++i) {
        store_->write<std::int64_t>(
            [](Writes& w) {
              return w.events().append_event(personal_event("usr_r", std::nullopt, std::nullopt));
            },
            [&](Result<std::int64_t> r) {
              EXPECT_TRUE(r.ok());
              if (--remaining == 0) all.set_value();
            });
      }
    });
  }
  for (auto& t : writers) t.join();
  all.get_future().wait();
  writing = false;
  reader.join();
  auto final_log = seqs(*reads().events().personal_events_after("usr_r", std::nullopt, 0, 100000));
  ASSERT_EQ(final_log.size(), static_cast<std::size_t>(kWriters * kPerWriter));
  EXPECT_TRUE(std::is_sorted(final_log.begin(), final_log.end()));
  ASSERT_FALSE(observed.empty());
  for (std::size_t i = 0; i < observed.size(); ++i) {
    const auto& seen = observed[i];
    ASSERT_LE(seen.size(), final_log.size());
    EXPECT_TRUE(std::equal(seen.begin(), seen.end(), final_log.begin()))
        << "a read saw a later event before an earlier one";
    // A cursor taken from last_event_seq() is safe to start from: every event at or below it
    // was already visible (the hub starts live delivery there).
    auto committed = std::upper_bound(final_log.begin(), final_log.end(), last_before[i]);
    EXPECT_GE(seen.size(), static_cast<std::size_t>(committed - final_log.begin()))
        << "last_event_seq() was " << last_before[i] << " but a later read missed an event at or "
        << "below it";
  }
  EXPECT_EQ(*reads().events().last_event_seq(), final_log.back());
}

}  // namespace
}  // namespace paddock::storage::conformance
