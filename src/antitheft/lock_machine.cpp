#include "antitheft/lock_machine.hpp"

#include <array>

namespace paddock::antitheft {
namespace {

constexpr std::array<std::string_view, 6> kStateNames = {
    "requested", "pending_plug_in", "locked", "partially_locked", "failed", "released"};
static_assert(kStateNames.size() == static_cast<std::size_t>(LockState::released) + 1,
              "every state has its name");

}  // namespace

std::string_view lock_state_name(LockState state) {
  return kStateNames[static_cast<std::size_t>(state)];
}

LockState classify(const LeverOutcome& o) {
  if (o.vendor_lock_accepted) return LockState::locked;
  if (o.levers_tried > 0 && o.levers_accepted >= o.levers_tried) return LockState::locked;
  if (o.levers_accepted > 0) return LockState::partially_locked;
  return LockState::failed;
}

std::optional<Step> step(LockState state, LockEvent event, const LeverOutcome& outcome) {
  using S = LockState;
  using E = LockEvent;
  if (state == S::released) return std::nullopt;
  switch (event) {
    case E::unlock:
      return Step{S::released, kReverseLevers | kNotifyOwner};
    case E::on_pile:
      if (state == S::requested || state == S::pending_plug_in) {
        const unsigned notify = state == S::pending_plug_in ? kNotifyOwner : kNone;
        return Step{S::requested, kSendLock | notify};
      }
      return std::nullopt;  // already acting on a pile
    case E::not_on_pile:
      if (state == S::requested) return Step{S::pending_plug_in, kNotifyOwner};
      if (state == S::pending_plug_in) return Step{S::pending_plug_in, kNone};
      return std::nullopt;
    case E::levers_done:
      if (state != S::requested) return std::nullopt;
      return Step{classify(outcome), kNotifyOwner};
    case E::pile_reconnected:
      if (state == S::locked || state == S::partially_locked) return Step{state, kReapply};
      if (state == S::pending_plug_in) return std::nullopt;  // on_pile decides, once placed
      if (state == S::requested) return Step{S::requested, kSendLock};
      return std::nullopt;
  }
  return std::nullopt;
}

}  // namespace paddock::antitheft
