#pragma once
// vehicle/decision: the car's decision for one requested action. Pure apart from the CarState
// it updates (clock, challenges, counters, uses, revocations); persisting that state is
// state_store's job. The order of the checks and every reason are in docs/credentials.md.
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <span>
#include <string_view>
#include <vector>

#include "vehicle/credential.hpp"

namespace paddock::vehicle {

inline constexpr std::int64_t kClockSkewSeconds = 5;          // tolerance on nbf, exp, proof exp
inline constexpr std::int64_t kMaxProofLifetimeSeconds = 30;  // proof exp at most this far ahead
inline constexpr std::int64_t kChallengeLifetimeSeconds = 60;
inline constexpr std::size_t kMaxOutstandingChallenges = 16;
inline constexpr std::uint64_t kCounterWindow = 64;           // as Tesla's vehicle-command
inline constexpr std::size_t kChallengeBytes = 16;
// The latest time a car accepts as its clock (9999-12-31T23:59:59Z): a reading past it is bad
// input, so arithmetic on the clock cannot overflow and one absurd reading cannot lock the car.
inline constexpr std::int64_t kMaxClockSeconds = 253402300799;
inline bool valid_clock(std::int64_t t) { return t >= 0 && t <= kMaxClockSeconds; }

enum class Reason {
  allowed,
  bad_input,
  unknown_issuer_key,
  forged,
  revoked,
  wrong_vehicle,
  not_yet_valid,
  expired,
  wrong_device,
  proof_mismatch,
  stale_proof,
  replayed_proof,
  action_not_allowed,
  outside_geofence,
  speed_limit,
  used_up,
};
std::string_view to_string(Reason reason);

// The highest counter seen for one credential and which of the kCounterWindow below it were used.
struct CounterWindow {
  std::uint64_t highest = 0;
  std::uint64_t seen = 0;  // bit i: highest - i was used
  // Returns true and records `counter` iff it is new and not below the window.
  bool accept(std::uint64_t counter);
};

// Orders ids without std::vector's operator<=>, whose memcmp GCC 12 misreports
// (-Wstringop-overread).
struct BytesLess {
  bool operator()(const Bytes& a, const Bytes& b) const {
    const std::size_t n = a.size() < b.size() ? a.size() : b.size();
    for (std::size_t i = 0; i < n; ++i) {
      if (a[i] != b[i]) return a[i] < b[i];
    }
    return a.size() < b.size();
  }
};

struct CarState {
  std::int64_t highest_time = 0;
  std::uint64_t revocation_version = 0;
  bool has_revocations = false;
  std::set<Bytes, BytesLess> revoked;
  std::map<Bytes, std::int64_t, BytesLess> challenges;  // challenge -> issued at
  std::map<Bytes, CounterWindow, BytesLess> counters;   // cti -> window
  std::map<Bytes, std::uint64_t, BytesLess> uses;       // cti -> allowed uses so far
  // cti -> its exp, for the credentials above: once one has expired (and the skew passed) its
  // counters and uses are forgotten, so the state does not grow with every key ever seen.
  std::map<Bytes, std::int64_t, BytesLess> expiries;
};

struct Position {
  double lat = 0;
  double lon = 0;
};

struct Request {
  std::span<const std::uint8_t> credential;
  std::span<const std::uint8_t> proof;
  Action action = Action::unlock;
  std::int64_t now = 0;  // the car's clock reading; earlier than the highest seen counts as that
  std::optional<Position> position;
  std::optional<double> speed_kmh;
};

struct Decision {
  Reason reason = Reason::bad_input;
  Bytes credential_id;  // empty iff the credential could not be parsed
  bool allowed() const { return reason == Reason::allowed; }
};

enum class ListUpdate { installed, older_refused, bad_input, unknown_issuer_key, forged, wrong_vehicle };

class Car {
 public:
  Car(std::vector<IssuerKey> trusted_keys, std::string vehicle_id, CarState state = {});

  // Installs a signed revocation list iff it verifies, names this car and is not older than the
  // one the car has (an equal version replaces it, so a re-sync is harmless).
  ListUpdate install_revocations(std::span<const std::uint8_t> bytes);
  // A fresh single-use challenge; the oldest is dropped beyond kMaxOutstandingChallenges.
  Bytes issue_challenge(std::int64_t now);
  Decision decide(const Request& request);

  const CarState& state() const { return state_; }
  std::int64_t observe_clock(std::int64_t now);
  // Drops the counters and uses of credentials that have expired by `now`.
  void forget_expired(std::int64_t now);

 private:
  std::vector<IssuerKey> keys_;
  std::string vehicle_id_;
  CarState state_;
};

// Great-circle distance in metres (haversine, mean Earth radius).
double distance_m(Position a, Position b);

}  // namespace paddock::vehicle
