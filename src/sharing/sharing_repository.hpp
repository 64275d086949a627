#pragma once
// sharing/sharing_repository: what the sharing module keeps (vehicles, their authorized users,
// the message library, follows), as the interface a storage backend implements. Follow
// confirmations are single-use secrets (storage/secrets.hpp); feed events go to the event log
// (events/event_log.hpp). Owned by sharing; depends on core and the plain records in
// storage/records.hpp. Every call returns a value, never throws.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.hpp"
#include "storage/records.hpp"

namespace paddock::sharing {

class SharingReads {
 public:
  virtual ~SharingReads() = default;
  virtual Result<std::optional<storage::VehicleRecord>> vehicle_by_id(std::string_view id) = 0;
  virtual Result<std::optional<storage::VehicleRecord>> vehicle_by_vin(std::string_view vin) = 0;
  virtual Result<std::optional<storage::VehicleRecord>> vehicle_by_plate_key(
      std::string_view plate_key) = 0;
  // Vehicles the user owns or is an authorized user of, oldest first.
  virtual Result<std::vector<storage::VehicleRecord>> vehicles_of_member(
      std::string_view user_id) = 0;
  // Authorized users of the vehicle, in the order they were added.
  virtual Result<std::vector<storage::MemberRecord>> members_of(std::string_view vehicle_id) = 0;
  virtual Result<bool> is_member(std::string_view vehicle_id, std::string_view user_id) = 0;
  virtual Result<std::optional<storage::MessageRecord>> message_by_id(std::string_view id) = 0;
  // Messages with seq > after whose type bit is in `types`, by seq, at most `limit`.
  virtual Result<std::vector<storage::MessageRecord>> messages_page(std::string_view vehicle_id,
                                                                    std::int64_t after,
                                                                    unsigned types, int limit) = 0;
  virtual Result<std::optional<storage::FollowRecord>> follow_by_id(std::string_view id) = 0;
  virtual Result<std::optional<storage::FollowRecord>> follow_of(std::string_view vehicle_id,
                                                                 std::string_view follower_id) = 0;
  // Oldest first.
  virtual Result<std::vector<storage::FollowRecord>> follows_of_user(
      std::string_view follower_id) = 0;
  virtual Result<std::vector<storage::FollowRecord>> followers_of(std::string_view vehicle_id) = 0;
  // Pending and active follows of every vehicle, and every vehicle's visibility text (to
  // rebuild the live index at start).
  virtual Result<std::vector<storage::FollowRecord>> all_live_follows() = 0;
  virtual Result<std::vector<std::pair<std::string, std::string>>> all_vehicle_visibilities() = 0;
  virtual Result<int> count_active_followers(std::string_view vehicle_id) = 0;
};

class SharingWrites : public SharingReads {
 public:
  // Error identification_taken iff the VIN or the plate is already registered.
  virtual Result<void> insert_vehicle(const storage::VehicleRecord& vehicle) = 0;
  // Writes owner, nickname, visibility and requires_approval.
  virtual Result<void> update_vehicle(const storage::VehicleRecord& vehicle) = 0;
  // Removes the vehicle with its messages, members and follows.
  virtual Result<void> delete_vehicle(std::string_view vehicle_id) = 0;
  // Adds the member; adding one twice is not an error.
  virtual Result<void> put_member(const storage::MemberRecord& member) = 0;
  // True iff the user was an authorized user (and no longer is).
  virtual Result<bool> delete_member(std::string_view vehicle_id, std::string_view user_id) = 0;
  // Increments and returns the vehicle's message sequence; not_found if there is no vehicle.
  virtual Result<std::int64_t> next_message_seq(std::string_view vehicle_id) = 0;
  virtual Result<void> insert_message(const storage::MessageRecord& message) = 0;
  // Both at once: inserts `message` at the vehicle's next sequence number (its own seq is
  // ignored) and returns that number; not_found if there is no vehicle. A backend whose every
  // statement is a network round trip (PostgreSQL) does it in one.
  virtual Result<std::int64_t> insert_next_message(const storage::MessageRecord& message) {
    auto seq = next_message_seq(message.vehicle_id);
    if (!seq) return seq;
    auto numbered = message;
    numbered.seq = *seq;
    if (auto inserted = insert_message(numbered); !inserted) return inserted.take_error();
    return seq;
  }
  // Writes text, attributes and updated_at.
  virtual Result<void> update_message(const storage::MessageRecord& message) = 0;
  virtual Result<void> delete_message(std::string_view message_id) = 0;
  virtual Result<void> insert_follow(const storage::FollowRecord& follow) = 0;
  // Writes status, types, approved and muted.
  virtual Result<void> update_follow(const storage::FollowRecord& follow) = 0;
  virtual Result<void> delete_follow(std::string_view follow_id) = 0;
};

}  // namespace paddock::sharing
