#include "vehicle/credential.hpp"

#include <sodium.h>

#include <array>
#include <cmath>

#include "vehicle/cbor_items.hpp"

namespace paddock::vehicle {

using namespace detail;

namespace {

constexpr std::array<std::string_view, kActionCount> kActionNames = {"unlock", "lock", "open_trunk",
                                                                     "start", "drive"};

bool valid_cti(const Bytes& cti) { return cti.size() >= kMinCtiBytes && cti.size() <= kMaxCtiBytes; }

cbor_item_t* encode_rights_actions(const Rights& rights) {
  cbor_item_t* array = cbor_new_definite_array(kActionCount);
  for (int i = 0; i < kActionCount; ++i) {
    if (rights.allows(static_cast<Action>(i))) cbor_array_push(array, cbor_move(make_text(kActionNames[i])));
  }
  return array;
}

std::optional<std::uint32_t> as_u32(const cbor_item_t* item) {
  auto v = as_uint(item);
  if (!v || *v > UINT32_MAX) return std::nullopt;
  return static_cast<std::uint32_t>(*v);
}

std::optional<PublicKey> parse_cnf(const cbor_item_t* item) {
  auto cnf = int_map(item);
  if (!cnf || cnf->size() != 1 || (*cnf)[0].first != 1) return std::nullopt;  // {1: COSE_Key}
  auto key = int_map((*cnf)[0].second);
  if (!key) return std::nullopt;
  std::optional<std::int64_t> kty, crv;
  std::optional<Bytes> x;
  for (const auto& [label, value] : *key) {
    if (label == 1) kty = as_int(value);
    else if (label == -1) crv = as_int(value);
    else if (label == -2) x = as_bytes(value, 32);
    else if (label == 2 || label == 3) continue;  // kid, alg: informative
    else return std::nullopt;
  }
  if (kty != 1 || crv != 6 || !x || x->size() != 32) return std::nullopt;
  PublicKey out{};
  std::copy(x->begin(), x->end(), out.begin());
  return out;
}

CodecError parse_claims(const cbor_item_t* payload, Claims& claims) {
  auto entries = int_map(payload);
  if (!entries) return CodecError::bad_payload;
  bool has_exp = false, has_cti = false, has_cnf = false, has_vehicle = false, has_actions = false;
  for (const auto& [key, value] : *entries) {
    switch (key) {
      case kClaimIss: {
        auto v = as_text(value, kMaxTextClaim);
        if (!v) return CodecError::bad_claim;
        claims.issuer = *v;
        break;
      }
      case kClaimSub: {
        auto v = as_text(value, kMaxTextClaim);
        if (!v) return CodecError::bad_claim;
        claims.subject = *v;
        break;
      }
      case kClaimExp:
      case kClaimNbf:
      case kClaimIat: {
        auto v = as_int(value);  // RFC 8392 NumericDate; fractions are refused
        if (!v) return CodecError::bad_claim;
        (key == kClaimExp ? claims.expires : key == kClaimNbf ? claims.not_before : claims.issued_at) = *v;
        has_exp |= key == kClaimExp;
        break;
      }
      case kClaimCti: {
        auto v = as_bytes(value, kMaxCtiBytes);
        if (!v || !valid_cti(*v)) return CodecError::bad_claim;
        claims.credential_id = *v;
        has_cti = true;
        break;
      }
      case kClaimCnf: {
        auto v = parse_cnf(value);
        if (!v) return CodecError::bad_claim;
        claims.holder_key = *v;
        has_cnf = true;
        break;
      }
      case kClaimVehicle: {
        auto v = as_text(value, kMaxTextClaim);
        if (!v || v->empty()) return CodecError::bad_claim;
        claims.vehicle_id = *v;
        has_vehicle = true;
        break;
      }
      case kClaimVin: {
        auto v = as_text(value, kMaxTextClaim);
        if (!v) return CodecError::bad_claim;
        claims.vin = *v;
        break;
      }
      case kClaimActions: {
        if (!cbor_isa_array(value) || !cbor_array_is_definite(value)) return CodecError::bad_claim;
        for (std::size_t i = 0; i < cbor_array_size(value); ++i) {
          auto name = as_text(cbor_array_handle(value)[i], 32);
          auto action = name ? parse_action(*name) : std::nullopt;
          if (!action || claims.rights.allows(*action)) return CodecError::bad_claim;  // a set
          claims.rights.grant(*action);
        }
        has_actions = true;
        break;
      }
      case kClaimMaxSpeed: {
        auto v = as_u32(value);
        if (!v) return CodecError::bad_claim;
        claims.rights.max_speed_kmh = *v;
        break;
      }
      case kClaimGeofence: {
        auto fence = int_map(value);
        if (!fence || fence->size() != 3) return CodecError::bad_claim;
        Geofence g;
        bool lat = false, lon = false, radius = false;
        for (const auto& [label, item] : *fence) {
          if (label == 1) {
            auto v = as_number(item);
            if (!v || !(*v >= -90 && *v <= 90)) return CodecError::bad_claim;
            g.lat = *v;
            lat = true;
          } else if (label == 2) {
            auto v = as_number(item);
            if (!v || !(*v >= -180 && *v <= 180)) return CodecError::bad_claim;
            g.lon = *v;
            lon = true;
          } else if (label == 3) {
            auto v = as_u32(item);
            if (!v || *v == 0) return CodecError::bad_claim;
            g.radius_m = *v;
            radius = true;
          }
        }
        if (!lat || !lon || !radius) return CodecError::bad_claim;
        claims.rights.geofence = g;
        break;
      }
      case kClaimMaxUses: {
        auto v = as_u32(value);
        if (!v || *v == 0) return CodecError::bad_claim;
        claims.rights.max_uses = *v;
        break;
      }
      case kClaimReshare: {
        if (!cbor_is_bool(value)) return CodecError::bad_claim;
        claims.rights.reshare = cbor_get_bool(value);
        break;
      }
      default:
        // A private claim we do not know could be a restriction we cannot enforce: refuse.
        // Other registered claims (aud, ...) do not widen anything and are ignored.
        if (key < -65536) return CodecError::bad_claim;
        break;
    }
  }
  if (!has_exp || !has_cti || !has_cnf || !has_vehicle || !has_actions) return CodecError::missing_claim;
  return CodecError::none;
}

}  // namespace

std::optional<Action> parse_action(std::string_view name) {
  for (int i = 0; i < kActionCount; ++i) {
    if (kActionNames[i] == name) return static_cast<Action>(i);
  }
  return std::nullopt;
}

std::string_view to_string(Action action) { return kActionNames[static_cast<int>(action)]; }

Result<Bytes> encode_and_sign(const Claims& claims, std::span<const std::uint8_t> kid,
                              const SecretKey& issuer_key) {
  if (!valid_cti(claims.credential_id) || claims.vehicle_id.empty() || claims.rights.actions == 0 ||
      claims.vehicle_id.size() > kMaxTextClaim || claims.vin.size() > kMaxTextClaim ||
      claims.issuer.size() > kMaxTextClaim || claims.subject.size() > kMaxTextClaim ||
      claims.expires <= claims.not_before || kid.size() > kMaxKidBytes ||
      (claims.rights.max_uses && *claims.rights.max_uses == 0)) {
    return CodecError::bad_claim;
  }
  Item map(cbor_new_definite_map(16));
  if (!claims.issuer.empty()) map_put(map.get(), kClaimIss, make_text(claims.issuer));
  if (!claims.subject.empty()) map_put(map.get(), kClaimSub, make_text(claims.subject));
  map_put(map.get(), kClaimExp, make_int(claims.expires));
  map_put(map.get(), kClaimNbf, make_int(claims.not_before));
  map_put(map.get(), kClaimIat, make_int(claims.issued_at));
  map_put(map.get(), kClaimCti, make_bytes(claims.credential_id));
  cbor_item_t* cose_key = cbor_new_definite_map(3);
  map_put(cose_key, 1, make_int(1));   // kty OKP
  map_put(cose_key, -1, make_int(6));  // crv Ed25519
  map_put(cose_key, -2, make_bytes(claims.holder_key));
  cbor_item_t* cnf = cbor_new_definite_map(1);
  map_put(cnf, 1, cose_key);
  map_put(map.get(), kClaimCnf, cnf);
  map_put(map.get(), kClaimVehicle, make_text(claims.vehicle_id));
  if (!claims.vin.empty()) map_put(map.get(), kClaimVin, make_text(claims.vin));
  map_put(map.get(), kClaimActions, encode_rights_actions(claims.rights));
  if (claims.rights.max_speed_kmh) {
    map_put(map.get(), kClaimMaxSpeed, make_int(*claims.rights.max_speed_kmh));
  }
  if (const auto& g = claims.rights.geofence) {
    cbor_item_t* fence = cbor_new_definite_map(3);
    map_put(fence, 1, cbor_build_float8(g->lat));
    map_put(fence, 2, cbor_build_float8(g->lon));
    map_put(fence, 3, make_int(g->radius_m));
    map_put(map.get(), kClaimGeofence, fence);
  }
  if (claims.rights.max_uses) map_put(map.get(), kClaimMaxUses, make_int(*claims.rights.max_uses));
  if (claims.rights.reshare) map_put(map.get(), kClaimReshare, cbor_build_bool(true));
  const Bytes payload = serialize(map.get());
  return sign1(payload, kid, std::nullopt, issuer_key);
}

Result<Credential> parse_credential(std::span<const std::uint8_t> bytes) {
  auto sign1 = parse_sign1(bytes, kMaxCoseBytes);
  if (!sign1) return sign1.error;
  if (!sign1->kid || sign1->content_type) return CodecError::bad_header;
  Item payload = load(sign1->payload);
  if (!payload) return CodecError::bad_payload;
  Credential out;
  if (auto error = parse_claims(payload.get(), out.claims); error != CodecError::none) return error;
  out.sign1 = std::move(*sign1);
  return out;
}

Trust check_issuer(const Sign1& sign1, std::span<const IssuerKey> keys) {
  if (!sign1.kid) return Trust::bad_input;
  for (const auto& key : keys) {
    if (key.kid == *sign1.kid) return verify_sign1(sign1, key.key) ? Trust::trusted : Trust::forged;
  }
  return Trust::unknown_issuer_key;
}

Trust verify(std::span<const std::uint8_t> bytes, std::span<const IssuerKey> keys) {
  auto credential = parse_credential(bytes);
  if (!credential) return Trust::bad_input;
  return check_issuer(credential->sign1, keys);
}

Result<Bytes> encode_and_sign_proof(const ProofClaims& claims, const SecretKey& device_key) {
  if (!valid_cti(claims.credential_id) || claims.vehicle_id.empty() ||
      claims.vehicle_id.size() > kMaxTextClaim || claims.challenge.has_value() == claims.counter.has_value() ||
      (claims.challenge && (claims.challenge->empty() || claims.challenge->size() > kMaxChallengeBytes)) ||
      (claims.counter && *claims.counter == 0)) {
    return CodecError::bad_claim;
  }
  Item map(cbor_new_definite_map(5));
  map_put(map.get(), kProofCti, make_bytes(claims.credential_id));
  map_put(map.get(), kProofVehicle, make_text(claims.vehicle_id));
  map_put(map.get(), kProofAction, make_text(to_string(claims.action)));
  if (claims.challenge) map_put(map.get(), kProofChallenge, make_bytes(*claims.challenge));
  if (claims.counter) {
    map_put(map.get(), kProofCounter, make_int(static_cast<std::int64_t>(*claims.counter)));
  }
  map_put(map.get(), kProofExp, make_int(claims.expires));
  return sign1(serialize(map.get()), std::nullopt, kProofContentType, device_key);
}

Result<Proof> parse_proof(std::span<const std::uint8_t> bytes) {
  auto sign1 = parse_sign1(bytes, kMaxCoseBytes);
  if (!sign1) return sign1.error;
  if (sign1->content_type != kProofContentType) return CodecError::bad_header;
  Item payload = load(sign1->payload);
  if (!payload) return CodecError::bad_payload;
  auto entries = int_map(payload.get());
  if (!entries) return CodecError::bad_payload;
  Proof out;
  ProofClaims& c = out.claims;
  bool cti = false, vehicle = false, action = false, exp = false;
  for (const auto& [key, value] : *entries) {
    if (key == kProofCti) {
      auto v = as_bytes(value, kMaxCtiBytes);
      if (!v || !valid_cti(*v)) return CodecError::bad_claim;
      c.credential_id = *v;
      cti = true;
    } else if (key == kProofVehicle) {
      auto v = as_text(value, kMaxTextClaim);
      if (!v || v->empty()) return CodecError::bad_claim;
      c.vehicle_id = *v;
      vehicle = true;
    } else if (key == kProofAction) {
      auto v = as_text(value, 32);
      auto a = v ? parse_action(*v) : std::nullopt;
      if (!a) return CodecError::bad_claim;
      c.action = *a;
      action = true;
    } else if (key == kProofChallenge) {
      auto v = as_bytes(value, kMaxChallengeBytes);
      if (!v || v->empty()) return CodecError::bad_claim;
      c.challenge = *v;
    } else if (key == kProofCounter) {
      auto v = as_uint(value);
      if (!v || *v == 0) return CodecError::bad_claim;
      c.counter = *v;
    } else if (key == kProofExp) {
      auto v = as_int(value);
      if (!v) return CodecError::bad_claim;
      c.expires = *v;
      exp = true;
    } else {
      return CodecError::bad_claim;
    }
  }
  if (!cti || !vehicle || !action || !exp || c.challenge.has_value() == c.counter.has_value()) {
    return CodecError::missing_claim;
  }
  out.sign1 = std::move(*sign1);
  return out;
}

Result<Bytes> encode_and_sign_revocations(const RevocationList& list,
                                          std::span<const std::uint8_t> kid,
                                          const SecretKey& issuer_key) {
  if (list.vehicle_id.empty() || list.vehicle_id.size() > kMaxTextClaim ||
      list.revoked.size() > kMaxRevokedIds || kid.size() > kMaxKidBytes) {
    return CodecError::bad_claim;
  }
  for (const auto& id : list.revoked) {
    if (!valid_cti(id)) return CodecError::bad_claim;
  }
  Item map(cbor_new_definite_map(4));
  map_put(map.get(), kListVersion, make_int(static_cast<std::int64_t>(list.version)));
  map_put(map.get(), kListVehicle, make_text(list.vehicle_id));
  cbor_item_t* ids = cbor_new_definite_array(list.revoked.size());
  for (const auto& id : list.revoked) cbor_array_push(ids, cbor_move(make_bytes(id)));
  map_put(map.get(), kListRevoked, ids);
  map_put(map.get(), kListIssuedAt, make_int(list.issued_at));
  return sign1(serialize(map.get()), kid, kRevocationContentType, issuer_key);
}

Result<SignedRevocationList> parse_revocations(std::span<const std::uint8_t> bytes) {
  auto sign1 = parse_sign1(bytes, kMaxListBytes);
  if (!sign1) return sign1.error;
  if (!sign1->kid || sign1->content_type != kRevocationContentType) return CodecError::bad_header;
  Item payload = load(sign1->payload);
  if (!payload) return CodecError::bad_payload;
  auto entries = int_map(payload.get());
  if (!entries) return CodecError::bad_payload;
  SignedRevocationList out;
  RevocationList& l = out.list;
  bool version = false, vehicle = false, revoked = false, iat = false;
  for (const auto& [key, value] : *entries) {
    if (key == kListVersion) {
      auto v = as_uint(value);
      if (!v) return CodecError::bad_claim;
      l.version = *v;
      version = true;
    } else if (key == kListVehicle) {
      auto v = as_text(value, kMaxTextClaim);
      if (!v || v->empty()) return CodecError::bad_claim;
      l.vehicle_id = *v;
      vehicle = true;
    } else if (key == kListRevoked) {
      if (!cbor_isa_array(value) || cbor_array_size(value) > kMaxRevokedIds) return CodecError::bad_claim;
      for (std::size_t i = 0; i < cbor_array_size(value); ++i) {
        auto id = as_bytes(cbor_array_handle(value)[i], kMaxCtiBytes);
        if (!id || !valid_cti(*id)) return CodecError::bad_claim;
        l.revoked.push_back(std::move(*id));
      }
      revoked = true;
    } else if (key == kListIssuedAt) {
      auto v = as_int(value);
      if (!v) return CodecError::bad_claim;
      l.issued_at = *v;
      iat = true;
    } else {
      return CodecError::bad_claim;
    }
  }
  if (!version || !vehicle || !revoked || !iat) return CodecError::missing_claim;
  out.sign1 = std::move(*sign1);
  return out;
}

}  // namespace paddock::vehicle
