#pragma once
// sharing/access: what every part of the sharing service shares: who the caller is to a
// vehicle (the one role_of), the lookups that enforce it, the feed events the parts emit, and
// the commit step that hands a job's FeedUpdate to the live feed. The parts of the service use
// all of it; the hub uses role_of_follow, so that one function decides what a follow grants.
// Depends on storage's unit-of-work interface and this module's rules.
#include <optional>
#include <string>

#include "core/result.hpp"
#include "sharing/live_feed.hpp"
#include "sharing/sharing_service.hpp"
#include "sharing/visibility.hpp"
#include "storage/store.hpp"

namespace paddock::sharing {

inline Error vehicle_not_found() { return make_error(Errc::not_found, "no such vehicle"); }

// What a follow makes its follower: an active follow is a (possibly approved) follower; a
// pending or blocked one is nobody.
Role role_of_follow(const storage::FollowRecord& follow);

// What `user_id` is to `vehicle`: member (owner or authorized user), else by their follow.
// `follow`, when given, receives the follow it read (none for members), so that a caller who
// also needs it (is this user blocked?) does not read it twice.
Result<Role> role_of(storage::Reads& reads, const storage::VehicleRecord& vehicle,
                     const std::string& user_id,
                     std::optional<storage::FollowRecord>* follow = nullptr);

// Looks a vehicle up for someone who must be its owner or authorized user. Followers learn
// forbidden; everybody else not_found.
Result<storage::VehicleRecord> vehicle_for_member(storage::Reads& reads, const std::string& user_id,
                                                  const std::string& vehicle_id);
Result<storage::VehicleRecord> vehicle_for_owner(storage::Reads& reads, const std::string& user_id,
                                                 const std::string& vehicle_id);

// A vehicle event about a message (reaches the vehicle's entitled followers).
storage::EventRecord message_event(std::string_view kind, const storage::MessageRecord& m,
                                   std::string payload);
// A personal event to a follower about their follow of a vehicle.
storage::EventRecord follow_event(std::string_view kind, const storage::FollowRecord& f,
                                  const std::string& nickname);

// Appends `event` to the log and records it, with its seq, in `update`.
Result<void> emit(storage::Writes& w, FeedUpdate& update, storage::EventRecord event);

// Announces, in the job that made them, the changes of `update` that nodes mirror in memory
// (storage::Writes::announce): "follow ID VEHICLE FOLLOWER" for each follow set or gone,
// "vehicle ID" for a changed visibility policy, "vehicle_gone ID". Ids only: a node that hears
// them reads the current state (feed/cluster_feed). Events are not announced: the store
// announces the log's new head at commit.
Result<void> announce_live_state(storage::Writes& w, const FeedUpdate& update);

template <class T>
void SharingService::commit(std::function<Result<Outcome<T>>(storage::Writes&)> job,
                            Callback<T> done) {
  store_.write<Outcome<T>>(
      [job = std::move(job)](storage::Writes& w) -> Result<Outcome<T>> {
        PADDOCK_ASSIGN(outcome, job(w));
        PADDOCK_TRY(announce_live_state(w, outcome.update));
        return outcome;
      },
      [done = std::move(done)](Result<Outcome<T>> outcome) {
        if (!outcome) return done(outcome.take_error());
        done(std::move(outcome->value));
      },
      [this](Outcome<T>& outcome) {
        if (!outcome.update.empty()) live_.apply(std::move(outcome.update));
      });
}

}  // namespace paddock::sharing
