// PostgreSQL: NOT YET WRITTEN (skeleton; every call fails until its helper fills it in).
#include "storage/postgres/repositories.hpp"

namespace paddock::storage::postgres {

Result<std::optional<VehicleRecord>> PgSharing::vehicle_by_id(std::string_view id) {
  return make_error(Errc::storage_unavailable, "PgSharing::vehicle_by_id is not written yet");
}

Result<std::optional<VehicleRecord>> PgSharing::vehicle_by_vin(std::string_view vin) {
  return make_error(Errc::storage_unavailable, "PgSharing::vehicle_by_vin is not written yet");
}

Result<std::optional<VehicleRecord>> PgSharing::vehicle_by_plate_key(std::string_view plate_key) {
  return make_error(Errc::storage_unavailable, "PgSharing::vehicle_by_plate_key is not written yet");
}

Result<std::vector<VehicleRecord>> PgSharing::vehicles_of_member(std::string_view user_id) {
  return make_error(Errc::storage_unavailable, "PgSharing::vehicles_of_member is not written yet");
}

Result<std::vector<MemberRecord>> PgSharing::members_of(std::string_view vehicle_id) {
  return make_error(Errc::storage_unavailable, "PgSharing::members_of is not written yet");
}

Result<bool> PgSharing::is_member(std::string_view vehicle_id, std::string_view user_id) {
  return make_error(Errc::storage_unavailable, "PgSharing::is_member is not written yet");
}

Result<std::optional<MessageRecord>> PgSharing::message_by_id(std::string_view id) {
  return make_error(Errc::storage_unavailable, "PgSharing::message_by_id is not written yet");
}

Result<std::vector<MessageRecord>> PgSharing::messages_page(std::string_view vehicle_id, std::int64_t after, unsigned types, int limit) {
  return make_error(Errc::storage_unavailable, "PgSharing::messages_page is not written yet");
}

Result<std::optional<FollowRecord>> PgSharing::follow_by_id(std::string_view id) {
  return make_error(Errc::storage_unavailable, "PgSharing::follow_by_id is not written yet");
}

Result<std::optional<FollowRecord>> PgSharing::follow_of(std::string_view vehicle_id, std::string_view follower_id) {
  return make_error(Errc::storage_unavailable, "PgSharing::follow_of is not written yet");
}

Result<std::vector<FollowRecord>> PgSharing::follows_of_user(std::string_view follower_id) {
  return make_error(Errc::storage_unavailable, "PgSharing::follows_of_user is not written yet");
}

Result<std::vector<FollowRecord>> PgSharing::followers_of(std::string_view vehicle_id) {
  return make_error(Errc::storage_unavailable, "PgSharing::followers_of is not written yet");
}

Result<std::vector<FollowRecord>> PgSharing::all_live_follows() {
  return make_error(Errc::storage_unavailable, "PgSharing::all_live_follows is not written yet");
}

Result<std::vector<std::pair<std::string, std::string>>> PgSharing::all_vehicle_visibilities() {
  return make_error(Errc::storage_unavailable, "PgSharing::all_vehicle_visibilities is not written yet");
}

Result<int> PgSharing::count_active_followers(std::string_view vehicle_id) {
  return make_error(Errc::storage_unavailable, "PgSharing::count_active_followers is not written yet");
}

Result<void> PgSharing::insert_vehicle(const VehicleRecord& vehicle) {
  return make_error(Errc::storage_unavailable, "PgSharing::insert_vehicle is not written yet");
}

Result<void> PgSharing::update_vehicle(const VehicleRecord& vehicle) {
  return make_error(Errc::storage_unavailable, "PgSharing::update_vehicle is not written yet");
}

Result<void> PgSharing::delete_vehicle(std::string_view vehicle_id) {
  return make_error(Errc::storage_unavailable, "PgSharing::delete_vehicle is not written yet");
}

Result<void> PgSharing::put_member(const MemberRecord& member) {
  return make_error(Errc::storage_unavailable, "PgSharing::put_member is not written yet");
}

Result<bool> PgSharing::delete_member(std::string_view vehicle_id, std::string_view user_id) {
  return make_error(Errc::storage_unavailable, "PgSharing::delete_member is not written yet");
}

Result<std::int64_t> PgSharing::next_message_seq(std::string_view vehicle_id) {
  return make_error(Errc::storage_unavailable, "PgSharing::next_message_seq is not written yet");
}

Result<void> PgSharing::insert_message(const MessageRecord& message) {
  return make_error(Errc::storage_unavailable, "PgSharing::insert_message is not written yet");
}

Result<void> PgSharing::update_message(const MessageRecord& message) {
  return make_error(Errc::storage_unavailable, "PgSharing::update_message is not written yet");
}

Result<void> PgSharing::delete_message(std::string_view message_id) {
  return make_error(Errc::storage_unavailable, "PgSharing::delete_message is not written yet");
}

Result<void> PgSharing::insert_follow(const FollowRecord& follow) {
  return make_error(Errc::storage_unavailable, "PgSharing::insert_follow is not written yet");
}

Result<void> PgSharing::update_follow(const FollowRecord& follow) {
  return make_error(Errc::storage_unavailable, "PgSharing::update_follow is not written yet");
}

Result<void> PgSharing::delete_follow(std::string_view follow_id) {
  return make_error(Errc::storage_unavailable, "PgSharing::delete_follow is not written yet");
}

}  // namespace paddock::storage::postgres
