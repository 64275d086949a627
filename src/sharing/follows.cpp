// SharingService, following: requests with a prompt and a single-use confirmation, follower
// moderation, and a follower's own follows.
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "core/ids.hpp"
#include "identity/tokens.hpp"
#include "sharing/access.hpp"
#include "sharing/errors.hpp"
#include "sharing/event_kinds.hpp"
#include "sharing/identification.hpp"

namespace paddock::sharing {
namespace {

using storage::FollowRecord;
using storage::FollowStatus;
using storage::VehicleRecord;

// What a confirmation token redeems for, as the secret's payload.
struct Confirmation {
  std::string user_id;
  std::string vehicle_id;
  TypeSet types = 0;
};

std::string encode(const Confirmation& c) {
  return boost::json::serialize(boost::json::object{
      {"user_id", c.user_id}, {"vehicle_id", c.vehicle_id}, {"types", c.types}});
}

std::optional<Confirmation> decode(std::string_view payload) {
  boost::system::error_code ec;
  auto value = boost::json::parse(payload, ec);
  const auto* o = ec ? nullptr : value.if_object();
  if (!o) return std::nullopt;
  const auto* user = o->if_contains("user_id");
  const auto* vehicle = o->if_contains("vehicle_id");
  const auto* types = o->if_contains("types");
  if (!user || !user->is_string() || !vehicle || !vehicle->is_string() || !types ||
      !types->is_int64()) {
    return std::nullopt;
  }
  return Confirmation{std::string(user->get_string()), std::string(vehicle->get_string()),
                      static_cast<TypeSet>(types->get_int64())};
}

Error not_registered() {
  return make_error(Errc::not_found, "no vehicle is registered under that identification");
}

// A follow the follower may manage: theirs and not blocked.
Result<FollowRecord> own_follow(storage::Reads& r, const std::string& user_id,
                                const std::string& follow_id) {
  if (!looks_like_id(follow_id)) return make_error(Errc::not_found, "no such follow");
  PADDOCK_ASSIGN(f, r.sharing().follow_by_id(follow_id));
  if (!f || f->follower_id != user_id || f->status == FollowStatus::blocked) {
    return make_error(Errc::not_found, "no such follow");
  }
  return std::move(*f);
}

}  // namespace

void SharingService::request_follow(const std::string& user_id, Identification id,
                                    std::optional<TypeSet> types, Callback<FollowPrompt> done) {
  auto& r = store_.reads();
  Result<std::optional<VehicleRecord>> found = std::optional<VehicleRecord>{};
  if (id.vin) {
    auto vin = normalize_vin(*id.vin, "identification.vin");
    if (!vin) return done(vin.take_error());
    found = r.sharing().vehicle_by_vin(*vin);
  } else if (id.plate) {
    auto number = normalize_plate_number(id.plate->number, "identification.plate.number");
    if (!number) return done(number.take_error());
    auto region = normalize_region(id.plate->region, "identification.plate.region");
    if (!region) return done(region.take_error());
    found = r.sharing().vehicle_by_plate_key(plate_key(*region, *number));
  } else {
    return done(
        make_error(Errc::invalid_field, "identification needs a vin or a plate", "identification"));
  }
  if (!found) return done(found.take_error());
  auto& v = *found;
  if (!v) return done(not_registered());
  prompt_follow(user_id, *v, types, std::move(done));
}

void SharingService::request_follow_of_vehicle(const std::string& user_id,
                                               const std::string& vehicle_id,
                                               Callback<FollowPrompt> done) {
  auto found = store_.reads().sharing().vehicle_by_id(vehicle_id);
  if (!found) return done(found.take_error());
  if (!*found) return done(not_registered());
  prompt_follow(user_id, **found, std::nullopt, std::move(done));
}

void SharingService::prompt_follow(const std::string& user_id, const VehicleRecord& vehicle,
                                   std::optional<TypeSet> types, Callback<FollowPrompt> done) {
  auto& r = store_.reads();
  const VehicleRecord* v = &vehicle;
  auto member = r.sharing().is_member(v->id, user_id);
  if (!member) return done(member.take_error());
  if (v->owner_id == user_id || *member) {
    return done(make_error(kCannotFollowOwnVehicle,
                           "you own or share this vehicle; you already see all of it"));
  }
  auto existing = r.sharing().follow_of(v->id, user_id);
  if (!existing) return done(existing.take_error());
  if (*existing && (*existing)->status == FollowStatus::blocked) return done(not_registered());
  if (*existing) {
    return done(
        make_error(kAlreadyFollowing, "you already follow this vehicle; see /v1/follows"));
  }
  auto follower_count = r.sharing().count_active_followers(v->id);
  if (!follower_count) return done(follower_count.take_error());

  auto policy = VisibilityPolicy::decode(v->visibility);
  FollowPrompt prompt{v->id,
                      v->nickname,
                      policy.visible_to(Role::follower),
                      *follower_count,
                      v->requires_approval,
                      {},
                      now_millis() + kConfirmationTtlSeconds * 1000LL};
  auto token = identity::issue_token();
  prompt.confirmation_token = std::move(token.token);
  storage::SecretRecord secret{std::string(kConfirmationPurpose), token.hash,
                               encode({user_id, v->id, types.value_or(kAllTypes)}),
                               prompt.expires_at};
  store_.write<FollowPrompt>(
      [secret, prompt](storage::Writes& w) -> Result<FollowPrompt> {
        PADDOCK_TRY(w.secrets().put_secret(secret));
        return prompt;
      },
      std::move(done));
}

void SharingService::confirm_follow(const std::string& user_id, const std::string& token,
                                    Callback<FollowRecord> done) {
  Error invalid = make_error(kConfirmationInvalid,
                             "the confirmation token is unknown, used or expired; send the follow "
                             "request again",
                             "confirmation_token");
  if (!identity::looks_like_token(token)) return done(invalid);
  commit<FollowRecord>(
      [user_id, hash = identity::hash_token(token),
       invalid](storage::Writes& w) -> Result<Outcome<FollowRecord>> {
        PADDOCK_ASSIGN(secret, w.secrets().take_secret(kConfirmationPurpose, hash, now_millis()));
        auto c = secret ? decode(secret->payload) : std::nullopt;
        // Somebody else's token is as good as none: it was issued to them.
        if (!c || c->user_id != user_id) return invalid;
        PADDOCK_ASSIGN(v, w.sharing().vehicle_by_id(c->vehicle_id));
        if (!v) return invalid;
        PADDOCK_ASSIGN(member, w.sharing().is_member(v->id, user_id));
        if (v->owner_id == user_id || member) {
          return make_error(kCannotFollowOwnVehicle, "you own or share this vehicle");
        }
        PADDOCK_ASSIGN(existing, w.sharing().follow_of(v->id, user_id));
        if (existing) {
          if (existing->status == FollowStatus::blocked) return invalid;
          return make_error(kAlreadyFollowing, "you already follow this vehicle");
        }
        FollowRecord f{
            new_id("fol"), v->id,
            user_id,       v->requires_approval ? FollowStatus::pending : FollowStatus::active,
            c->types,      false,
            false,         now_millis()};
        PADDOCK_TRY(w.sharing().insert_follow(f));
        Outcome<FollowRecord> out{f, {}};
        out.update.follows_set.push_back(f);
        return out;
      },
      std::move(done));
}

Result<std::vector<FollowRecord>> SharingService::followers(const std::string& user_id,
                                                            const std::string& vehicle_id) {
  auto& r = store_.reads();
  auto v = vehicle_for_owner(r, user_id, vehicle_id);
  if (!v) return v.take_error();
  return r.sharing().followers_of(vehicle_id);
}

void SharingService::moderate_follower(const std::string& user_id, const std::string& vehicle_id,
                                       const std::string& follow_id, Moderation action,
                                       Callback<FollowRecord> done) {
  commit<FollowRecord>(
      [user_id, vehicle_id, follow_id,
       action](storage::Writes& w) -> Result<Outcome<FollowRecord>> {
        auto v = vehicle_for_owner(w, user_id, vehicle_id);
        if (!v) return v.take_error();
        std::optional<FollowRecord> f;
        if (looks_like_id(follow_id)) {
          PADDOCK_ASSIGN(found, w.sharing().follow_by_id(follow_id));
          f = std::move(found);
        }
        if (!f || f->vehicle_id != vehicle_id)
          return make_error(Errc::not_found, "no such follower");
        Outcome<FollowRecord> out{*f, {}};
        const bool was_blocked = f->status == FollowStatus::blocked;
        switch (action) {
          case Moderation::approve:
            if (was_blocked) {
              return make_error(Errc::invalid_field, "unblock (DELETE) a blocked follower first",
                                "status");
            }
            out.value.status = FollowStatus::active;
            out.value.approved = true;
            PADDOCK_TRY(w.sharing().update_follow(out.value));
            out.update.follows_set.push_back(out.value);
            PADDOCK_TRY(
                emit(w, out.update, follow_event(kFollowApproved.name, out.value, v->nickname)));
            break;
          case Moderation::reject:
            PADDOCK_TRY(w.sharing().delete_follow(f->id));
            out.value.status = FollowStatus::removed;
            out.update.follows_gone.push_back(*f);
            if (!was_blocked) {
              PADDOCK_TRY(
                  emit(w, out.update, follow_event(kFollowRemoved.name, out.value, v->nickname)));
            }
            break;
          case Moderation::block:
            out.value.status = FollowStatus::blocked;
            out.value.approved = false;
            PADDOCK_TRY(w.sharing().update_follow(out.value));
            out.update.follows_gone.push_back(*f);
            if (!was_blocked) {
              // The follower is told the follow ended, not that they were blocked.
              FollowRecord told = out.value;
              told.status = FollowStatus::removed;
              PADDOCK_TRY(
                  emit(w, out.update, follow_event(kFollowRemoved.name, told, v->nickname)));
            }
            break;
        }
        return out;
      },
      std::move(done));
}

void SharingService::remove_follower(const std::string& user_id, const std::string& vehicle_id,
                                     const std::string& follow_id, Callback<bool> done) {
  moderate_follower(user_id, vehicle_id, follow_id, Moderation::reject,
                    [done = std::move(done)](Result<FollowRecord> r) {
                      if (!r) return done(r.take_error());
                      done(true);
                    });
}

Result<std::vector<FollowRecord>> SharingService::follows_of(const std::string& user_id) {
  PADDOCK_ASSIGN(all, store_.reads().sharing().follows_of_user(user_id));
  std::erase_if(all, [](const FollowRecord& f) { return f.status == FollowStatus::blocked; });
  return std::move(all);
}

void SharingService::update_follow(const std::string& user_id, const std::string& follow_id,
                                   std::optional<TypeSet> types, std::optional<bool> muted,
                                   Callback<FollowRecord> done) {
  commit<FollowRecord>(
      [user_id, follow_id, types, muted](storage::Writes& w) -> Result<Outcome<FollowRecord>> {
        PADDOCK_ASSIGN(f, own_follow(w, user_id, follow_id));
        if (types) f.types = *types;
        if (muted) f.muted = *muted;
        PADDOCK_TRY(w.sharing().update_follow(f));
        Outcome<FollowRecord> out{f, {}};
        out.update.follows_set.push_back(f);
        return out;
      },
      std::move(done));
}

void SharingService::unfollow(const std::string& user_id, const std::string& follow_id,
                              Callback<bool> done) {
  commit<bool>(
      [user_id, follow_id](storage::Writes& w) -> Result<Outcome<bool>> {
        PADDOCK_ASSIGN(f, own_follow(w, user_id, follow_id));
        PADDOCK_TRY(w.sharing().delete_follow(f.id));
        Outcome<bool> out{true, {}};
        out.update.follows_gone.push_back(f);
        return out;
      },
      std::move(done));
}

}  // namespace paddock::sharing
