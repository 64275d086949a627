// Tests for the car's side of digital keys: codec round trips, strict parsing, and one row per
// decision of Car::decide (docs/credentials.md, "Decision order").
#include <gtest/gtest.h>
#include <sodium.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <random>

#include "vehicle/cbor_items.hpp"
#include "vehicle/credential.hpp"
#include "vehicle/decision.hpp"
#include "vehicle/state_store.hpp"

namespace paddock::vehicle {
namespace {

constexpr std::int64_t kNow = 1'800'000'000;
const std::string kVehicle = "veh_1";

SecretKey key_from_byte(std::uint8_t b) {
  init_sodium();
  Bytes seed(32, b);
  return *secret_key_from(seed);
}

struct Fixture {
  SecretKey issuer = key_from_byte(1);
  SecretKey other_issuer = key_from_byte(2);
  SecretKey device = key_from_byte(3);
  SecretKey other_device = key_from_byte(4);
  Bytes kid = {'k', '1'};
  std::vector<IssuerKey> trusted = {{kid, public_key_of(issuer)}};

  Claims claims() const {
    Claims c;
    c.issuer = "paddock";
    c.subject = "usr_2";
    c.not_before = kNow - 100;
    c.issued_at = kNow - 100;
    c.expires = kNow + 3600;
    c.credential_id = Bytes(16, 0xcc);
    c.holder_key = public_key_of(device);
    c.vehicle_id = kVehicle;
    c.vin = "WVWZZZ1JZXW000001";
    c.rights.grant(Action::unlock);
    c.rights.grant(Action::lock);
    c.rights.grant(Action::drive);
    return c;
  }
  Bytes credential(const Claims& c) const { return *encode_and_sign(c, kid, issuer); }
  ProofClaims proof_claims(const Claims& c, Action action, std::uint64_t counter = 1) const {
    ProofClaims p;
    p.credential_id = c.credential_id;
    p.vehicle_id = c.vehicle_id;
    p.action = action;
    p.counter = counter;
    p.expires = kNow + 20;
    return p;
  }
  Bytes proof(const ProofClaims& p, const SecretKey& key) const { return *encode_and_sign_proof(p, key); }
};

TEST(VehicleCodec, CredentialRoundTripKeepsEveryClaim) {
  Fixture f;
  Claims c = f.claims();
  c.rights.max_speed_kmh = 90;
  c.rights.geofence = Geofence{48.1375, 11.575, 500};
  c.rights.max_uses = 3;
  c.rights.reshare = true;
  const Bytes bytes = f.credential(c);
  auto parsed = parse_credential(bytes);
  ASSERT_TRUE(parsed) << to_string(parsed.error);
  const Claims& p = parsed->claims;
  EXPECT_EQ(p.issuer, c.issuer);
  EXPECT_EQ(p.subject, c.subject);
  EXPECT_EQ(p.expires, c.expires);
  EXPECT_EQ(p.not_before, c.not_before);
  EXPECT_EQ(p.issued_at, c.issued_at);
  EXPECT_EQ(p.credential_id, c.credential_id);
  EXPECT_EQ(p.holder_key, c.holder_key);
  EXPECT_EQ(p.vehicle_id, c.vehicle_id);
  EXPECT_EQ(p.vin, c.vin);
  EXPECT_EQ(p.rights.actions, c.rights.actions);
  EXPECT_EQ(p.rights.max_speed_kmh, 90u);
  EXPECT_DOUBLE_EQ(p.rights.geofence->lat, 48.1375);
  EXPECT_DOUBLE_EQ(p.rights.geofence->lon, 11.575);
  EXPECT_EQ(p.rights.geofence->radius_m, 500u);
  EXPECT_EQ(p.rights.max_uses, 3u);
  EXPECT_TRUE(p.rights.reshare);
  EXPECT_EQ(parsed->sign1.kid, f.kid);
  EXPECT_EQ(verify(bytes, f.trusted), Trust::trusted);
  EXPECT_EQ(bytes[0], 0xd2);  // tag 18
}

TEST(VehicleCodec, VerifyTellsForgedFromUnknownKeyAndBadInput) {
  Fixture f;
  Bytes bytes = f.credential(f.claims());
  EXPECT_EQ(verify(bytes, {}), Trust::unknown_issuer_key);
  std::vector<IssuerKey> wrong = {{f.kid, public_key_of(f.other_issuer)}};
  EXPECT_EQ(verify(bytes, wrong), Trust::forged);
  Bytes tampered = bytes;
  tampered[tampered.size() - 1] ^= 1;  // inside the signature
  EXPECT_EQ(verify(tampered, f.trusted), Trust::forged);
  EXPECT_EQ(verify(Bytes{0xd2, 0x84}, f.trusted), Trust::bad_input);
}

TEST(VehicleCodec, SigStructureIsRfc9052Section4_4) {
  const Bytes prot = {0xa1, 0x01, 0x27};
  const Bytes payload = {0x01};
  const Bytes expected = {0x84, 0x6a, 'S', 'i', 'g', 'n', 'a', 't', 'u', 'r', 'e', '1',
                          0x43, 0xa1, 0x01, 0x27, 0x40, 0x41, 0x01};
  EXPECT_EQ(sig_structure(prot, payload), expected);
}

TEST(VehicleCodec, ProofAndRevocationListRoundTrip) {
  Fixture f;
  ProofClaims p = f.proof_claims(f.claims(), Action::open_trunk, 0);
  p.counter.reset();
  p.challenge = Bytes(16, 7);
  auto proof = parse_proof(f.proof(p, f.device));
  ASSERT_TRUE(proof);
  EXPECT_EQ(proof->claims.action, Action::open_trunk);
  EXPECT_EQ(proof->claims.challenge, p.challenge);
  EXPECT_FALSE(proof->claims.counter);
  EXPECT_TRUE(verify_sign1(proof->sign1, public_key_of(f.device)));
  EXPECT_FALSE(verify_sign1(proof->sign1, public_key_of(f.other_device)));
  p.counter = 5;  // both a challenge and a counter: refused
  EXPECT_EQ(encode_and_sign_proof(p, f.device).error, CodecError::bad_claim);

  RevocationList list{7, kVehicle, {Bytes(16, 1), Bytes(16, 2)}, kNow};
  auto parsed = parse_revocations(*encode_and_sign_revocations(list, f.kid, f.issuer));
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->list.version, 7u);
  EXPECT_EQ(parsed->list.revoked.size(), 2u);
  EXPECT_EQ(check_issuer(parsed->sign1, f.trusted), Trust::trusted);
}

// Builds a COSE_Sign1 around arbitrary protected-header and payload bytes, signed by `key`.
Bytes raw_sign1(const Bytes& prot, const Bytes& payload, const SecretKey& key, const Bytes& unprot = {0xa0}) {
  Bytes sig(64);
  Bytes message = sig_structure(prot, payload);
  crypto_sign_detached(sig.data(), nullptr, message.data(), message.size(), key.data());
  Bytes out = {0xd2, 0x84};
  auto put = [&out](const Bytes& b) {
    out.push_back(0x59);
    out.push_back(static_cast<std::uint8_t>(b.size() >> 8));
    out.push_back(static_cast<std::uint8_t>(b.size()));
    out.insert(out.end(), b.begin(), b.end());
  };
  put(prot);
  out.insert(out.end(), unprot.begin(), unprot.end());
  put(payload);
  put(sig);
  return out;
}

TEST(VehicleCodec, StrictParsingRefusesEachMalformedShape) {
  Fixture f;
  const Bytes good = f.credential(f.claims());
  auto parsed = parse_credential(good);
  ASSERT_TRUE(parsed);
  const Bytes prot = parsed->sign1.protected_bytes;
  const Bytes payload = parsed->sign1.payload;
  struct Row {
    const char* name;
    Bytes bytes;
    CodecError error;
  };
  Bytes trailing = good;
  trailing.push_back(0x00);
  Bytes untagged(good.begin() + 1, good.end());
  Bytes dup_payload = payload;  // the payload map gets a second exp (key 4)
  dup_payload[0] += 1;
  dup_payload.insert(dup_payload.end(), {0x04, 0x01});
  Bytes private_claim = payload;  // an unknown private claim -65600
  private_claim[0] += 1;
  private_claim.insert(private_claim.end(), {0x3a, 0x00, 0x01, 0x00, 0x3f, 0x01});
  Bytes missing_exp_payload = {0xa1, 0x07, 0x48, 1, 2, 3, 4, 5, 6, 7, 8};
  const std::vector<Row> rows = {
      {"empty", {}, CodecError::not_cbor},
      {"trailing byte", trailing, CodecError::not_cbor},
      {"untagged", untagged, CodecError::not_cose_sign1},
      {"indefinite array", {0xd2, 0x9f, 0xff}, CodecError::not_cbor},
      {"huge declared array", {0xd2, 0x9b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, CodecError::not_cbor},
      {"too large", Bytes(kMaxCoseBytes + 1, 0), CodecError::too_large},
      {"alg ES256", raw_sign1({0xa2, 0x01, 0x26, 0x04, 0x42, 'k', '1'}, payload, f.issuer), CodecError::bad_header},
      {"crit header", raw_sign1({0xa3, 0x01, 0x27, 0x02, 0x81, 0x01, 0x04, 0x42, 'k', '1'}, payload, f.issuer), CodecError::bad_header},
      {"no kid", raw_sign1({0xa1, 0x01, 0x27}, payload, f.issuer), CodecError::bad_header},
      {"unprotected header", raw_sign1(prot, payload, f.issuer, {0xa1, 0x04, 0x41, 'k'}), CodecError::bad_header},
      {"duplicate claim", raw_sign1(prot, dup_payload, f.issuer), CodecError::bad_payload},
      {"unknown private claim", raw_sign1(prot, private_claim, f.issuer), CodecError::bad_claim},
      {"missing claims", raw_sign1(prot, missing_exp_payload, f.issuer), CodecError::missing_claim},
      {"payload not a map", raw_sign1(prot, {0x01}, f.issuer), CodecError::bad_payload},
  };
  for (const auto& row : rows) {
    auto result = parse_credential(row.bytes);
    EXPECT_FALSE(result) << row.name;
    EXPECT_EQ(result.error, row.error) << row.name << ": " << to_string(result.error);
  }
}

TEST(VehicleCodec, HostileMutationsNeverCrash) {
  Fixture f;
  const Bytes good = f.credential(f.claims());
  std::mt19937 rng(7);
  for (int i = 0; i < 3000; ++i) {
    Bytes b = good;
    const int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits; ++e) b[rng() % b.size()] = static_cast<std::uint8_t>(rng());
    if (rng() % 4 == 0) b.resize(rng() % b.size());
    (void)parse_credential(b);
    (void)parse_proof(b);
    (void)parse_revocations(b);
  }
}

TEST(VehicleCounterWindow, AcceptsNewAndOutOfOrderOnceRefusesOldAndRepeats) {
  CounterWindow w;
  EXPECT_FALSE(w.accept(0));
  EXPECT_TRUE(w.accept(5));
  EXPECT_FALSE(w.accept(5));
  EXPECT_TRUE(w.accept(3));  // late but inside the window
  EXPECT_FALSE(w.accept(3));
  EXPECT_TRUE(w.accept(100));
  EXPECT_FALSE(w.accept(100 - kCounterWindow));  // fell out of the window
  EXPECT_TRUE(w.accept(100 - kCounterWindow + 1));
}

struct DecisionRow {
  const char* name;
  std::function<void(Fixture&, Claims&, ProofClaims&, Request&, Car&)> setup;
  Reason expected;
  const SecretKey* signer = nullptr;  // proof signer, default the holder device
};

TEST(VehicleDecision, OneRowPerReason) {
  static const SecretKey kOtherDevice = key_from_byte(4);
  static const SecretKey kOtherIssuer = key_from_byte(2);
  const std::vector<DecisionRow> rows = {
      {"allowed", [](auto&, auto&, auto&, auto&, auto&) {}, Reason::allowed},
      {"allowed within the geofence",
       [](auto&, Claims& c, auto&, Request& r, auto&) {
         c.rights.geofence = Geofence{48.0, 11.0, 200};
         r.position = Position{48.001, 11.0};  // ~111 m
       },
       Reason::allowed},
      {"allowed below the speed limit",
       [](auto&, Claims& c, auto&, Request& r, auto&) {
         c.rights.max_speed_kmh = 50;
         r.speed_kmh = 30;
       },
       Reason::allowed},
      {"bad input: garbage credential", [](auto&, auto&, auto&, Request& r, auto&) {
         static const Bytes junk = {0x01, 0x02};
         r.credential = junk;
       }, Reason::bad_input},
      {"bad input: garbage proof", [](auto&, auto&, auto&, Request& r, auto&) {
         static const Bytes junk = {0xd2};
         r.proof = junk;
       }, Reason::bad_input},
      {"unknown issuer key", [](Fixture& f, auto&, auto&, auto&, auto&) { f.kid = {'k', '9'}; },
       Reason::unknown_issuer_key},
      {"forged", [](Fixture& f, auto&, auto&, auto&, auto&) { f.issuer = kOtherIssuer; },
       Reason::forged},
      {"revoked",
       [](Fixture& f, Claims& c, auto&, auto&, Car& car) {
         RevocationList list{1, kVehicle, {c.credential_id}, kNow};
         ASSERT_EQ(car.install_revocations(*encode_and_sign_revocations(list, f.kid, f.issuer)),
                   ListUpdate::installed);
       },
       Reason::revoked},
      {"wrong vehicle", [](auto&, Claims& c, ProofClaims& p, auto&, auto&) {
         c.vehicle_id = "veh_2";
         p.vehicle_id = "veh_2";
       }, Reason::wrong_vehicle},
      {"not yet valid", [](auto&, Claims& c, auto&, auto&, auto&) { c.not_before = kNow + kClockSkewSeconds + 1; },
       Reason::not_yet_valid},
      {"valid within the skew", [](auto&, Claims& c, auto&, auto&, auto&) { c.not_before = kNow + kClockSkewSeconds; },
       Reason::allowed},
      {"expired", [](auto&, Claims& c, auto&, auto&, auto&) {
         c.expires = kNow - kClockSkewSeconds;
         c.not_before = kNow - 1000;
       }, Reason::expired},
      {"expired by the car's highest clock", [](auto&, Claims& c, auto&, Request& r, Car& car) {
         c.expires = kNow + 10;
         car.observe_clock(kNow + 100);  // the clock never moves back to r.now
         r.now = kNow;
       }, Reason::expired},
      {"proof by another device", [](auto&, auto&, auto&, auto&, auto&) {}, Reason::wrong_device, &kOtherDevice},
      {"proof for another action", [](auto&, auto&, ProofClaims& p, auto&, auto&) { p.action = Action::lock; },
       Reason::proof_mismatch},
      {"proof for another credential", [](auto&, auto&, ProofClaims& p, auto&, auto&) { p.credential_id = Bytes(16, 1); },
       Reason::proof_mismatch},
      {"stale proof: expired", [](auto&, auto&, ProofClaims& p, auto&, auto&) { p.expires = kNow - kClockSkewSeconds; },
       Reason::stale_proof},
      {"stale proof: too far ahead", [](auto&, auto&, ProofClaims& p, auto&, auto&) {
         p.expires = kNow + kMaxProofLifetimeSeconds + kClockSkewSeconds + 1;
       }, Reason::stale_proof},
      {"replayed proof: counter seen", [](auto&, Claims& c, ProofClaims& p, auto&, Car& car) {
         car.observe_clock(kNow);
         const_cast<CarState&>(car.state()).counters[c.credential_id].accept(p.counter.value());
       }, Reason::replayed_proof},
      {"replayed proof: unknown challenge", [](auto&, auto&, ProofClaims& p, auto&, auto&) {
         p.counter.reset();
         p.challenge = Bytes(16, 9);
       }, Reason::replayed_proof},
      {"allowed with an issued challenge", [](auto&, auto&, ProofClaims& p, auto&, Car& car) {
         p.counter.reset();
         p.challenge = car.issue_challenge(kNow);
       }, Reason::allowed},
      {"stale proof: challenge too old", [](auto&, auto&, ProofClaims& p, Request& r, Car& car) {
         p.counter.reset();
         p.challenge = car.issue_challenge(kNow - kChallengeLifetimeSeconds - 1);
         r.now = kNow;
       }, Reason::stale_proof},
      {"action not in the rights", [](auto&, auto&, ProofClaims& p, Request& r, auto&) {
         p.action = Action::open_trunk;
         r.action = Action::open_trunk;
       }, Reason::action_not_allowed},
      {"outside the geofence", [](auto&, Claims& c, auto&, Request& r, auto&) {
         c.rights.geofence = Geofence{48.0, 11.0, 200};
         r.position = Position{48.01, 11.0};  // ~1.1 km
       }, Reason::outside_geofence},
      {"geofence without a position", [](auto&, Claims& c, auto&, auto&, auto&) {
         c.rights.geofence = Geofence{48.0, 11.0, 200};
       }, Reason::outside_geofence},
      {"speed limit", [](auto&, Claims& c, auto&, Request& r, auto&) {
         c.rights.max_speed_kmh = 50;
         r.speed_kmh = 60;
       }, Reason::speed_limit},
      {"speed limit does not apply to lock", [](auto&, Claims& c, ProofClaims& p, Request& r, auto&) {
         c.rights.max_speed_kmh = 50;
         r.speed_kmh = 60;
         p.action = Action::lock;
         r.action = Action::lock;
       }, Reason::allowed},
      {"used up", [](auto&, Claims& c, auto&, auto&, Car& car) {
         c.rights.max_uses = 2;
         const_cast<CarState&>(car.state()).uses[c.credential_id] = 2;
       }, Reason::used_up},
  };
  for (const auto& row : rows) {
    SCOPED_TRACE(row.name);
    Fixture f;
    Fixture trusted_fixture;
    Car car(trusted_fixture.trusted, kVehicle);
    Claims claims = f.claims();
    ProofClaims proof = f.proof_claims(claims, Action::drive);
    Request request;
    request.action = Action::drive;
    request.now = kNow;
    row.setup(f, claims, proof, request, car);
    if (proof.counter && proof.challenge) proof.counter.reset();
    const Bytes credential = f.credential(claims);
    const Bytes proof_bytes = f.proof(proof, row.signer ? *row.signer : f.device);
    if (request.credential.empty()) request.credential = credential;
    if (request.proof.empty()) request.proof = proof_bytes;
    const Decision decision = car.decide(request);
    EXPECT_EQ(to_string(decision.reason), to_string(row.expected));
  }
}

TEST(VehicleDecision, AllowedProofCannotBeReplayedAndUsesCount) {
  Fixture f;
  Car car(f.trusted, kVehicle);
  Claims c = f.claims();
  c.rights.max_uses = 2;
  const Bytes credential = f.credential(c);
  auto attempt = [&](std::uint64_t counter) {
    const Bytes proof = f.proof(f.proof_claims(c, Action::unlock, counter), f.device);
    return car.decide({credential, proof, Action::unlock, kNow, std::nullopt, std::nullopt}).reason;
  };
  EXPECT_EQ(attempt(1), Reason::allowed);
  EXPECT_EQ(attempt(1), Reason::replayed_proof);
  EXPECT_EQ(attempt(2), Reason::allowed);
  EXPECT_EQ(attempt(3), Reason::used_up);
}

TEST(VehicleDecision, AnExpiredCredentialsCountersAndUsesAreForgotten) {
  Fixture f;
  Car car(f.trusted, kVehicle);
  Claims short_lived = f.claims();
  short_lived.expires = kNow + 60;
  short_lived.rights.max_uses = 5;
  const Bytes first = f.credential(short_lived);
  const Bytes proof = f.proof(f.proof_claims(short_lived, Action::unlock, 1), f.device);
  ASSERT_EQ(car.decide({first, proof, Action::unlock, kNow, std::nullopt, std::nullopt}).reason,
            Reason::allowed);
  EXPECT_EQ(car.state().counters.count(short_lived.credential_id), 1u);
  EXPECT_EQ(car.state().uses.count(short_lived.credential_id), 1u);

  // Later, another key is used: the expired one's entries are gone, the new one's kept.
  Claims other = f.claims();
  other.credential_id = Bytes(16, 0xdd);
  other.not_before = kNow;
  other.expires = kNow + 7200;
  const std::int64_t later = kNow + 60 + kClockSkewSeconds + 1;
  ProofClaims p = f.proof_claims(other, Action::unlock, 1);
  p.expires = later + 20;
  ASSERT_EQ(car.decide({f.credential(other), f.proof(p, f.device), Action::unlock, later,
                        std::nullopt, std::nullopt})
                .reason,
            Reason::allowed);
  EXPECT_EQ(car.state().counters.count(short_lived.credential_id), 0u);
  EXPECT_EQ(car.state().uses.count(short_lived.credential_id), 0u);
  EXPECT_EQ(car.state().expiries.count(short_lived.credential_id), 0u);
  EXPECT_EQ(car.state().counters.count(other.credential_id), 1u);
  // And the expired key stays refused: the car's clock never goes back.
  EXPECT_EQ(car.decide({first, proof, Action::unlock, kNow, std::nullopt, std::nullopt}).reason,
            Reason::expired);
}

TEST(VehicleDecision, RevocationListsOnlyMoveForward) {
  Fixture f;
  Car car(f.trusted, kVehicle);
  auto list = [&](std::uint64_t version, const std::string& vehicle, const SecretKey& key) {
    return *encode_and_sign_revocations({version, vehicle, {Bytes(16, 1)}, kNow}, f.kid, key);
  };
  EXPECT_EQ(car.install_revocations(list(3, kVehicle, f.issuer)), ListUpdate::installed);
  EXPECT_EQ(car.install_revocations(list(2, kVehicle, f.issuer)), ListUpdate::older_refused);
  EXPECT_EQ(car.install_revocations(list(3, kVehicle, f.issuer)), ListUpdate::installed);
  EXPECT_EQ(car.install_revocations(list(4, "veh_2", f.issuer)), ListUpdate::wrong_vehicle);
  EXPECT_EQ(car.install_revocations(list(4, kVehicle, f.other_issuer)), ListUpdate::forged);
  EXPECT_EQ(car.install_revocations(Bytes{0xd2}), ListUpdate::bad_input);
  EXPECT_EQ(car.state().revocation_version, 3u);
}

TEST(VehicleDecision, AnInstalledListMovesALaggingClockUpToItsIssuedAt) {
  Fixture f;
  Car car(f.trusted, kVehicle);
  EXPECT_EQ(car.observe_clock(kNow - 600), kNow - 600);  // ten minutes slow
  auto later = *encode_and_sign_revocations({1, kVehicle, {}, kNow}, f.kid, f.issuer);
  ASSERT_EQ(car.install_revocations(later), ListUpdate::installed);
  EXPECT_EQ(car.observe_clock(kNow - 600), kNow);  // never behind what the issuer signed
  // A refused list moves nothing.
  auto forged = *encode_and_sign_revocations({2, kVehicle, {}, kNow + 9999}, f.kid, f.other_issuer);
  EXPECT_EQ(car.install_revocations(forged), ListUpdate::forged);
  EXPECT_EQ(car.observe_clock(0), kNow);
}

TEST(VehicleStateStore, RoundTripsAtomicallyWithMode0600) {
  Fixture f;
  const auto dir = std::filesystem::temp_directory_path() / ("paddock-car-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  Car car(f.trusted, kVehicle);
  car.observe_clock(kNow);
  const Bytes challenge = car.issue_challenge(kNow);
  ASSERT_EQ(car.install_revocations(*encode_and_sign_revocations({4, kVehicle, {Bytes(16, 1)}, kNow}, f.kid, f.issuer)),
            ListUpdate::installed);
  CarState state = car.state();
  state.counters[Bytes(16, 2)].accept(9);
  state.uses[Bytes(16, 2)] = 1;
  state.expiries[Bytes(16, 2)] = kNow + 3600;
  std::string error;
  ASSERT_TRUE(save_state(dir, state, error)) << error;
  struct stat st{};
  ASSERT_EQ(::stat((dir / kStateFileName).c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_FALSE(std::filesystem::exists(dir / (std::string(kStateFileName) + ".tmp")));
  auto loaded = load_state(dir, error);
  ASSERT_TRUE(loaded) << error;
  EXPECT_EQ(loaded->highest_time, kNow);
  EXPECT_EQ(loaded->revocation_version, 4u);
  EXPECT_TRUE(loaded->revoked.contains(Bytes(16, 1)));
  EXPECT_TRUE(loaded->challenges.contains(challenge));
  EXPECT_EQ(loaded->counters[Bytes(16, 2)].highest, 9u);
  EXPECT_EQ(loaded->uses[Bytes(16, 2)], 1u);
  EXPECT_EQ(loaded->expiries[Bytes(16, 2)], kNow + 3600);
  { std::ofstream(dir / kStateFileName) << "paddock-car-state 1\nclock x\n"; }
  EXPECT_FALSE(load_state(dir, error));
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace paddock::vehicle
