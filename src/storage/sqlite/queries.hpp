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
