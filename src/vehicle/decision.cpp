#include "vehicle/decision.hpp"

#include <sodium.h>

#include <cmath>

namespace paddock::vehicle {

std::string_view to_string(Reason reason) {
  switch (reason) {
    case Reason::allowed: return "allowed";
    case Reason::bad_input: return "bad_input";
    case Reason::unknown_issuer_key: return "unknown_issuer_key";
    case Reason::forged: return "forged";
    case Reason::revoked: return "revoked";
    case Reason::wrong_vehicle: return "wrong_vehicle";
    case Reason::not_yet_valid: return "not_yet_valid";
    case Reason::expired: return "expired";
    case Reason::wrong_device: return "wrong_device";
    case Reason::proof_mismatch: return "proof_mismatch";
    case Reason::stale_proof: return "stale_proof";
    case Reason::replayed_proof: return "replayed_proof";
    case Reason::action_not_allowed: return "action_not_allowed";
    case Reason::outside_geofence: return "outside_geofence";
    case Reason::speed_limit: return "speed_limit";
    case Reason::used_up: return "used_up";
  }
  return "bad_input";
}

bool CounterWindow::accept(std::uint64_t counter) {
  if (counter == 0) return false;
  if (counter > highest) {
    const std::uint64_t shift = counter - highest;
    seen = shift >= 64 ? 0 : seen << shift;
    seen |= 1;
    highest = counter;
    return true;
  }
  const std::uint64_t age = highest - counter;
  if (age >= kCounterWindow) return false;  // too old to tell: refused as a replay
  const std::uint64_t bit = std::uint64_t{1} << age;
  if (seen & bit) return false;
  seen |= bit;
  return true;
}

double distance_m(Position a, Position b) {
  constexpr double kEarthRadiusM = 6371008.8;
  constexpr double kRad = 3.14159265358979323846 / 180.0;
  const double dlat = (b.lat - a.lat) * kRad;
  const double dlon = (b.lon - a.lon) * kRad;
  const double h = std::sin(dlat / 2) * std::sin(dlat / 2) +
                   std::cos(a.lat * kRad) * std::cos(b.lat * kRad) * std::sin(dlon / 2) * std::sin(dlon / 2);
  return 2 * kEarthRadiusM * std::asin(std::min(1.0, std::sqrt(h)));
}

Car::Car(std::vector<IssuerKey> trusted_keys, std::string vehicle_id, CarState state)
    : keys_(std::move(trusted_keys)), vehicle_id_(std::move(vehicle_id)), state_(std::move(state)) {}

std::int64_t Car::observe_clock(std::int64_t now) {
  if (now > state_.highest_time) state_.highest_time = now;
  return state_.highest_time;
}

ListUpdate Car::install_revocations(std::span<const std::uint8_t> bytes) {
  auto list = parse_revocations(bytes);
  if (!list) return ListUpdate::bad_input;
  switch (check_issuer(list->sign1, keys_)) {
    case Trust::trusted: break;
    case Trust::unknown_issuer_key: return ListUpdate::unknown_issuer_key;
    case Trust::forged: return ListUpdate::forged;
    case Trust::bad_input: return ListUpdate::bad_input;
  }
  if (list->list.vehicle_id != vehicle_id_) return ListUpdate::wrong_vehicle;
  if (state_.has_revocations && list->list.version < state_.revocation_version) {
    return ListUpdate::older_refused;
  }
  state_.has_revocations = true;
  state_.revocation_version = list->list.version;
  // The issuer signed this time: the car's clock is at least that late, whatever it says.
  if (valid_clock(list->list.issued_at)) observe_clock(list->list.issued_at);
  state_.revoked = std::set<Bytes, BytesLess>(list->list.revoked.begin(), list->list.revoked.end());
  return ListUpdate::installed;
}

Bytes Car::issue_challenge(std::int64_t now) {
  now = observe_clock(now);
  for (auto it = state_.challenges.begin(); it != state_.challenges.end();) {
    it = it->second + kChallengeLifetimeSeconds < now ? state_.challenges.erase(it) : std::next(it);
  }
  while (state_.challenges.size() >= kMaxOutstandingChallenges) {
    auto oldest = state_.challenges.begin();
    for (auto it = state_.challenges.begin(); it != state_.challenges.end(); ++it) {
      if (it->second < oldest->second) oldest = it;
    }
    state_.challenges.erase(oldest);
  }
  Bytes challenge(kChallengeBytes);
  randombytes_buf(challenge.data(), challenge.size());
  state_.challenges.emplace(challenge, now);
  return challenge;
}

void Car::forget_expired(std::int64_t now) {
  for (auto it = state_.expiries.begin(); it != state_.expiries.end();) {
    if (now - kClockSkewSeconds < it->second) {
      ++it;
      continue;
    }
    // Expired for the car (exp + skew passed, and its clock never goes back): no proof for
    // this credential can be allowed again, so its counters and uses are of no more use.
    state_.counters.erase(it->first);
    state_.uses.erase(it->first);
    it = state_.expiries.erase(it);
  }
}

Decision Car::decide(const Request& request) {
  Decision out;
  const std::int64_t now = observe_clock(request.now);
  forget_expired(now);
  auto credential = parse_credential(request.credential);
  if (!credential) return out;
  const Claims& claims = credential->claims;
  out.credential_id = claims.credential_id;
  auto deny = [&out](Reason reason) {
    out.reason = reason;
    return out;
  };
  switch (check_issuer(credential->sign1, keys_)) {
    case Trust::trusted: break;
    case Trust::unknown_issuer_key: return deny(Reason::unknown_issuer_key);
    case Trust::forged: return deny(Reason::forged);
    case Trust::bad_input: return deny(Reason::bad_input);
  }
  if (state_.revoked.contains(claims.credential_id)) return deny(Reason::revoked);
  if (claims.vehicle_id != vehicle_id_) return deny(Reason::wrong_vehicle);
  if (now + kClockSkewSeconds < claims.not_before) return deny(Reason::not_yet_valid);
  if (now - kClockSkewSeconds >= claims.expires) return deny(Reason::expired);

  auto proof = parse_proof(request.proof);
  if (!proof) return deny(Reason::bad_input);
  if (!verify_sign1(proof->sign1, claims.holder_key)) return deny(Reason::wrong_device);
  const ProofClaims& p = proof->claims;
  if (p.credential_id != claims.credential_id || p.vehicle_id != vehicle_id_ ||
      p.action != request.action) {
    return deny(Reason::proof_mismatch);
  }
  if (now - kClockSkewSeconds >= p.expires ||
      p.expires > now + kMaxProofLifetimeSeconds + kClockSkewSeconds) {
    return deny(Reason::stale_proof);
  }
  // From here on the proof is spent whatever the outcome, so it cannot be tried twice.
  if (p.challenge) {
    auto it = state_.challenges.find(*p.challenge);
    if (it == state_.challenges.end()) return deny(Reason::replayed_proof);
    const bool expired = it->second + kChallengeLifetimeSeconds < now;
    state_.challenges.erase(it);
    if (expired) return deny(Reason::stale_proof);
  } else {
    state_.expiries[claims.credential_id] = claims.expires;
    if (!state_.counters[claims.credential_id].accept(*p.counter)) {
      return deny(Reason::replayed_proof);
    }
  }

  if (!claims.rights.allows(request.action)) return deny(Reason::action_not_allowed);
  if (const auto& fence = claims.rights.geofence) {
    if (!request.position ||
        distance_m(*request.position, {fence->lat, fence->lon}) > fence->radius_m) {
      return deny(Reason::outside_geofence);
    }
  }
  // max_speed_kmh is the limiter the car applies while driving; taking over a car already moving
  // faster than the holder may drive it is refused. Without a speed reading the car is at rest.
  if ((request.action == Action::start || request.action == Action::drive) &&
      claims.rights.max_speed_kmh && request.speed_kmh &&
      *request.speed_kmh > static_cast<double>(*claims.rights.max_speed_kmh)) {
    return deny(Reason::speed_limit);
  }
  if (claims.rights.max_uses) {
    state_.expiries[claims.credential_id] = claims.expires;
    std::uint64_t& used = state_.uses[claims.credential_id];
    if (used >= *claims.rights.max_uses) return deny(Reason::used_up);
    ++used;
  }
  out.reason = Reason::allowed;
  return out;
}

}  // namespace paddock::vehicle
