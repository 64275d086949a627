#pragma once
// storage/sqlite/queries: the SQL behind storage::Writes (and so Reads) on one connection.
#include "storage/sqlite/connection.hpp"
#include "storage/store.hpp"

namespace paddock::storage::sqlite {

class Queries final : public Writes {
 public:
  explicit Queries(Connection& db) : db_(db) {}

  std::optional<UserRecord> user_by_id(std::string_view id) override;
  std::optional<UserRecord> user_by_username(std::string_view username) override;
  std::optional<SessionRecord> session_by_token_hash(std::string_view token_hash) override;
  std::vector<DeviceRecord> devices_of_user(std::string_view user_id) override;
  std::optional<DeviceRecord> device_by_id(std::string_view id) override;
  std::optional<ChallengeRecord> challenge(std::string_view device_id,
                                           std::string_view nonce) override;

  std::optional<VehicleRecord> vehicle_by_id(std::string_view id) override;
  std::optional<VehicleRecord> vehicle_by_vin(std::string_view vin) override;
  std::optional<VehicleRecord> vehicle_by_plate_key(std::string_view plate_key) override;
  std::vector<VehicleRecord> vehicles_of_member(std::string_view user_id) override;
  std::vector<MemberRecord> members_of(std::string_view vehicle_id) override;
  bool is_member(std::string_view vehicle_id, std::string_view user_id) override;
  std::optional<MessageRecord> message_by_id(std::string_view id) override;
  std::vector<MessageRecord> messages_page(std::string_view vehicle_id, std::int64_t after,
                                           unsigned types, int limit) override;
  std::optional<FollowRecord> follow_by_id(std::string_view id) override;
  std::optional<FollowRecord> follow_of(std::string_view vehicle_id,
                                        std::string_view follower_id) override;
  std::vector<FollowRecord> follows_of_user(std::string_view follower_id) override;
  std::vector<FollowRecord> followers_of(std::string_view vehicle_id) override;
  std::vector<FollowRecord> all_live_follows() override;
  std::vector<std::pair<std::string, std::string>> all_vehicle_visibilities() override;
  int count_active_followers(std::string_view vehicle_id) override;
  std::vector<EventRecord> vehicle_events_after(std::string_view vehicle_id, std::int64_t after,
                                                unsigned types, int limit) override;
  std::vector<EventRecord> personal_events_after(std::string_view user_id, std::int64_t after,
                                                 int limit) override;
  std::int64_t last_event_seq() override;

  Result<void> insert_vehicle(const VehicleRecord& vehicle) override;
  void update_vehicle(const VehicleRecord& vehicle) override;
  void delete_vehicle(std::string_view vehicle_id) override;
  void put_member(const MemberRecord& member) override;
  bool delete_member(std::string_view vehicle_id, std::string_view user_id) override;
  std::int64_t next_message_seq(std::string_view vehicle_id) override;
  void insert_message(const MessageRecord& message) override;
  void update_message(const MessageRecord& message) override;
  void delete_message(std::string_view message_id) override;
  void insert_follow(const FollowRecord& follow) override;
  void update_follow(const FollowRecord& follow) override;
  void delete_follow(std::string_view follow_id) override;
  void insert_confirmation(const ConfirmationRecord& confirmation) override;
  std::optional<ConfirmationRecord> take_confirmation(std::string_view token_hash) override;
  std::int64_t append_event(const EventRecord& event) override;
  void delete_message_events(std::string_view message_id) override;

  Result<void> insert_user(const UserRecord& user) override;
  void insert_session(const SessionRecord& session) override;
  bool delete_session(std::string_view token_hash) override;
  void insert_device(const DeviceRecord& device) override;
  void clear_primary_devices(std::string_view user_id) override;
  bool delete_device(std::string_view device_id, std::string_view user_id) override;
  void mark_device_verified(std::string_view device_id, UnixMillis at) override;
  void insert_challenge(const ChallengeRecord& challenge) override;
  std::optional<ChallengeRecord> take_challenge(std::string_view device_id,
                                                std::string_view nonce) override;
  std::size_t purge_expired(UnixMillis now) override;

 private:
  Connection& db_;
};

}  // namespace paddock::storage::sqlite
