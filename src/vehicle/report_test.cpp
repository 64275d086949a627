// Tests for the car's signed use/deny reports and its log of pending decisions
// (docs/credentials.md, "Use and deny reports").
#include "vehicle/report.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <random>

#include "vehicle/cbor_items.hpp"
#include "vehicle/report_log.hpp"

namespace paddock::vehicle {
namespace {

SecretKey key_from_byte(std::uint8_t b) {
  init_sodium();
  return *secret_key_from(Bytes(32, b));
}

Report sample_report() {
  Report r;
  r.vehicle_id = "veh_1";
  r.head_unit_id = "hu_1";
  r.counter = 7;
  r.entries.push_back({Bytes(16, 0xcc), Action::open_trunk, Reason::allowed, 1'800'000'000});
  r.entries.push_back({Bytes(16, 0xcc), Action::drive, Reason::action_not_allowed, 1'800'000'005});
  r.entries.push_back({Bytes(8, 0x01), Action::unlock, Reason::revoked, 1'800'000'010});
  return r;
}

TEST(VehicleReport, RoundTripsAndVerifiesUnderTheHeadUnitKeyOnly) {
  const SecretKey key = key_from_byte(9);
  auto bytes = encode_and_sign_report(sample_report(), key);
  ASSERT_TRUE(bytes);
  auto parsed = parse_report(*bytes);
  ASSERT_TRUE(parsed) << to_string(parsed.error);
  const Report& r = parsed->report;
  EXPECT_EQ(r.vehicle_id, "veh_1");
  EXPECT_EQ(r.head_unit_id, "hu_1");
  EXPECT_EQ(r.counter, 7u);
  ASSERT_EQ(r.entries.size(), 3u);
  EXPECT_TRUE(r.entries[0].allowed());
  EXPECT_EQ(r.entries[1].action, Action::drive);
  EXPECT_EQ(r.entries[1].reason, Reason::action_not_allowed);
  EXPECT_EQ(r.entries[2].credential_id, Bytes(8, 0x01));
  EXPECT_EQ(r.entries[2].at, 1'800'000'010);
  EXPECT_EQ(parsed->sign1.content_type, kReportContentType);
  EXPECT_TRUE(verify_sign1(parsed->sign1, public_key_of(key)));
  EXPECT_FALSE(verify_sign1(parsed->sign1, public_key_of(key_from_byte(10))));
}

TEST(VehicleReport, EveryFlippedByteFailsToParseOrToVerify) {
  const SecretKey key = key_from_byte(9);
  auto bytes = encode_and_sign_report(sample_report(), key);
  ASSERT_TRUE(bytes);
  for (std::size_t i = 0; i < bytes->size(); ++i) {
    Bytes tampered = *bytes;
    tampered[i] ^= 0x01;
    auto parsed = parse_report(tampered);
    if (parsed) {
      EXPECT_FALSE(verify_sign1(parsed->sign1, public_key_of(key))) << "byte " << i;
    }
  }
}

TEST(VehicleReport, EncoderRefusesWhatItCannotSayFaithfully) {
  const SecretKey key = key_from_byte(9);
  struct Row {
    const char* name;
    std::function<void(Report&)> change;
  };
  const Row rows[] = {
      {"no entries", [](Report& r) { r.entries.clear(); }},
      {"counter 0", [](Report& r) { r.counter = 0; }},
      {"counter above INT64_MAX", [](Report& r) { r.counter = std::uint64_t{1} << 63; }},
      {"empty vehicle", [](Report& r) { r.vehicle_id.clear(); }},
      {"long head unit id", [](Report& r) { r.head_unit_id = std::string(65, 'h'); }},
      {"short cti", [](Report& r) { r.entries[0].credential_id = Bytes(7, 1); }},
      {"too many entries",
       [](Report& r) { r.entries.resize(kMaxReportEntries + 1, r.entries[0]); }},
  };
  for (const auto& row : rows) {
    Report r = sample_report();
    row.change(r);
    auto encoded = encode_and_sign_report(r, key);
    EXPECT_FALSE(encoded) << row.name;
    if (!encoded) {
      EXPECT_EQ(encoded.error, CodecError::bad_claim) << row.name;
    }
  }
  Report full = sample_report();
  full.entries.resize(kMaxReportEntries, full.entries[0]);
  EXPECT_TRUE(encode_and_sign_report(full, key)) << "the largest report fits";
}

// Signs a report whose payload is the given CBOR map, to reach the claim checks.
Bytes signed_payload(detail::Item map, std::string_view content_type = kReportContentType) {
  return sign1(detail::serialize(map.get()), std::nullopt, content_type, key_from_byte(9));
}

TEST(VehicleReport, ParserRefusesUnknownKeysBadEntriesAndOtherDocuments) {
  using namespace detail;
  auto base = [](bool with_entries = true) {
    Item map(cbor_new_definite_map(5));
    map_put(map.get(), kReportVehicle, make_text("veh_1"));
    map_put(map.get(), kReportHeadUnit, make_text("hu_1"));
    map_put(map.get(), kReportCounter, make_int(1));
    if (with_entries) {
      cbor_item_t* entries = cbor_new_definite_array(1);
      cbor_item_t* e = cbor_new_definite_map(4);
      map_put(e, kEntryCti, make_bytes(Bytes(16, 2)));
      map_put(e, kEntryAction, make_text("unlock"));
      map_put(e, kEntryReason, make_text("allowed"));
      map_put(e, kEntryAt, make_int(5));
      cbor_array_push(entries, cbor_move(e));
      map_put(map.get(), kReportEntries, entries);
    }
    return map;
  };
  EXPECT_TRUE(parse_report(signed_payload(base())));
  {
    Item map = base();
    map_put(map.get(), 9, make_int(1));
    EXPECT_EQ(parse_report(signed_payload(std::move(map))).error, CodecError::bad_claim);
  }
  EXPECT_EQ(parse_report(signed_payload(base(false))).error, CodecError::missing_claim);
  EXPECT_EQ(parse_report(signed_payload(base(), kProofContentType)).error, CodecError::bad_header);
  auto with_entry = [&](const char* action, const char* reason) {
    Item map = base(false);
    cbor_item_t* entries = cbor_new_definite_array(1);
    cbor_item_t* e = cbor_new_definite_map(4);
    map_put(e, kEntryCti, make_bytes(Bytes(16, 2)));
    map_put(e, kEntryAction, make_text(action));
    map_put(e, kEntryReason, make_text(reason));
    map_put(e, kEntryAt, make_int(5));
    cbor_array_push(entries, cbor_move(e));
    map_put(map.get(), kReportEntries, entries);
    return parse_report(signed_payload(std::move(map)));
  };
  EXPECT_TRUE(with_entry("drive", "used_up"));
  EXPECT_EQ(with_entry("fly", "allowed").error, CodecError::bad_claim);
  EXPECT_EQ(with_entry("unlock", "because").error, CodecError::bad_claim);
  EXPECT_FALSE(parse_report(Bytes{0xd2, 0x80}));
  Bytes huge(kMaxReportBytes + 1, 0);
  EXPECT_EQ(parse_report(huge).error, CodecError::too_large);
}

TEST(VehicleReport, ReasonsParseBackFromTheirNames) {
  for (int i = 0; i <= static_cast<int>(Reason::used_up); ++i) {
    const auto reason = static_cast<Reason>(i);
    EXPECT_EQ(parse_reason(to_string(reason)), reason);
  }
  EXPECT_FALSE(parse_reason("allow"));
}

class PendingLog : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("paddock-report-log-" + std::to_string(std::random_device{}()));
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::filesystem::path dir_;
};

TEST_F(PendingLog, KeepsEntriesUntilMarkedSentAndRaisesTheCounter) {
  std::string error;
  auto empty = load_pending(dir_, error);
  ASSERT_TRUE(empty);
  EXPECT_TRUE(empty->entries.empty());
  PendingReports log;
  for (const auto& e : sample_report().entries) log.add(e);
  ASSERT_TRUE(save_pending(dir_, log, error)) << error;
  auto loaded = load_pending(dir_, error);
  ASSERT_TRUE(loaded) << error;
  ASSERT_EQ(loaded->entries.size(), 3u);
  EXPECT_EQ(loaded->entries[1].reason, Reason::action_not_allowed);
  Report first = loaded->next_report("veh_1", "hu_1");
  EXPECT_EQ(first.counter, 1u);
  EXPECT_EQ(first.entries.size(), 3u);
  // Not marked sent: the same entries come again, under the same counter.
  EXPECT_EQ(loaded->next_report("veh_1", "hu_1").counter, 1u);
  loaded->mark_sent(first);
  EXPECT_TRUE(loaded->entries.empty());
  loaded->add(sample_report().entries[0]);
  ASSERT_TRUE(save_pending(dir_, *loaded, error));
  auto again = load_pending(dir_, error);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->next_report("veh_1", "hu_1").counter, 2u);
  EXPECT_EQ(again->entries.size(), 1u);
}

TEST_F(PendingLog, AReportTakesTheOldestAndTheLogIsBounded) {
  PendingReports log;
  for (std::size_t i = 0; i < kMaxPendingEntries + 10; ++i) {
    log.add({Bytes(16, 1), Action::unlock, Reason::allowed, static_cast<std::int64_t>(i)});
  }
  EXPECT_EQ(log.entries.size(), kMaxPendingEntries);
  EXPECT_EQ(log.entries.front().at, 10);  // the oldest ten were dropped
  Report r = log.next_report("veh_1", "hu_1");
  EXPECT_EQ(r.entries.size(), kMaxReportEntries);
  log.mark_sent(r);
  EXPECT_EQ(log.entries.size(), kMaxPendingEntries - kMaxReportEntries);
  EXPECT_EQ(log.entries.front().at, 10 + static_cast<std::int64_t>(kMaxReportEntries));
}

TEST_F(PendingLog, AMalformedFileIsRefusedNotForgotten) {
  std::filesystem::create_directories(dir_);
  std::ofstream(dir_ / kPendingReportFileName)
      << "paddock-car-reports 1\ncounter 3\nentry !! unlock allowed 1\n";
  std::string error;
  EXPECT_FALSE(load_pending(dir_, error));
  EXPECT_NE(error.find("line 3"), std::string::npos);
}

}  // namespace
}  // namespace paddock::vehicle
