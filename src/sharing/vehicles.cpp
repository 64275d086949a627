// SharingService, vehicles and their authorized users.
#include "core/ids.hpp"
#include "core/text.hpp"
#include "sharing/access.hpp"
#include "sharing/event_kinds.hpp"
#include "sharing/identification.hpp"

namespace paddock::sharing {
namespace {

using storage::FollowStatus;
using storage::MemberRecord;
using storage::VehicleRecord;

Result<std::string> check_nickname(std::string_view nickname) {
  return check_name(nickname, "nickname");
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
        PADDOCK_TRY(w.sharing().insert_vehicle(v));
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
  PADDOCK_ASSIGN(v, r.sharing().vehicle_by_id(vehicle_id));
  if (!v) return vehicle_not_found();
  PADDOCK_ASSIGN(follower_count, r.sharing().count_active_followers(vehicle_id));
  PADDOCK_ASSIGN(role, role_of(r, *v, user_id));
  VehicleDetails d{*v, {}, follower_count, role};
  if (d.role == Role::member) {
    PADDOCK_ASSIGN(members, r.sharing().members_of(vehicle_id));
    d.authorized_users = std::move(members);
    return d;
  }
  // Followers (even pending) may see what the prompt showed; strangers learn nothing.
  PADDOCK_ASSIGN(f, r.sharing().follow_of(vehicle_id, user_id));
  if (!f || f->status == FollowStatus::blocked) return vehicle_not_found();
  return d;
}

Result<std::vector<VehicleRecord>> SharingService::vehicles_of(const std::string& user_id) {
  return store_.reads().sharing().vehicles_of_member(user_id);
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
        PADDOCK_TRY(w.sharing().update_vehicle(*v));
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
        PADDOCK_ASSIGN(followers, w.sharing().followers_of(vehicle_id));
        for (auto& f : followers) {
          if (f.status != FollowStatus::blocked) {
            PADDOCK_TRY(emit(w, out.update, follow_event(kVehicleDeleted.name, f, v->nickname)));
          }
          out.update.follows_gone.push_back(f);
        }
        PADDOCK_TRY(w.events().delete_vehicle_events(vehicle_id));
        PADDOCK_TRY(w.sharing().delete_vehicle(vehicle_id));
        out.update.vehicles_gone.push_back(vehicle_id);
        return out;
      },
      std::move(done));
}

void SharingService::transfer_vehicle(const std::string& user_id, const std::string& vehicle_id,
                                      const std::string& new_owner_id,
                                      Callback<VehicleRecord> done) {
  commit<VehicleRecord>(
      [user_id, vehicle_id, new_owner_id,
       hook = transfer_hook_](storage::Writes& w) -> Result<Outcome<VehicleRecord>> {
        auto v = vehicle_for_owner(w, user_id, vehicle_id);
        if (!v) return v.take_error();
        if (!looks_like_id(new_owner_id)) {
          return make_error(Errc::invalid_field, "no user has that id", "new_owner_id");
        }
        PADDOCK_ASSIGN(new_owner, w.identity().user_by_id(new_owner_id));
        if (!new_owner) {
          return make_error(Errc::invalid_field, "no user has that id", "new_owner_id");
        }
        Outcome<VehicleRecord> out{*v, {}};
        if (new_owner_id == user_id) return out;
        // The new owner is no longer a mere authorized user or follower of their own car.
        PADDOCK_TRY(w.sharing().delete_member(vehicle_id, new_owner_id));
        PADDOCK_ASSIGN(f, w.sharing().follow_of(vehicle_id, new_owner_id));
        if (f) {
          PADDOCK_TRY(w.sharing().delete_follow(f->id));
          out.update.follows_gone.push_back(*f);
        }
        out.value.owner_id = new_owner_id;
        PADDOCK_TRY(w.sharing().update_vehicle(out.value));
        if (hook) {
          PADDOCK_TRY(hook->on_vehicle_transferred(w, vehicle_id, user_id, out.update.events));
        }
        return out;
      },
      std::move(done));
}

void SharingService::put_authorized_user(const std::string& user_id, const std::string& vehicle_id,
                                         const std::string& member_id,
                                         Callback<std::vector<MemberRecord>> done) {
  commit<std::vector<MemberRecord>>(
      [user_id, vehicle_id,
       member_id](storage::Writes& w) -> Result<Outcome<std::vector<MemberRecord>>> {
        auto v = vehicle_for_owner(w, user_id, vehicle_id);
        if (!v) return v.take_error();
        if (!looks_like_id(member_id)) return make_error(Errc::not_found, "no such user");
        PADDOCK_ASSIGN(member, w.identity().user_by_id(member_id));
        if (!member) return make_error(Errc::not_found, "no such user");
        if (member_id == v->owner_id) {
          return make_error(Errc::invalid_field, "the owner already has full access", "userId");
        }
        Outcome<std::vector<MemberRecord>> out;
        PADDOCK_TRY(w.sharing().put_member({vehicle_id, member_id, now_millis()}));
        // Members see everything; a follow of their own would only duplicate it.
        PADDOCK_ASSIGN(f, w.sharing().follow_of(vehicle_id, member_id));
        if (f) {
          PADDOCK_TRY(w.sharing().delete_follow(f->id));
          out.update.follows_gone.push_back(*f);
        }
        PADDOCK_ASSIGN(members, w.sharing().members_of(vehicle_id));
        out.value = std::move(members);
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
        PADDOCK_ASSIGN(removed, w.sharing().delete_member(vehicle_id, member_id));
        if (!removed) return make_error(Errc::not_found, "that user is not an authorized user");
        return Outcome<bool>{true, {}};
      },
      std::move(done));
}

std::string SharingService::nickname_of(const std::string& vehicle_id) {
  auto v = store_.reads().sharing().vehicle_by_id(vehicle_id);
  return v && *v ? (*v)->nickname : std::string();
}

}  // namespace paddock::sharing
