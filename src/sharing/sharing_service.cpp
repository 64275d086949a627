#include "sharing/sharing_service.hpp"

#include <boost/json/serialize.hpp>

#include <algorithm>
#include <charconv>

#include "core/ids.hpp"
#include "core/text.hpp"
#include "identity/tokens.hpp"
#include "sharing/identification.hpp"
#include "sharing/views.hpp"

namespace paddock::sharing {
namespace {

using storage::EventRecord;
using storage::FollowRecord;
using storage::MessageRecord;
using storage::VehicleRecord;

Error vehicle_not_found() { return make_error(Errc::not_found, "no such vehicle"); }
Error owner_only() {
  return make_error(Errc::forbidden, "only the vehicle's owner may do this");
}

Result<std::string> check_nickname(std::string_view nickname) {
  std::size_t length = utf8_length(nickname);
  if (length < 1 || length > 64 || has_control_characters(nickname)) {
    return make_error(Errc::invalid_field,
                      "nickname must be 1 to 64 characters without control characters",
                      "nickname");
  }
  return std::string(nickname);
}

EventRecord message_event(std::string type, const MessageRecord& m, boost::json::object payload) {
  EventRecord e;
  e.vehicle_id = m.vehicle_id;
  e.type = std::move(type);
  e.message_type = m.type;
  e.message_id = m.id;
  e.payload = boost::json::serialize(payload);
  e.created_at = now_millis();
  return e;
}

EventRecord personal_event(std::string type, const FollowRecord& f, const std::string& nickname) {
  EventRecord e;
  e.vehicle_id = f.vehicle_id;
  e.target_user = f.follower_id;
  e.type = std::move(type);
  e.payload = boost::json::serialize(follow_view(f, nickname));
  e.created_at = now_millis();
  return e;
}

// Appends and records the event with its assigned seq.
void emit(storage::Writes& w, FeedUpdate& update, EventRecord event) {
  event.seq = w.append_event(event);
  update.events.push_back(std::move(event));
}

// Looks a vehicle up for someone who must be its owner or authorized user.
Result<VehicleRecord> vehicle_for_member(storage::Reads& r, const std::string& user_id,
                                         const std::string& vehicle_id) {
  if (!looks_like_id(vehicle_id)) return vehicle_not_found();
  auto v = r.vehicle_by_id(vehicle_id);
  if (!v) return vehicle_not_found();
  if (v->owner_id == user_id || r.is_member(vehicle_id, user_id)) return std::move(*v);
  // Followers know the vehicle exists; others learn nothing.
  auto f = r.follow_of(vehicle_id, user_id);
  if (f && f->status != "blocked") {
    return make_error(Errc::forbidden, "only the owner and authorized users may do this");
  }
  return vehicle_not_found();
}

Result<VehicleRecord> vehicle_for_owner(storage::Reads& r, const std::string& user_id,
                                        const std::string& vehicle_id) {
  auto v = vehicle_for_member(r, user_id, vehicle_id);
  if (!v) return v;
  if (v->owner_id != user_id) return owner_only();
  return v;
}

struct CheckedIdentification {
  std::optional<std::string> vin;
  std::optional<std::string> plate_number, plate_region, plate_key;
};

Result<CheckedIdentification> check_identification(const std::optional<std::string>& vin,
                                                   const std::optional<PlateInput>& plate) {
  CheckedIdentification out;
  if (vin) {
    auto v = normalize_vin(*vin);
    if (!v) return v.take_error();
    out.vin = std::move(*v);
  }
  if (plate) {
    auto number = normalize_plate_number(plate->number);
    if (!number) return number.take_error();
    auto region = normalize_region(plate->region);
    if (!region) return region.take_error();
    out.plate_key = plate_key(*region, *number);
    out.plate_number = std::move(*number);
    out.plate_region = std::move(*region);
  }
  if (!out.vin && !out.plate_key) {
    return make_error(Errc::invalid_field, "give a vin, a plate, or both", "vin");
  }
  return out;
}

}  // namespace

Result<std::int64_t> parse_cursor(std::string_view text) {
  if (text.empty()) return std::int64_t{0};
  std::int64_t value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || ptr != text.data() + text.size() || value < 0 || text.size() > 19) {
    return make_error(Errc::invalid_cursor,
                      "the cursor is not one this server issued; use the cursor of the last "
                      "event you received",
                      "cursor");
  }
  return value;
}

SharingService::SharingService(storage::Store& store, LiveFeed& live)
    : store_(store), live_(live) {}

template <class T>
void SharingService::commit(std::function<Result<Outcome<T>>(storage::Writes&)> job,
                            Callback<T> done) {
  store_.write<Outcome<T>>(std::move(job), [this, done = std::move(done)](
                                               Result<Outcome<T>> outcome) {
    if (!outcome) return done(outcome.take_error());
    if (!outcome->update.empty()) live_.apply(std::move(outcome->update));
    done(std::move(outcome->value));
  });
}

Role SharingService::role_of(storage::Reads& reads, const VehicleRecord& vehicle,
                             const std::string& user_id) {
  if (vehicle.owner_id == user_id || reads.is_member(vehicle.id, user_id)) return Role::member;
  auto follow = reads.follow_of(vehicle.id, user_id);
  if (!follow || follow->status != "active") return Role::stranger;
  return follow->approved ? Role::approved_follower : Role::follower;
}

// ---- Vehicles ------------------------------------------------------------------------------

void SharingService::create_vehicle(const std::string& user_id, VehicleInput input,
                                    Callback<VehicleRecord> done) {
  auto id = check_identification(input.vin, input.plate);
  if (!id) return done(id.take_error());
  auto nickname = check_nickname(input.nickname.value_or(
      id->plate_number ? *id->plate_number : id->vin.value_or("my vehicle")));
  if (!nickname) return done(nickname.take_error());
  VisibilityPolicy policy = VisibilityPolicy::defaults();
  for (auto [type, audience] : input.visibility) policy.set(type, audience);

  VehicleRecord v;
  v.id = new_id("veh");
  v.owner_id = user_id;
  v.vin = id->vin;
  v.plate_number = id->plate_number;
  v.plate_region = id->plate_region;
  v.plate_key = id->plate_key;
  v.nickname = std::move(*nickname);
  v.visibility = policy.encode();
  v.requires_approval = input.requires_approval.value_or(false);
  v.created_at = now_millis();
  commit<VehicleRecord>(
      [v, policy](storage::Writes& w) -> Result<Outcome<VehicleRecord>> {
        if (auto ok = w.insert_vehicle(v); !ok) return ok.take_error();
        Outcome<VehicleRecord> out{v, {}};
        out.update.policies.emplace_back(v.id, policy);
        return out;
      },
      std::move(done));
}

Result<VehicleDetails> SharingService::vehicle(const std::string& user_id,
                                               const std::string& vehicle_id) {
  auto& r = store_.reads();
  if (!looks_like_id(vehicle_id)) return vehicle_not_found();
  auto v = r.vehicle_by_id(vehicle_id);
  if (!v) return vehicle_not_found();
  VehicleDetails d{*v, {}, r.count_active_followers(vehicle_id), role_of(r, *v, user_id)};
  if (d.role == Role::member) {
    d.authorized_users = r.members_of(vehicle_id);
    return d;
  }
  // Followers (even pending) may see what the prompt showed; strangers learn nothing.
  auto f = r.follow_of(vehicle_id, user_id);
  if (!f || f->status == "blocked") return vehicle_not_found();
  return d;
}

std::vector<VehicleRecord> SharingService::vehicles_of(const std::string& user_id) {
  return store_.reads().vehicles_of_member(user_id);
}

void SharingService::update_vehicle(const std::string& user_id, const std::string& vehicle_id,
                                    VehicleInput patch, Callback<VehicleRecord> done) {
  if (patch.vin || patch.plate) {
    return done(make_error(Errc::invalid_field,
                           "a vehicle's VIN and plate cannot change; register it anew",
                           patch.vin ? "vin" : "plate"));
  }
  std::optional<std::string> nickname;
  if (patch.nickname) {
    auto checked = check_nickname(*patch.nickname);
    if (!checked) return done(checked.take_error());
    nickname = std::move(*checked);
  }
  commit<VehicleRecord>(
      [user_id, vehicle_id, patch = std::move(patch),
       nickname](storage::Writes& w) -> Result<Outcome<VehicleRecord>> {
        auto v = vehicle_for_owner(w, user_id, vehicle_id);
        if (!v) return v.take_error();
        VisibilityPolicy policy = VisibilityPolicy::decode(v->visibility);
        for (auto [type, audience] : patch.visibility) policy.set(type, audience);
        if (nickname) v->nickname = *nickname;
        if (patch.requires_approval) v->requires_approval = *patch.requires_approval;
        v->visibility = policy.encode();
        w.update_vehicle(*v);
        Outcome<VehicleRecord> out{*v, {}};
        out.update.policies.emplace_back(v->id, policy);
        return out;
      },
      std::move(done));
}

void SharingService::delete_vehicle(const std::string& user_id, const std::string& vehicle_id,
                                    Callback<bool> done) {
  commit<bool>(
      [user_id, vehicle_id](storage::Writes& w) -> Result<Outcome<bool>> {
        auto v = vehicle_for_owner(w, user_id, vehicle_id);
        if (!v) return v.take_error();
        Outcome<bool> out{true, {}};
        for (auto& f : w.followers_of(vehicle_id)) {
          if (f.status != "blocked") {
            emit(w, out.update, personal_event("vehicle.deleted", f, v->nickname));
          }
          out.update.follows_gone.push_back(f);
        }
        w.delete_vehicle(vehicle_id);
        out.update.vehicles_gone.push_back(vehicle_id);
        return out;
      },
      std::move(done));
}

void SharingService::transfer_vehicle(const std::string& user_id, const std::string& vehicle_id,
                                      const std::string& new_owner_id,
                                      Callback<VehicleRecord> done) {
  commit<VehicleRecord>(
      [user_id, vehicle_id, new_owner_id](storage::Writes& w) -> Result<Outcome<VehicleRecord>> {
        auto v = vehicle_for_owner(w, user_id, vehicle_id);
        if (!v) return v.take_error();
        if (!looks_like_id(new_owner_id) || !w.user_by_id(new_owner_id)) {
          return make_error(Errc::invalid_field, "no user has that id", "new_owner_id");
        }
        Outcome<VehicleRecord> out{*v, {}};
        if (new_owner_id == user_id) return out;
        // The new owner is no longer a mere authorized user or follower of their own car.
        w.delete_member(vehicle_id, new_owner_id);
        if (auto f = w.follow_of(vehicle_id, new_owner_id)) {
          w.delete_follow(f->id);
          out.update.follows_gone.push_back(*f);
        }
        out.value.owner_id = new_owner_id;
        w.update_vehicle(out.value);
        return out;
      },
      std::move(done));
}

// ---- Authorized users ----------------------------------------------------------------------

void SharingService::put_authorized_user(const std::string& user_id,
                                         const std::string& vehicle_id,
                                         const std::string& member_id,
                                         Callback<std::vector<storage::MemberRecord>> done) {
  commit<std::vector<storage::MemberRecord>>(
      [user_id, vehicle_id, member_id](
          storage::Writes& w) -> Result<Outcome<std::vector<storage::MemberRecord>>> {
        auto v = vehicle_for_owner(w, user_id, vehicle_id);
        if (!v) return v.take_error();
        if (!looks_like_id(member_id) || !w.user_by_id(member_id)) {
          return make_error(Errc::not_found, "no such user");
        }
        if (member_id == v->owner_id) {
          return make_error(Errc::invalid_field, "the owner already has full access", "userId");
        }
        Outcome<std::vector<storage::MemberRecord>> out;
        w.put_member({vehicle_id, member_id, now_millis()});
        // Members see everything; a follow of their own would only duplicate it.
        if (auto f = w.follow_of(vehicle_id, member_id)) {
          w.delete_follow(f->id);
          out.update.follows_gone.push_back(*f);
        }
        out.value = w.members_of(vehicle_id);
        return out;
      },
      std::move(done));
}

void SharingService::delete_authorized_user(const std::string& user_id,
                                            const std::string& vehicle_id,
                                            const std::string& member_id, Callback<bool> done) {
  commit<bool>(
      [user_id, vehicle_id, member_id](storage::Writes& w) -> Result<Outcome<bool>> {
        auto v = vehicle_for_owner(w, user_id, vehicle_id);
        if (!v) return v.take_error();
        if (!w.delete_member(vehicle_id, member_id)) {
          return make_error(Errc::not_found, "that user is not an authorized user");
        }
        return Outcome<bool>{true, {}};
      },
      std::move(done));
}

// ---- Messages ------------------------------------------------------------------------------

void SharingService::post_message(const std::string& user_id, const std::string& vehicle_id,
                                  NewMessage message, Callback<MessageRecord> done) {
  auto type = parse_type(message.type);
  if (!type) {
    return done(make_error(Errc::invalid_field,
                           "type must be one of status, trip, maintenance, alert, sale, social",
                           "type"));
  }
  if (utf8_length(message.text) > kMaxMessageChars) {
    return done(make_error(Errc::invalid_field,
                           "text must be at most " + std::to_string(kMaxMessageChars) +
                               " characters",
                           "text"));
  }
  MessageRecord m;
  m.id = new_id("msg");
  m.vehicle_id = vehicle_id;
  m.type = static_cast<int>(*type);
  m.text = std::move(message.text);
  m.attributes = std::move(message.attributes);
  m.author_id = user_id;
  commit<MessageRecord>(
      [user_id, m = std::move(m)](storage::Writes& w) mutable -> Result<Outcome<MessageRecord>> {
        auto v = vehicle_for_member(w, user_id, m.vehicle_id);
        if (!v) return v.take_error();
        m.seq = w.next_message_seq(m.vehicle_id);
        m.created_at = now_millis();
        w.insert_message(m);
        Outcome<MessageRecord> out{m, {}};
        emit(w, out.update, message_event("message.created", m, message_view(m)));
        return out;
      },
      std::move(done));
}

void SharingService::edit_message(const std::string& user_id, const std::string& vehicle_id,
                                  const std::string& message_id, MessageEdit edit,
                                  Callback<MessageRecord> done) {
  if (edit.text && utf8_length(*edit.text) > kMaxMessageChars) {
    return done(make_error(Errc::invalid_field,
                           "text must be at most " + std::to_string(kMaxMessageChars) +
                               " characters",
                           "text"));
  }
  commit<MessageRecord>(
      [user_id, vehicle_id, message_id,
       edit = std::move(edit)](storage::Writes& w) -> Result<Outcome<MessageRecord>> {
        auto v = vehicle_for_member(w, user_id, vehicle_id);
        if (!v) return v.take_error();
        auto m = looks_like_id(message_id) ? w.message_by_id(message_id) : std::nullopt;
        if (!m || m->vehicle_id != vehicle_id) return make_error(Errc::not_found, "no such message");
        if (edit.text) m->text = *edit.text;
        if (edit.attributes) m->attributes = *edit.attributes;
        m->updated_at = now_millis();
        w.update_message(*m);
        Outcome<MessageRecord> out{*m, {}};
        emit(w, out.update, message_event("message.updated", *m, message_view(*m)));
        return out;
      },
      std::move(done));
}

void SharingService::delete_message(const std::string& user_id, const std::string& vehicle_id,
                                    const std::string& message_id, Callback<bool> done) {
  commit<bool>(
      [user_id, vehicle_id, message_id](storage::Writes& w) -> Result<Outcome<bool>> {
        auto v = vehicle_for_member(w, user_id, vehicle_id);
        if (!v) return v.take_error();
        auto m = looks_like_id(message_id) ? w.message_by_id(message_id) : std::nullopt;
        if (!m || m->vehicle_id != vehicle_id) return make_error(Errc::not_found, "no such message");
        w.delete_message(message_id);
        // The message's text must not outlive it in the feed log: earlier events go, and the
        // deletion itself carries only the id.
        w.delete_message_events(message_id);
        Outcome<bool> out{true, {}};
        EventRecord deleted = message_event("message.deleted", *m, deleted_message_view(*m));
        deleted.message_id.reset();
        emit(w, out.update, std::move(deleted));
        return out;
      },
      std::move(done));
}

Result<std::vector<MessageRecord>> SharingService::messages(const std::string& user_id,
                                                            const std::string& vehicle_id,
                                                            std::int64_t after, int limit,
                                                            TypeSet requested) {
  auto& r = store_.reads();
  if (!looks_like_id(vehicle_id)) return vehicle_not_found();
  auto v = r.vehicle_by_id(vehicle_id);
  if (!v) return vehicle_not_found();
  Role role = role_of(r, *v, user_id);
  TypeSet visible = VisibilityPolicy::decode(v->visibility).visible_to(role) & requested;
  if (visible == 0) return std::vector<MessageRecord>{};
  return r.messages_page(vehicle_id, after, visible, limit);
}

// ---- Following -----------------------------------------------------------------------------

void SharingService::request_follow(const std::string& user_id, Identification id,
                                    std::optional<TypeSet> types, Callback<FollowPrompt> done) {
  auto& r = store_.reads();
  std::optional<VehicleRecord> v;
  if (id.vin) {
    auto vin = normalize_vin(*id.vin, "identification.vin");
    if (!vin) return done(vin.take_error());
    v = r.vehicle_by_vin(*vin);
  } else if (id.plate) {
    auto number = normalize_plate_number(id.plate->number, "identification.plate.number");
    if (!number) return done(number.take_error());
    auto region = normalize_region(id.plate->region, "identification.plate.region");
    if (!region) return done(region.take_error());
    v = r.vehicle_by_plate_key(plate_key(*region, *number));
  } else {
    return done(make_error(Errc::invalid_field, "identification needs a vin or a plate",
                           "identification"));
  }
  if (!v) return done(make_error(Errc::not_found, "no vehicle is registered under that identification"));
  if (v->owner_id == user_id || r.is_member(v->id, user_id)) {
    return done(make_error(Errc::cannot_follow_own_vehicle,
                           "you own or share this vehicle; you already see all of it"));
  }
  auto existing = r.follow_of(v->id, user_id);
  if (existing && existing->status == "blocked") {
    return done(make_error(Errc::not_found, "no vehicle is registered under that identification"));
  }
  if (existing) {
    return done(make_error(Errc::already_following, "you already follow this vehicle; see /v1/follows"));
  }

  auto policy = VisibilityPolicy::decode(v->visibility);
  FollowPrompt prompt{v->id,
                      v->nickname,
                      policy.visible_to(Role::follower),
                      r.count_active_followers(v->id),
                      v->requires_approval,
                      {},
                      now_millis() + kConfirmationTtlSeconds * 1000LL};
  auto token = identity::issue_token();
  prompt.confirmation_token = std::move(token.token);
  storage::ConfirmationRecord confirmation{token.hash, user_id, v->id, types.value_or(kAllTypes),
                                           prompt.expires_at};
  store_.write<FollowPrompt>(
      [confirmation, prompt](storage::Writes& w) -> Result<FollowPrompt> {
        w.insert_confirmation(confirmation);
        return prompt;
      },
      std::move(done));
}

void SharingService::confirm_follow(const std::string& user_id, const std::string& token,
                                    Callback<FollowRecord> done) {
  Error invalid = make_error(Errc::confirmation_invalid,
                             "the confirmation token is unknown, used or expired; send the follow "
                             "request again",
                             "confirmation_token");
  if (!identity::looks_like_token(token)) return done(invalid);
  commit<FollowRecord>(
      [user_id, hash = identity::hash_token(token),
       invalid](storage::Writes& w) -> Result<Outcome<FollowRecord>> {
        auto c = w.take_confirmation(hash);
        // Somebody else's token is as good as none: it was issued to them.
        if (!c || c->user_id != user_id || c->expires_at <= now_millis()) return invalid;
        auto v = w.vehicle_by_id(c->vehicle_id);
        if (!v) return invalid;
        if (v->owner_id == user_id || w.is_member(v->id, user_id)) {
          return make_error(Errc::cannot_follow_own_vehicle, "you own or share this vehicle");
        }
        if (auto existing = w.follow_of(v->id, user_id)) {
          if (existing->status == "blocked") return invalid;
          return make_error(Errc::already_following, "you already follow this vehicle");
        }
        FollowRecord f{new_id("fol"), v->id,    user_id, v->requires_approval ? "pending" : "active",
                       c->types,      false,    false,   now_millis()};
        w.insert_follow(f);
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
  return r.followers_of(vehicle_id);
}

void SharingService::moderate_follower(const std::string& user_id, const std::string& vehicle_id,
                                       const std::string& follow_id, Moderation action,
                                       Callback<FollowRecord> done) {
  commit<FollowRecord>(
      [user_id, vehicle_id, follow_id, action](storage::Writes& w) -> Result<Outcome<FollowRecord>> {
        auto v = vehicle_for_owner(w, user_id, vehicle_id);
        if (!v) return v.take_error();
        auto f = looks_like_id(follow_id) ? w.follow_by_id(follow_id) : std::nullopt;
        if (!f || f->vehicle_id != vehicle_id) return make_error(Errc::not_found, "no such follower");
        Outcome<FollowRecord> out{*f, {}};
        switch (action) {
          case Moderation::approve:
            if (f->status == "blocked") {
              return make_error(Errc::invalid_field, "unblock (DELETE) a blocked follower first",
                                "status");
            }
            out.value.status = "active";
            out.value.approved = true;
            w.update_follow(out.value);
            out.update.follows_set.push_back(out.value);
            emit(w, out.update, personal_event("follow.approved", out.value, v->nickname));
            break;
          case Moderation::reject:
            w.delete_follow(f->id);
            out.value.status = "removed";
            out.update.follows_gone.push_back(*f);
            if (f->status != "blocked") {
              emit(w, out.update, personal_event("follow.removed", out.value, v->nickname));
            }
            break;
          case Moderation::block:
            out.value.status = "blocked";
            out.value.approved = false;
            w.update_follow(out.value);
            out.update.follows_gone.push_back(*f);
            if (f->status != "blocked") {
              // The follower is told the follow ended, not that they were blocked.
              FollowRecord told = out.value;
              told.status = "removed";
              emit(w, out.update, personal_event("follow.removed", told, v->nickname));
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

std::vector<FollowRecord> SharingService::follows_of(const std::string& user_id) {
  auto all = store_.reads().follows_of_user(user_id);
  std::erase_if(all, [](const FollowRecord& f) { return f.status == "blocked"; });
  return all;
}

void SharingService::update_follow(const std::string& user_id, const std::string& follow_id,
                                   std::optional<TypeSet> types, std::optional<bool> muted,
                                   Callback<FollowRecord> done) {
  commit<FollowRecord>(
      [user_id, follow_id, types, muted](storage::Writes& w) -> Result<Outcome<FollowRecord>> {
        auto f = looks_like_id(follow_id) ? w.follow_by_id(follow_id) : std::nullopt;
        if (!f || f->follower_id != user_id || f->status == "blocked") {
          return make_error(Errc::not_found, "no such follow");
        }
        if (types) f->types = *types;
        if (muted) f->muted = *muted;
        w.update_follow(*f);
        Outcome<FollowRecord> out{*f, {}};
        out.update.follows_set.push_back(*f);
        return out;
      },
      std::move(done));
}

void SharingService::unfollow(const std::string& user_id, const std::string& follow_id,
                              Callback<bool> done) {
  commit<bool>(
      [user_id, follow_id](storage::Writes& w) -> Result<Outcome<bool>> {
        auto f = looks_like_id(follow_id) ? w.follow_by_id(follow_id) : std::nullopt;
        if (!f || f->follower_id != user_id || f->status == "blocked") {
          return make_error(Errc::not_found, "no such follow");
        }
        w.delete_follow(f->id);
        Outcome<bool> out{true, {}};
        out.update.follows_gone.push_back(*f);
        return out;
      },
      std::move(done));
}

std::string SharingService::nickname_of(const std::string& vehicle_id) {
  auto v = store_.reads().vehicle_by_id(vehicle_id);
  return v ? v->nickname : std::string();
}

// ---- Feed ----------------------------------------------------------------------------------

std::int64_t SharingService::feed_head() { return store_.reads().last_event_seq(); }

Result<FeedPage> SharingService::feed(const std::string& user_id, std::int64_t cursor,
                                      int limit) {
  auto& r = store_.reads();
  // The head is read first: events committed while this page is assembled are left for the
  // next page (or the live stream) rather than risk a gap.
  std::int64_t head = r.last_event_seq();
  if (cursor > head) {
    return make_error(Errc::invalid_cursor, "the cursor is ahead of this server's feed",
                      "cursor");
  }
  FeedPage page;
  for (const auto& f : r.follows_of_user(user_id)) {
    if (f.status == "blocked" || f.muted) continue;
    auto v = r.vehicle_by_id(f.vehicle_id);
    if (!v) continue;
    Role role = f.status == "active" ? (f.approved ? Role::approved_follower : Role::follower)
                                     : Role::stranger;
    TypeSet allowed = VisibilityPolicy::decode(v->visibility).visible_to(role) & f.types;
    if (allowed == 0) continue;
    auto events = r.vehicle_events_after(f.vehicle_id, cursor, allowed, limit);
    page.events.insert(page.events.end(), std::make_move_iterator(events.begin()),
                       std::make_move_iterator(events.end()));
  }
  auto personal = r.personal_events_after(user_id, cursor, limit);
  page.events.insert(page.events.end(), std::make_move_iterator(personal.begin()),
                     std::make_move_iterator(personal.end()));
  std::sort(page.events.begin(), page.events.end(),
            [](const EventRecord& a, const EventRecord& b) { return a.seq < b.seq; });
  std::erase_if(page.events, [head](const EventRecord& e) { return e.seq > head; });
  if (static_cast<int>(page.events.size()) >= limit) {
    page.events.resize(static_cast<std::size_t>(limit));
    page.next_cursor = page.events.back().seq;
  } else {
    page.next_cursor = head;
  }
  return page;
}

}  // namespace paddock::sharing
