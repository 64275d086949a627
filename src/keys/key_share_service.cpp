#include "keys/key_share_service.hpp"

#include <sodium.h>

#include <algorithm>
#include <cmath>

#include "core/encoding.hpp"
#include "core/ids.hpp"
#include "devices/proof.hpp"
#include "identity/identity_service.hpp"
#include "keys/errors.hpp"
#include "keys/event_kinds.hpp"

namespace paddock::keys {
namespace {

constexpr std::int64_t kMinuteMs = 60'000;
constexpr std::int64_t kMaxLifetimeMs = kMaxCredentialLifetimeSeconds * 1000;
constexpr int kMaxSpeedKmh = 1000;
constexpr std::int64_t kMaxUsesLimit = 1'000'000;
constexpr std::size_t kCtiBytes = 16;

Error share_not_found() { return make_error(Errc::not_found, "no such key share"); }
Error vehicle_not_found() { return make_error(Errc::not_found, "no such vehicle"); }
Error invalid(std::string detail, std::string field) {
  return make_error(Errc::invalid_field, std::move(detail), std::move(field));
}
Error state_conflict(const KeyShareRecord& s, std::string_view step) {
  return make_error(kShareStateConflict,
                    "a key share that is " + s.status + " cannot be " + std::string(step));
}

std::string challenge_key(std::string_view share_id, std::string_view device_id) {
  std::string key(share_id);
  key += ':';
  key += device_id;
  return key;
}

// The code is kept only as a keyed hash (the share id is the key), so a leaked database does
// not give it away and a hash cannot be moved to another share.
std::string code_hash(std::string_view share_id, std::string_view code) {
  std::array<unsigned char, 32> out{};
  std::array<unsigned char, 32> key{};
  crypto_generichash(key.data(), key.size(),
                     reinterpret_cast<const unsigned char*>(share_id.data()), share_id.size(),
                     nullptr, 0);
  crypto_generichash(out.data(), out.size(), reinterpret_cast<const unsigned char*>(code.data()),
                     code.size(), key.data(), key.size());
  return hex_encode(out);
}

bool same_hash(const std::string& a, const std::string& b) {
  return a.size() == b.size() && sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string new_code() {
  std::string code;
  for (int i = 0; i < kOneTimeCodeDigits; ++i) {
    code += static_cast<char>('0' + randombytes_uniform(10));
  }
  return code;
}

bool needs_code(const std::vector<std::string>& verification) {
  return std::find(verification.begin(), verification.end(), "code") != verification.end();
}

// Who a user is to a vehicle when sharing a key on it.
struct Authority {
  storage::VehicleRecord vehicle;
  Rights rights;               // what they may pass on
  UnixMillis window_from = 0;  // and within which window
  UnixMillis window_to = INT64_MAX;
  std::optional<std::string> via_share_id;  // their own key, when they reshare
};

// The holder's live key on the vehicle that lets them reshare, if any.
Result<std::optional<KeyShareRecord>> reshare_key(storage::Reads& r, const std::string& vehicle_id,
                                                  const std::string& user_id, UnixMillis now,
                                                  bool& holds_any) {
  PADDOCK_ASSIGN(held, r.key_shares().shares_received(vehicle_id, user_id));
  // Anyone ever offered a key on the vehicle knows it exists (forbidden, not not_found).
  holds_any = !held.empty();
  for (auto& s : held) {
    if (s.status != kShareIssued || !s.credential_expires_at || *s.credential_expires_at <= now) {
      continue;
    }
    auto rights = decode_rights(s.rights);
    if (rights && rights->actions.has(Action::reshare)) return std::optional(std::move(s));
  }
  return std::optional<KeyShareRecord>();
}

// Followers (not blocked), authorized users and anyone offered a key on the vehicle know it
// exists and learn forbidden; everybody else not_found, as sharing answers.
Result<void> refuse_non_owner(storage::Reads& r, const storage::VehicleRecord& v,
                              const std::string& user_id, bool holds_key) {
  PADDOCK_ASSIGN(member, r.sharing().is_member(v.id, user_id));
  PADDOCK_ASSIGN(follow, r.sharing().follow_of(v.id, user_id));
  if (member || holds_key || (follow && follow->status != storage::FollowStatus::blocked)) {
    return make_error(Errc::forbidden, "only the vehicle's owner may do this");
  }
  return vehicle_not_found();
}

Result<storage::VehicleRecord> vehicle_for_owner(storage::Reads& r, const std::string& user_id,
                                                 const std::string& vehicle_id) {
  if (!looks_like_id(vehicle_id)) return vehicle_not_found();
  PADDOCK_ASSIGN(v, r.sharing().vehicle_by_id(vehicle_id));
  if (!v) return vehicle_not_found();
  if (v->owner_id == user_id) return std::move(*v);
  PADDOCK_ASSIGN(held, r.key_shares().shares_received(vehicle_id, user_id));
  PADDOCK_TRY(refuse_non_owner(r, *v, user_id, !held.empty()));
  return vehicle_not_found();
}

Result<Authority> authority_of(storage::Reads& r, const std::string& user_id,
                               const std::string& vehicle_id, UnixMillis now) {
  if (!looks_like_id(vehicle_id)) return vehicle_not_found();
  PADDOCK_ASSIGN(v, r.sharing().vehicle_by_id(vehicle_id));
  if (!v) return vehicle_not_found();
  if (v->owner_id == user_id) return Authority{std::move(*v), Rights::unlimited()};
  bool holds_any = false;
  PADDOCK_ASSIGN(key, reshare_key(r, vehicle_id, user_id, now, holds_any));
  if (!key) {
    PADDOCK_TRY(refuse_non_owner(r, *v, user_id, holds_any));
    return vehicle_not_found();
  }
  PADDOCK_ASSIGN(rights, decode_rights(key->rights));
  return Authority{std::move(*v), std::move(rights), key->not_before, *key->credential_expires_at,
                   key->id};
}

// The request's values that need no database, checked in field order.
struct CheckedRequest {
  Task task = Task::custom;
  KeyRequest policy_request;
};

Result<CheckedRequest> check_request(const ShareRequest& req) {
  CheckedRequest out;
  auto task = parse_task(req.task);
  if (!task) return invalid("task must be one of borrow, delivery, valet, service, custom", "task");
  out.task = *task;
  if (req.rights) {
    ActionSet set;
    for (const auto& name : *req.rights) {
      auto a = parse_action(name);
      if (!a) {
        return invalid(
            "rights must name actions among unlock, lock, open_trunk, start, drive, "
            "reshare; not " +
                name,
            "rights");
      }
      set.add(*a);
    }
    if (set.empty()) return invalid("rights must name at least one action", "rights");
    out.policy_request.actions = set;
  }
  if (req.place) {
    const Geofence& g = *req.place;
    if (!std::isfinite(g.lat) || g.lat < -90 || g.lat > 90) {
      return invalid("place.lat must be within -90..90", "place.lat");
    }
    if (!std::isfinite(g.lon) || g.lon < -180 || g.lon > 180) {
      return invalid("place.lon must be within -180..180", "place.lon");
    }
    if (!std::isfinite(g.radius_m) || g.radius_m < 1 || g.radius_m > 20'000'000) {
      return invalid("place.radius_m must be at least 1 m (and at most 20,000 km)",
                     "place.radius_m");
    }
    out.policy_request.geofence = g;
  }
  if (req.max_uses) {
    if (*req.max_uses < 1 || *req.max_uses > kMaxUsesLimit) {
      return invalid("max_uses must be between 1 and 1000000", "max_uses");
    }
    out.policy_request.max_uses = static_cast<int>(*req.max_uses);
  }
  if (req.max_speed_kmh) {
    if (*req.max_speed_kmh < 1 || *req.max_speed_kmh > kMaxSpeedKmh) {
      return invalid("max_speed_kmh must be between 1 and 1000", "max_speed_kmh");
    }
    out.policy_request.max_speed_kmh = static_cast<int>(*req.max_speed_kmh);
  }
  if (req.note.size() > kMaxNoteBytes) {
    return invalid("note must be at most 1000 bytes", "note");
  }
  return out;
}

storage::EventRecord key_event(const events::EventKind& kind, const ShareView& view,
                               const std::string& target_user,
                               std::optional<std::string> target_device, bool with_credential,
                               UnixMillis now) {
  storage::EventRecord e;
  e.vehicle_id = view.record.vehicle_id;
  e.target_user = target_user;
  e.target_device = std::move(target_device);
  e.type = std::string(kind.name);
  e.payload = share_json(view, with_credential);
  e.created_at = now;
  return e;
}

// Appends the event and keeps it, with its seq, for the live feed.
Result<void> emit(storage::Writes& w, std::vector<storage::EventRecord>& out,
                  storage::EventRecord e) {
  PADDOCK_ASSIGN(seq, w.events().append_event(e));
  e.seq = seq;
  out.push_back(std::move(e));
  return {};
}

// The owner always hears of a step; the sharer too when it is someone else.
Result<void> tell_owner_and_sharer(storage::Writes& w, std::vector<storage::EventRecord>& out,
                                   const events::EventKind& kind, const ShareView& view,
                                   const std::string& owner_id, UnixMillis now) {
  PADDOCK_TRY(emit(w, out, key_event(kind, view, owner_id, std::nullopt, false, now)));
  if (view.record.sharer_id != owner_id) {
    PADDOCK_TRY(
        emit(w, out, key_event(kind, view, view.record.sharer_id, std::nullopt, false, now)));
  }
  return {};
}

Result<std::int64_t> record_audit(storage::Writes& w, const KeyShareRecord& s,
                                  std::string_view action, const std::string& actor_id,
                                  std::string detail, UnixMillis now) {
  return w.key_shares().append_audit({0, s.vehicle_id, s.id, s.credential_id, "user", actor_id,
                                      std::string(action), std::move(detail), now});
}

Result<storage::DeviceRecord> recipient_device(storage::Reads& r, const std::string& recipient_id,
                                               const std::string& device_id) {
  auto refuse = [] {
    return invalid("device_id must name one of the recipient's verified devices", "device_id");
  };
  if (!looks_like_id(device_id)) return refuse();
  PADDOCK_ASSIGN(d, r.devices().device_by_id(device_id));
  if (!d || d->user_id != recipient_id || !d->verified_at) return refuse();
  return std::move(*d);
}

// The share for its recipient; anyone else learns nothing.
Result<KeyShareRecord> share_for_recipient(storage::Reads& r, const std::string& user_id,
                                           const std::string& share_id) {
  if (!looks_like_id(share_id)) return share_not_found();
  PADDOCK_ASSIGN(s, r.key_shares().share_by_id(share_id));
  if (!s || s->recipient_id != user_id) return share_not_found();
  return std::move(*s);
}

// The device an accept or challenge is for: the bound one, else one of the recipient's
// verified devices.
Result<storage::DeviceRecord> accepting_device(storage::Reads& r, const KeyShareRecord& s,
                                               const std::string& device_id) {
  if (s.device_id && *s.device_id != device_id) {
    return invalid("this key share is bound to another of your devices", "device_id");
  }
  return recipient_device(r, s.recipient_id, device_id);
}

// Refuses a new share when the vehicle already has kMaxLiveKeysPerVehicle keys that could end
// up on its revocation list.
Result<void> check_key_limit(storage::Reads& r, const std::string& vehicle_id, UnixMillis now) {
  PADDOCK_ASSIGN(shares, r.key_shares().shares_of_vehicle(vehicle_id));
  std::size_t live = 0;
  for (const auto& s : shares) {
    bool pending = (s.status == kShareOffered && s.not_after > now) ||
                   (s.status == kShareIssued && s.credential_expires_at &&
                    *s.credential_expires_at > now);
    bool listed = (s.status == kShareRevoked || s.status == kShareReturned) && s.credential_id &&
                  s.credential_expires_at &&
                  *s.credential_expires_at + kRevokedAfterExpiryMs > now;
    live += pending || listed;
  }
  if (live >= kMaxLiveKeysPerVehicle) {
    return make_error(kKeyLimit, "this vehicle has " + std::to_string(live) +
                                     " keys that are live or still listed as revoked; revoke "
                                     "offers or wait for keys to expire");
  }
  return {};
}

}  // namespace

KeyShareService::KeyShareService(storage::Store& store, const KeyPolicy& policy,
                                 const IssuerKeyring& keyring, events::LiveEvents& live)
    : store_(store), policy_(policy), keyring_(keyring), live_(live) {
  events::register_kinds(kKeyShareEventKinds);
}

template <class T>
void KeyShareService::commit(std::function<Result<Committed<T>>(storage::Writes&)> job,
                             Callback<T> done) {
  store_.write<Committed<T>>(
      std::move(job),
      [done = std::move(done)](Result<Committed<T>> outcome) {
        if (!outcome) return done(outcome.take_error());
        done(std::move(outcome->value));
      },
      [this](Committed<T>& outcome) {
        if (!outcome.events.empty()) live_.publish(std::move(outcome.events));
      });
}

void KeyShareService::share(const std::string& user_id, const std::string& vehicle_id,
                            ShareRequest request, Callback<ShareCreated> done) {
  auto checked = check_request(request);
  if (!checked) return done(checked.take_error());
  auto username = identity::normalize_username(request.recipient_username);
  if (!username) return done(make_error(Errc::not_found, "no such user"));
  UnixMillis now = now_millis();
  std::string id = new_id("ksh");

  commit<ShareCreated>(
      [this, user_id, vehicle_id, request = std::move(request), checked = std::move(*checked),
       username = std::move(*username), id,
       now](storage::Writes& w) mutable -> Result<Committed<ShareCreated>> {
        PADDOCK_ASSIGN(who, authority_of(w, user_id, vehicle_id, now));
        PADDOCK_TRY(check_key_limit(w, vehicle_id, now));
        PADDOCK_ASSIGN(recipient, w.identity().user_by_username(username));
        if (!recipient) return make_error(Errc::not_found, "no such user", "recipient");
        if (recipient->id == user_id) {
          return invalid("you cannot share a key with yourself", "recipient");
        }
        if (recipient->id == who.vehicle.owner_id) {
          return invalid("the owner already holds every key to this vehicle", "recipient");
        }

        // The device: the one named, else the recipient's primary verified device, else none
        // until they accept.
        std::optional<std::string> device_id;
        if (request.device_id) {
          PADDOCK_ASSIGN(d, recipient_device(w, recipient->id, *request.device_id));
          device_id = d.id;
        } else {
          PADDOCK_ASSIGN(devices, w.devices().devices_of_user(recipient->id));
          for (const auto& d : devices) {
            if (d.primary && d.verified_at) device_id = d.id;
          }
        }

        // The window: from not_before (default now), never before the sharer's own.
        UnixMillis not_before = request.not_before.value_or(now);
        if (not_before < who.window_from) {
          return invalid("not_before is before the sharer's own key is valid", "not_before");
        }
        if (request.not_after && *request.not_after < not_before + kMinuteMs) {
          return invalid("not_after must be at least a minute after not_before", "not_after");
        }
        if (request.not_after && *request.not_after <= now) {
          return invalid("not_after is in the past", "not_after");
        }
        if (not_before >= who.window_to) {
          return invalid("not_before is after the sharer's own key expires", "not_before");
        }
        KeyRequest policy_request = checked.policy_request;
        if (request.not_after) {
          policy_request.duration_minutes =
              (*request.not_after - not_before + kMinuteMs - 1) / kMinuteMs;
        }

        PADDOCK_ASSIGN(contact, w.contacts().contact_of(user_id, recipient->id));
        Relationship relationship = Relationship::none;
        if (contact)
          relationship = parse_relationship(contact->relationship).value_or(Relationship::none);
        KeyDecision decision =
            decide(policy_, checked.task, relationship, who.rights, policy_request);
        if (!credential_rights(decision.effective).actions) {
          std::string why = "no action the car could allow survives the key policy";
          for (const auto& r : decision.refused) why += "; " + r.right + ": " + r.reason;
          return make_error(kNoRightsLeft, std::move(why));
        }

        // not_after: as asked, else as long as the rights allow; never past the longest
        // duration, the credential lifetime (from now and from not_before), or the sharer's key.
        std::int64_t longest = kMaxLifetimeMs;
        if (decision.effective.max_duration_minutes) {
          longest = std::min(longest, *decision.effective.max_duration_minutes * kMinuteMs);
        }
        UnixMillis not_after = request.not_after.value_or(not_before + longest);
        not_after =
            std::min({not_after, not_before + longest, now + kMaxLifetimeMs, who.window_to});
        if (not_after < not_before + kMinuteMs) {
          return invalid("the window is shorter than a minute once capped by the sharer's own key",
                         "not_after");
        }

        KeyShareRecord s;
        s.id = id;
        s.vehicle_id = who.vehicle.id;
        s.sharer_id = user_id;
        s.recipient_id = recipient->id;
        s.device_id = device_id;
        s.task = std::string(name_of(checked.task));
        s.status = std::string(kShareOffered);
        s.rights = encode_rights(decision.effective);
        s.refused = encode_refusals(decision.refused);
        s.verification = join_verification(decision.verification_required);
        std::optional<std::string> code;
        if (needs_code(decision.verification_required)) {
          code = new_code();
          s.code_hash = code_hash(id, *code);
        }
        s.not_before = not_before;
        s.not_after = not_after;
        s.max_uses = decision.effective.max_uses;
        s.note = request.note;
        s.via_share_id = who.via_share_id;
        s.created_at = now;
        s.updated_at = now;
        PADDOCK_TRY(w.key_shares().insert_share(s));
        PADDOCK_TRY(record_audit(w, s, "shared", user_id,
                                 std::string(name_of(checked.task)) + " for " + recipient->username,
                                 now));

        ShareView view{s, decision.effective, decision.refused, decision.verification_required};
        Committed<ShareCreated> out{{view, std::move(code)}, {}};
        PADDOCK_TRY(emit(w, out.events,
                         key_event(kKeyOffered, view, recipient->id, std::nullopt, false, now)));
        PADDOCK_TRY(
            tell_owner_and_sharer(w, out.events, kKeyOffered, view, who.vehicle.owner_id, now));
        return out;
      },
      std::move(done));
}

void KeyShareService::challenge(const std::string& user_id, const std::string& share_id,
                                const std::string& device_id, Callback<AcceptChallenge> done) {
  UnixMillis now = now_millis();
  AcceptChallenge c{devices::new_nonce(), {}, now + kAcceptChallengeTtlSeconds * 1000LL};
  c.signing_input = devices::key_accept_signing_input(share_id, device_id, c.nonce);
  commit<AcceptChallenge>(
      [user_id, share_id, device_id, c](storage::Writes& w) -> Result<Committed<AcceptChallenge>> {
        PADDOCK_ASSIGN(s, share_for_recipient(w, user_id, share_id));
        if (s.status != kShareOffered) return state_conflict(s, "accepted");
        PADDOCK_TRY(accepting_device(w, s, device_id));
        PADDOCK_TRY(
            w.secrets().put_secret({std::string(kAcceptChallengePurpose),
                                    challenge_key(share_id, device_id), c.nonce, c.expires_at}));
        return Committed<AcceptChallenge>{c, {}};
      },
      std::move(done));
}

void KeyShareService::accept(const std::string& user_id, const std::string& share_id,
                             const std::string& device_id, const std::string& signature,
                             std::optional<std::string> code, Callback<ShareView> done) {
  auto sig = devices::parse_signature(signature);
  if (!sig) return done(sig.take_error());
  if (!looks_like_id(share_id)) return done(share_not_found());

  // A failed attempt must commit (it consumes the challenge and counts), so failures come
  // back as values and become errors after the commit.
  enum class Result_ { issued, bad_challenge, bad_signature, bad_code, voided };
  struct Outcome {
    Result_ result = Result_::issued;
    ShareView view;
  };
  UnixMillis now = now_millis();
  commit<Outcome>(
      [this, user_id, share_id, device_id, sig = *sig, code = std::move(code),
       now](storage::Writes& w) -> Result<Committed<Outcome>> {
        PADDOCK_ASSIGN(s, share_for_recipient(w, user_id, share_id));
        PADDOCK_ASSIGN(taken, w.secrets().take_secret(kAcceptChallengePurpose,
                                                      challenge_key(share_id, device_id), now));
        if (s.status == kShareFailed) {
          return make_error(kShareVoid, "too many failed attempts; ask for a new key share");
        }
        if (s.status != kShareOffered) return state_conflict(s, "accepted");
        if (s.not_after <= now) return make_error(kShareStateConflict, "the key share has expired");
        if (s.via_share_id) {
          PADDOCK_ASSIGN(parent, w.key_shares().share_by_id(*s.via_share_id));
          if (!parent || parent->status != kShareIssued || !parent->credential_expires_at ||
              *parent->credential_expires_at <= now) {
            return make_error(kShareStateConflict,
                              "the key this share was cut from is no longer valid");
          }
        }
        PADDOCK_ASSIGN(device, accepting_device(w, s, device_id));
        PADDOCK_ASSIGN(view, view_of(s));
        PADDOCK_ASSIGN(owner, w.sharing().vehicle_by_id(s.vehicle_id));
        if (!owner) return share_not_found();
        Committed<Outcome> out;
        if (!taken) {
          out.value = {Result_::bad_challenge, std::move(view)};
          return out;
        }

        auto key = devices::parse_public_key(device.public_key);
        if (!key) return make_error(Errc::internal, "stored public key is unreadable");
        bool signature_ok = devices::verify_signature(
            *key, devices::key_accept_signing_input(share_id, device_id, taken->payload), sig);
        bool code_ok = !s.code_hash || (code && same_hash(*s.code_hash, code_hash(s.id, *code)));
        if (!signature_ok || !code_ok) {
          s.failed_attempts += 1;
          s.updated_at = now;
          Result_ result = signature_ok ? Result_::bad_code : Result_::bad_signature;
          if (s.failed_attempts >= kMaxAcceptAttempts) {
            s.status = std::string(kShareFailed);
            result = Result_::voided;
          }
          PADDOCK_ASSIGN(changed, w.key_shares().update_share(s, kShareOffered));
          if (!changed) return state_conflict(s, "accepted");
          PADDOCK_TRY(record_audit(w, s,
                                   result == Result_::voided ? "failed" : "verification_failed",
                                   user_id, signature_ok ? "wrong code" : "wrong signature", now));
          view.record = s;
          if (result == Result_::voided) {
            PADDOCK_TRY(
                tell_owner_and_sharer(w, out.events, kKeyFailed, view, owner->owner_id, now));
          }
          out.value = {result, std::move(view)};
          return out;
        }

        // Verified: issue, in this job, so that the recorded status and the credential agree.
        vehicle::Claims claims;
        claims.issuer = std::string(kIssuerName);
        claims.subject = s.recipient_id;
        claims.not_before = s.not_before / 1000;
        claims.expires = s.not_after / 1000;
        claims.issued_at = now / 1000;
        auto cti = random_bytes(kCtiBytes);
        claims.credential_id.assign(cti.begin(), cti.end());
        std::copy(key->begin(), key->end(), claims.holder_key.begin());
        claims.vehicle_id = s.vehicle_id;
        claims.vin = owner->vin.value_or("");
        claims.rights = credential_rights(view.rights);
        auto signed_bytes = keyring_.sign_credential(claims);
        if (!signed_bytes) {
          return make_error(kIssuanceFailed,
                            "the issuer refused the claims: " +
                                std::string(vehicle::to_string(signed_bytes.error)));
        }
        s.status = std::string(kShareIssued);
        s.device_id = device_id;
        s.credential = base64url_encode(*signed_bytes);
        s.credential_id = base64url_encode(claims.credential_id);
        s.kid = keyring_.signing_kid();
        s.credential_expires_at = claims.expires * 1000;
        s.issued_at = now;
        s.updated_at = now;
        PADDOCK_ASSIGN(changed, w.key_shares().update_share(s, kShareOffered));
        if (!changed) return state_conflict(s, "accepted");
        PADDOCK_TRY(record_audit(w, s, "verified", user_id, "device " + device_id, now));
        PADDOCK_TRY(record_audit(w, s, "issued", user_id, "kid " + *s.kid, now));
        view.record = s;
        PADDOCK_TRY(tell_owner_and_sharer(w, out.events, kKeyVerified, view, owner->owner_id, now));
        PADDOCK_TRY(tell_owner_and_sharer(w, out.events, kKeyIssued, view, owner->owner_id, now));
        // The credential itself goes to the holder's device only.
        PADDOCK_TRY(
            emit(w, out.events, key_event(kKeyIssued, view, s.recipient_id, device_id, true, now)));
        out.value = {Result_::issued, std::move(view)};
        return out;
      },
      Callback<Outcome>([done = std::move(done)](Result<Outcome> outcome) {
        if (!outcome) return done(outcome.take_error());
        const ShareView& v = outcome->view;
        int left = kMaxAcceptAttempts - v.record.failed_attempts;
        std::string remaining = "; " + std::to_string(left) + " attempt(s) left";
        switch (outcome->result) {
          case Result_::issued:
            return done(std::move(outcome->view));
          case Result_::bad_challenge:
            return done(make_error(kAcceptChallengeInvalid,
                                   "no live challenge for this key share and device; request a "
                                   "new one"));
          case Result_::bad_signature:
            return done(make_error(kAcceptSignatureInvalid,
                                   "the signature does not verify with the device's key; request "
                                   "a new challenge" +
                                       remaining,
                                   "signature"));
          case Result_::bad_code:
            return done(make_error(kAcceptCodeInvalid,
                                   "the one-time code is missing or wrong" + remaining, "code"));
          case Result_::voided:
            return done(make_error(kShareVoid, "too many failed attempts; the key share is void"));
        }
      }));
}

namespace {
enum class Step { decline, give_back, revoke };

// Keys shared on from a key that ends (revoked or returned) end with it, and so do the keys
// shared on from those: no key outlives the one it was cut from. Breadth first over the
// vehicle's shares; a share is visited once, so the walk ends.
Result<void> revoke_reshared(storage::Writes& w, std::vector<storage::EventRecord>& events,
                             const KeyShareRecord& ended, const std::string& owner_id,
                             std::string_view why, UnixMillis now) {
  PADDOCK_ASSIGN(all, w.key_shares().shares_of_vehicle(ended.vehicle_id));
  std::vector<std::string> frontier{ended.id};
  bool any_issued = false;
  std::vector<KeyShareRecord> revoked;
  for (std::size_t i = 0; i < frontier.size(); ++i) {
    for (auto& child : all) {
      if (child.via_share_id != frontier[i]) continue;
      if (child.status != kShareOffered && child.status != kShareIssued) continue;
      std::string expected = child.status;
      any_issued = any_issued || expected == kShareIssued;
      child.status = std::string(kShareRevoked);
      child.updated_at = now;
      PADDOCK_ASSIGN(changed, w.key_shares().update_share(child, expected));
      if (!changed) continue;
      frontier.push_back(child.id);
      revoked.push_back(child);
    }
  }
  std::string detail = "the key it was shared from was " + std::string(why);
  if (any_issued) {
    PADDOCK_ASSIGN(version, w.key_shares().bump_revocation_version(ended.vehicle_id));
    detail += "; revocation list version " + std::to_string(version);
  }
  for (const auto& child : revoked) {
    PADDOCK_TRY(w.key_shares().append_audit({0, child.vehicle_id, child.id, child.credential_id,
                                             "server", "", "revoked", detail, now}));
    PADDOCK_ASSIGN(view, view_of(child));
    PADDOCK_TRY(tell_owner_and_sharer(w, events, kKeyRevoked, view, owner_id, now));
    PADDOCK_TRY(emit(w, events,
                     key_event(kKeyRevoked, view, child.recipient_id, std::nullopt, false, now)));
  }
  return {};
}

// Revokes an offered or issued share for a reason outside the share's own flow (its device
// removed, its vehicle transferred): the revocation list version moves when it was issued,
// an audit line by `actor_id` (the server when empty), key.revoked to the owner, the sharer
// and the holder, and the keys shared on from it end too. False iff it was already over or a
// concurrent step changed it first.
Result<bool> revoke_for(storage::Writes& w, std::vector<storage::EventRecord>& events,
                        KeyShareRecord s, const std::string& owner_id,
                        const std::string& actor_id, std::string detail, UnixMillis now) {
  if (s.status != kShareOffered && s.status != kShareIssued) return false;
  std::string expected = s.status;
  s.status = std::string(kShareRevoked);
  s.updated_at = now;
  PADDOCK_ASSIGN(changed, w.key_shares().update_share(s, expected));
  if (!changed) return false;
  if (expected == kShareIssued) {
    PADDOCK_ASSIGN(version, w.key_shares().bump_revocation_version(s.vehicle_id));
    detail += "; revocation list version " + std::to_string(version);
  }
  PADDOCK_TRY(w.key_shares().append_audit({0, s.vehicle_id, s.id, s.credential_id,
                                           actor_id.empty() ? "server" : "user", actor_id,
                                           "revoked", std::move(detail), now}));
  PADDOCK_ASSIGN(view, view_of(s));
  PADDOCK_TRY(tell_owner_and_sharer(w, events, kKeyRevoked, view, owner_id, now));
  PADDOCK_TRY(emit(w, events, key_event(kKeyRevoked, view, s.recipient_id, std::nullopt, false, now)));
  PADDOCK_TRY(revoke_reshared(w, events, s, owner_id, "revoked", now));
  return true;
}
}  // namespace

void KeyShareService::transition(const std::string& user_id, const std::string& share_id, int kind,
                                 Callback<ShareView> done) {
  if (!looks_like_id(share_id)) return done(share_not_found());
  Step step = static_cast<Step>(kind);
  UnixMillis now = now_millis();
  commit<ShareView>(
      [user_id, share_id, step, now](storage::Writes& w) -> Result<Committed<ShareView>> {
        PADDOCK_ASSIGN(found, w.key_shares().share_by_id(share_id));
        if (!found) return share_not_found();
        KeyShareRecord s = std::move(*found);
        PADDOCK_ASSIGN(vehicle, w.sharing().vehicle_by_id(s.vehicle_id));
        if (!vehicle) return share_not_found();
        const std::string& owner_id = vehicle->owner_id;

        std::string expected = s.status;
        std::string_view action;
        const events::EventKind* kind = nullptr;
        switch (step) {
          case Step::decline:
            if (s.recipient_id != user_id) return share_not_found();
            if (s.status != kShareOffered) return state_conflict(s, "declined");
            s.status = std::string(kShareDeclined);
            action = "declined";
            kind = &kKeyDeclined;
            break;
          case Step::give_back:
            if (s.recipient_id != user_id) return share_not_found();
            if (s.status != kShareIssued) return state_conflict(s, "returned");
            s.status = std::string(kShareReturned);
            action = "returned";
            kind = &kKeyReturned;
            break;
          case Step::revoke:
            if (user_id != owner_id && user_id != s.sharer_id) return share_not_found();
            if (s.status != kShareOffered && s.status != kShareIssued) {
              return state_conflict(s, "revoked");
            }
            s.status = std::string(kShareRevoked);
            action = "revoked";
            kind = &kKeyRevoked;
            break;
        }
        s.updated_at = now;
        PADDOCK_ASSIGN(changed, w.key_shares().update_share(s, expected));
        if (!changed) return state_conflict(s, action);
        std::string detail;
        if (expected == kShareIssued) {
          // The car must learn of it: the revocation list's version moves in this job.
          PADDOCK_ASSIGN(version, w.key_shares().bump_revocation_version(s.vehicle_id));
          detail = "revocation list version " + std::to_string(version);
        }
        PADDOCK_TRY(record_audit(w, s, action, user_id, std::move(detail), now));
        PADDOCK_ASSIGN(view, view_of(s));
        Committed<ShareView> out{view, {}};
        PADDOCK_TRY(tell_owner_and_sharer(w, out.events, *kind, view, owner_id, now));
        if (step == Step::revoke) {
          PADDOCK_TRY(emit(w, out.events,
                           key_event(*kind, view, s.recipient_id, std::nullopt, false, now)));
        }
        if (step != Step::decline) {
          PADDOCK_TRY(revoke_reshared(w, out.events, s, owner_id, action, now));
        }
        return out;
      },
      std::move(done));
}

void KeyShareService::decline(const std::string& user_id, const std::string& share_id,
                              Callback<ShareView> done) {
  transition(user_id, share_id, static_cast<int>(Step::decline), std::move(done));
}

void KeyShareService::give_back(const std::string& user_id, const std::string& share_id,
                                Callback<ShareView> done) {
  transition(user_id, share_id, static_cast<int>(Step::give_back), std::move(done));
}

void KeyShareService::revoke(const std::string& user_id, const std::string& share_id,
                             Callback<ShareView> done) {
  transition(user_id, share_id, static_cast<int>(Step::revoke), std::move(done));
}

Result<ShareView> KeyShareService::get(const std::string& user_id, const std::string& share_id,
                                       bool& with_credential) {
  if (!looks_like_id(share_id)) return share_not_found();
  auto& r = store_.reads();
  PADDOCK_ASSIGN(s, r.key_shares().share_by_id(share_id));
  if (!s) return share_not_found();
  with_credential = s->recipient_id == user_id;
  if (!with_credential && s->sharer_id != user_id) {
    PADDOCK_ASSIGN(v, r.sharing().vehicle_by_id(s->vehicle_id));
    if (!v || v->owner_id != user_id) return share_not_found();
  }
  return view_of(std::move(*s));
}

Result<std::vector<ShareView>> KeyShareService::list(const std::string& user_id,
                                                     const std::string& vehicle_id) {
  auto& r = store_.reads();
  PADDOCK_TRY(vehicle_for_owner(r, user_id, vehicle_id));
  PADDOCK_ASSIGN(shares, r.key_shares().shares_of_vehicle(vehicle_id));
  std::vector<ShareView> out;
  out.reserve(shares.size());
  for (auto& s : shares) {
    PADDOCK_ASSIGN(view, view_of(std::move(s)));
    out.push_back(std::move(view));
  }
  return out;
}

Result<AuditPage> KeyShareService::audit(const std::string& user_id, const std::string& vehicle_id,
                                         std::int64_t after, int limit) {
  auto& r = store_.reads();
  PADDOCK_TRY(vehicle_for_owner(r, user_id, vehicle_id));
  limit = std::clamp(limit, 1, kMaxAuditPage);
  PADDOCK_ASSIGN(records, r.key_shares().audit_of(vehicle_id, after, limit));
  AuditPage page;
  if (static_cast<int>(records.size()) == limit) page.next = records.back().seq;
  page.records = std::move(records);
  return page;
}


Result<std::function<void()>> KeyShareService::on_device_removed(storage::Writes& w,
                                                                 const std::string& user_id,
                                                                 const std::string& device_id) {
  UnixMillis now = now_millis();
  PADDOCK_ASSIGN(bound, w.key_shares().shares_of_device(user_id, device_id));
  std::vector<storage::EventRecord> events;
  for (auto& s : bound) {
    PADDOCK_ASSIGN(vehicle, w.sharing().vehicle_by_id(s.vehicle_id));
    if (!vehicle) continue;
    PADDOCK_TRY(revoke_for(w, events, std::move(s), vehicle->owner_id, user_id, "device removed",
                           now));
  }
  return publisher(std::move(events));
}

Result<void> KeyShareService::on_vehicle_transferred(storage::Writes& w,
                                                     const std::string& vehicle_id,
                                                     const std::string& old_owner_id,
                                                     std::vector<storage::EventRecord>& events) {
  UnixMillis now = now_millis();
  PADDOCK_ASSIGN(shares, w.key_shares().shares_of_vehicle(vehicle_id));
  for (auto& s : shares) {
    PADDOCK_TRY(revoke_for(w, events, std::move(s), old_owner_id, old_owner_id,
                           "vehicle transferred", now));
  }
  PADDOCK_ASSIGN(units, w.head_units().head_units_of(vehicle_id));
  for (const auto& unit : units) {
    PADDOCK_TRY(w.head_units().delete_head_unit(vehicle_id, unit.id));
  }
  return {};
}

std::function<void()> KeyShareService::publisher(std::vector<storage::EventRecord> events) {
  if (events.empty()) return {};
  return [this, events = std::move(events)]() mutable { live_.publish(std::move(events)); };
}

}  // namespace paddock::keys
