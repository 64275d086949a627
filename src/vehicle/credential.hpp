#pragma once
// vehicle/credential: the three signed documents of digital keys (docs/credentials.md):
//  - the credential: COSE_Sign1 over CWT claims (RFC 8392) with the holder key in cnf (RFC 8747),
//    signed by a Paddock issuer key named by kid;
//  - the proof: COSE_Sign1 by the holder device over one action on one car, fresh for <= 30 s;
//  - the revocation list: COSE_Sign1 by an issuer key over {version, vehicle, revoked ids, iat}.
// Encoders are the server's side, parsers and verifiers the car's. Parsers are strict and return
// a CodecError for anything they do not fully understand.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "vehicle/cose.hpp"

namespace paddock::vehicle {

// CWT claim keys (RFC 8392 §4) and Paddock's private claims (RFC 8392 §4: keys below -65536
// are for private use).
inline constexpr std::int64_t kClaimIss = 1, kClaimSub = 2, kClaimExp = 4, kClaimNbf = 5,
                              kClaimIat = 6, kClaimCti = 7, kClaimCnf = 8;
inline constexpr std::int64_t kClaimVehicle = -65537, kClaimVin = -65538, kClaimActions = -65539,
                              kClaimMaxSpeed = -65540, kClaimGeofence = -65541,
                              kClaimMaxUses = -65542, kClaimReshare = -65543;
inline constexpr std::string_view kProofContentType = "application/paddock-key-proof";
inline constexpr std::string_view kRevocationContentType = "application/paddock-revocations";
inline constexpr std::size_t kMaxTextClaim = 256;
inline constexpr std::size_t kMinCtiBytes = 8, kMaxCtiBytes = 32;
inline constexpr std::size_t kMaxChallengeBytes = 64;
inline constexpr std::size_t kMaxRevokedIds = 4096;

enum class Action : std::uint8_t { unlock, lock, open_trunk, start, drive };
inline constexpr int kActionCount = 5;
std::optional<Action> parse_action(std::string_view name);
std::string_view to_string(Action action);

struct Geofence {
  double lat = 0;
  double lon = 0;
  std::uint32_t radius_m = 0;
};

struct Rights {
  std::uint8_t actions = 0;  // bit (1 << Action)
  std::optional<std::uint32_t> max_speed_kmh;
  std::optional<Geofence> geofence;
  std::optional<std::uint32_t> max_uses;
  bool reshare = false;

  bool allows(Action action) const { return (actions >> static_cast<int>(action)) & 1; }
  void grant(Action action) { actions |= static_cast<std::uint8_t>(1 << static_cast<int>(action)); }
};

struct Claims {
  std::string issuer;   // iss
  std::string subject;  // sub: the holder's user id
  std::int64_t expires = 0;     // exp, seconds since the epoch
  std::int64_t not_before = 0;  // nbf
  std::int64_t issued_at = 0;   // iat
  Bytes credential_id;          // cti, kMinCtiBytes..kMaxCtiBytes
  PublicKey holder_key{};       // cnf.COSE_Key.x (OKP, Ed25519)
  std::string vehicle_id;
  std::string vin;  // may be empty: the claim is then left out
  Rights rights;
};

struct Credential {
  Claims claims;
  Sign1 sign1;  // kid and the signed bytes
};

// Server side. Returns CodecError::bad_claim iff the claims cannot be encoded faithfully
// (cti size, empty vehicle, text too long, no action, exp not after nbf).
Result<Bytes> encode_and_sign(const Claims& claims, std::span<const std::uint8_t> kid,
                              const SecretKey& issuer_key);
// Car side: structure and claims only, the signature is not checked.
Result<Credential> parse_credential(std::span<const std::uint8_t> bytes);

struct IssuerKey {
  Bytes kid;
  PublicKey key{};
};
enum class Trust { trusted, bad_input, unknown_issuer_key, forged };
// Checks the signature of a parsed credential or revocation list against the trusted keys.
Trust check_issuer(const Sign1& sign1, std::span<const IssuerKey> keys);
// Parses and checks in one step.
Trust verify(std::span<const std::uint8_t> bytes, std::span<const IssuerKey> keys);

struct ProofClaims {
  Bytes credential_id;
  std::string vehicle_id;
  Action action = Action::unlock;
  std::optional<Bytes> challenge;        // from the car, single use
  std::optional<std::uint64_t> counter;  // or a counter, >= 1
  std::int64_t expires = 0;
};
inline constexpr std::int64_t kProofCti = 1, kProofVehicle = 2, kProofAction = 3,
                              kProofChallenge = 4, kProofCounter = 5, kProofExp = 6;
struct Proof {
  ProofClaims claims;
  Sign1 sign1;
};
// Exactly one of challenge and counter must be set.
Result<Bytes> encode_and_sign_proof(const ProofClaims& claims, const SecretKey& device_key);
Result<Proof> parse_proof(std::span<const std::uint8_t> bytes);

struct RevocationList {
  std::uint64_t version = 0;
  std::string vehicle_id;
  std::vector<Bytes> revoked;  // credential ids (cti)
  std::int64_t issued_at = 0;
};
inline constexpr std::int64_t kListVersion = 1, kListVehicle = 2, kListRevoked = 3,
                              kListIssuedAt = 4;
struct SignedRevocationList {
  RevocationList list;
  Sign1 sign1;
};
Result<Bytes> encode_and_sign_revocations(const RevocationList& list,
                                          std::span<const std::uint8_t> kid,
                                          const SecretKey& issuer_key);
Result<SignedRevocationList> parse_revocations(std::span<const std::uint8_t> bytes);

}  // namespace paddock::vehicle
