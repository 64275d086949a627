#include "sharing/access.hpp"

#include <boost/json/serialize.hpp>

#include "core/clock.hpp"
#include "core/ids.hpp"
#include "sharing/views.hpp"

namespace paddock::sharing {

using storage::FollowStatus;

Role role_of_follow(const storage::FollowRecord& follow) {
  if (follow.status != FollowStatus::active) return Role::stranger;
  return follow.approved ? Role::approved_follower : Role::follower;
}

Result<Role> role_of(storage::Reads& reads, const storage::VehicleRecord& vehicle,
                     const std::string& user_id, std::optional<storage::FollowRecord>* follow) {
  if (vehicle.owner_id == user_id) return Role::member;
  PADDOCK_ASSIGN(member, reads.sharing().is_member(vehicle.id, user_id));
  if (member) return Role::member;
  PADDOCK_ASSIGN(found, reads.sharing().follow_of(vehicle.id, user_id));
  Role role = found ? role_of_follow(*found) : Role::stranger;
  if (follow) *follow = std::move(found);
  return role;
}

Result<storage::VehicleRecord> vehicle_for_member(storage::Reads& reads, const std::string& user_id,
                                                  const std::string& vehicle_id) {
  if (!looks_like_id(vehicle_id)) return vehicle_not_found();
  auto& sharing = reads.sharing();
  PADDOCK_ASSIGN(v, sharing.vehicle_by_id(vehicle_id));
  if (!v) return vehicle_not_found();
  if (v->owner_id == user_id) return std::move(*v);
  PADDOCK_ASSIGN(member, sharing.is_member(vehicle_id, user_id));
  if (member) return std::move(*v);
  // Followers know the vehicle exists; others learn nothing.
  PADDOCK_ASSIGN(f, sharing.follow_of(vehicle_id, user_id));
  if (f && f->status != FollowStatus::blocked) {
    return make_error(Errc::forbidden, "only the owner and authorized users may do this");
  }
  return vehicle_not_found();
}

Result<storage::VehicleRecord> vehicle_for_owner(storage::Reads& reads, const std::string& user_id,
                                                 const std::string& vehicle_id) {
  auto v = vehicle_for_member(reads, user_id, vehicle_id);
  if (!v) return v;
  if (v->owner_id != user_id) {
    return make_error(Errc::forbidden, "only the vehicle's owner may do this");
  }
  return v;
}

storage::EventRecord message_event(std::string_view kind, const storage::MessageRecord& m,
                                   std::string payload) {
  storage::EventRecord e;
  e.vehicle_id = m.vehicle_id;
  e.type = std::string(kind);
  e.message_type = m.type;
  e.message_id = m.id;
  e.payload = std::move(payload);
  e.created_at = now_millis();
  return e;
}

storage::EventRecord follow_event(std::string_view kind, const storage::FollowRecord& f,
                                  const std::string& nickname) {
  storage::EventRecord e;
  e.vehicle_id = f.vehicle_id;
  e.target_user = f.follower_id;
  e.type = std::string(kind);
  e.payload = boost::json::serialize(follow_view(f, nickname));
  e.created_at = now_millis();
  return e;
}

Result<void> announce_live_state(storage::Writes& w, const FeedUpdate& update) {
  for (const auto* follows : {&update.follows_set, &update.follows_gone}) {
    for (const auto& f : *follows) {
      PADDOCK_TRY(w.announce("follow", f.id + " " + f.vehicle_id + " " + f.follower_id));
    }
  }
  for (const auto& [vehicle_id, policy] : update.policies) {
    PADDOCK_TRY(w.announce("vehicle", vehicle_id));
  }
  for (const auto& vehicle_id : update.vehicles_gone) {
    PADDOCK_TRY(w.announce("vehicle_gone", vehicle_id));
  }
  return {};
}

Result<void> emit(storage::Writes& w, FeedUpdate& update, storage::EventRecord event) {
  PADDOCK_ASSIGN(seq, w.events().append_event(event));
  event.seq = seq;
  update.events.push_back(std::move(event));
  return {};
}

}  // namespace paddock::sharing
