// The lock workflow's state machine: one row per (state, event), named.
#include "antitheft/lock_machine.hpp"

#include <gtest/gtest.h>

#include "antitheft/anti_theft.hpp"

namespace paddock::antitheft {
namespace {

using S = LockState;
using E = LockEvent;

struct Row {
  const char* name;
  S from;
  E event;
  LeverOutcome outcome;
  std::optional<S> to;  // nullopt: refused
  unsigned actions = kNone;
};

class LockMachine : public ::testing::TestWithParam<Row> {};

TEST_P(LockMachine, Steps) {
  const Row& row = GetParam();
  auto got = step(row.from, row.event, row.outcome);
  if (!row.to) {
    EXPECT_FALSE(got.has_value()) << lock_state_name(got->next);
    return;
  }
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(lock_state_name(got->next), lock_state_name(*row.to));
  EXPECT_EQ(got->actions, row.actions);
}

constexpr LeverOutcome kVendor{true, 0, 0};
constexpr LeverOutcome kAllLevers{false, 3, 3};
constexpr LeverOutcome kSomeLevers{false, 3, 1};
constexpr LeverOutcome kNothing{false, 3, 0};

INSTANTIATE_TEST_SUITE_P(
    Antitheft, LockMachine,
    ::testing::Values(
        Row{"requested_on_pile_sends", S::requested, E::on_pile, {}, S::requested, kSendLock},
        Row{"requested_off_pile_arms",
            S::requested,
            E::not_on_pile,
            {},
            S::pending_plug_in,
            kNotifyOwner},
        Row{"armed_stays_armed", S::pending_plug_in, E::not_on_pile, {}, S::pending_plug_in, kNone},
        Row{"armed_placed_sends",
            S::pending_plug_in,
            E::on_pile,
            {},
            S::requested,
            kSendLock | kNotifyOwner},
        Row{"armed_pile_reconnect_waits",
            S::pending_plug_in,
            E::pile_reconnected,
            {},
            std::nullopt},
        Row{"vendor_lock_locks", S::requested, E::levers_done, kVendor, S::locked, kNotifyOwner},
        Row{"all_levers_lock", S::requested, E::levers_done, kAllLevers, S::locked, kNotifyOwner},
        Row{"some_levers_partial", S::requested, E::levers_done, kSomeLevers, S::partially_locked,
            kNotifyOwner},
        Row{"no_lever_fails", S::requested, E::levers_done, kNothing, S::failed, kNotifyOwner},
        Row{"levers_done_when_armed_refused", S::pending_plug_in, E::levers_done, kVendor,
            std::nullopt},
        Row{"levers_done_twice_refused", S::locked, E::levers_done, kVendor, std::nullopt},
        Row{"locked_reconnect_reapplies", S::locked, E::pile_reconnected, {}, S::locked, kReapply},
        Row{"partial_reconnect_reapplies",
            S::partially_locked,
            E::pile_reconnected,
            {},
            S::partially_locked,
            kReapply},
        Row{"requested_reconnect_resends",
            S::requested,
            E::pile_reconnected,
            {},
            S::requested,
            kSendLock},
        Row{"failed_reconnect_refused", S::failed, E::pile_reconnected, {}, std::nullopt},
        Row{"locked_on_pile_refused", S::locked, E::on_pile, {}, std::nullopt},
        Row{"locked_off_pile_refused", S::locked, E::not_on_pile, {}, std::nullopt},
        Row{"unlock_locked", S::locked, E::unlock, {}, S::released, kReverseLevers | kNotifyOwner},
        Row{"unlock_partial",
            S::partially_locked,
            E::unlock,
            {},
            S::released,
            kReverseLevers | kNotifyOwner},
        Row{"unlock_armed",
            S::pending_plug_in,
            E::unlock,
            {},
            S::released,
            kReverseLevers | kNotifyOwner},
        Row{"unlock_failed", S::failed, E::unlock, {}, S::released, kReverseLevers | kNotifyOwner},
        Row{"released_is_final_unlock", S::released, E::unlock, {}, std::nullopt},
        Row{"released_is_final_on_pile", S::released, E::on_pile, {}, std::nullopt}),
    [](const auto& info) { return std::string(info.param.name); });

struct ClassifyRow {
  const char* name;
  LeverOutcome outcome;
  S expected;
};
class Classify : public ::testing::TestWithParam<ClassifyRow> {};
TEST_P(Classify, Outcome) {
  EXPECT_EQ(lock_state_name(classify(GetParam().outcome)), lock_state_name(GetParam().expected));
}
INSTANTIATE_TEST_SUITE_P(Antitheft, Classify,
                         ::testing::Values(ClassifyRow{"vendor_only", {true, 0, 0}, S::locked},
                                           ClassifyRow{"vendor_and_some", {true, 3, 1}, S::locked},
                                           ClassifyRow{"every_lever", {false, 2, 2}, S::locked},
                                           ClassifyRow{
                                               "one_of_three", {false, 3, 1}, S::partially_locked},
                                           ClassifyRow{"none_of_three", {false, 3, 0}, S::failed},
                                           ClassifyRow{"nothing_tried", {false, 0, 0}, S::failed}),
                         [](const auto& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace paddock::antitheft

namespace paddock::antitheft {
namespace {

// The low-charge prompt's hysteresis: one row per reading, named.
struct LowChargeRow {
  const char* name;
  bool was_below;
  double soc;
  bool below;
  bool announce;
};
class LowCharge : public ::testing::TestWithParam<LowChargeRow> {};
TEST_P(LowCharge, OncePerCrossing) {
  const auto& row = GetParam();
  auto step = low_charge_step(row.was_below, row.soc, 30);
  EXPECT_EQ(step.below, row.below);
  EXPECT_EQ(step.announce, row.announce);
}
INSTANTIATE_TEST_SUITE_P(
    Antitheft, LowCharge,
    ::testing::Values(LowChargeRow{"above_stays_quiet", false, 45, false, false},
                      LowChargeRow{"at_threshold_is_not_below", false, 30, false, false},
                      LowChargeRow{"crossing_announces", false, 29.9, true, true},
                      LowChargeRow{"still_below_is_quiet", true, 12, true, false},
                      LowChargeRow{"wobble_above_threshold_stays_below", true, 34.9, true, false},
                      LowChargeRow{"clearly_above_rearms", true, 35, false, false},
                      LowChargeRow{"empty_battery_crosses", false, 0, true, true}),
    [](const auto& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace paddock::antitheft
