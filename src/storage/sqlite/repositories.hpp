#pragma once
// storage/sqlite/repositories: the SQLite implementation of every module's repository, one
// class per module (each in a .cpp of its own), and the Context that hands them out on one
// connection as a storage::Writes (and so Reads). Internal to storage/sqlite.
#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <array>
#include <cstring>
#include <optional>
#include <utility>

#include "storage/sqlite/rows.hpp"
#include "storage/store.hpp"

namespace paddock::storage::sqlite {

// Bumped by the writer after each commit that deleted a session, before any of the batch's
// completions runs: read threads check the sessions they cached against it (SqliteIdentity).
struct SessionsVersion {
  std::atomic<std::uint64_t> value{0};
};

// On a read thread (given a SessionsVersion) it also caches what it read, so that an
// authenticated request usually costs no read transaction (each costs SQLite a pair of fcntl
// locks and its mutexes, about a sixth of a GET /v1/me): users, which never change or go, and
// sessions, until a commit deleted a session. Only committed rows are ever read here, a session
// read before a deletion carries the older version and so is not used after it, and callers
// still check a session's expiry. Inserts need no invalidation (nothing negative is cached).
// Another process (the command line) never deletes sessions or users.
class SqliteIdentity final : public identity::IdentityWrites {
 public:
  explicit SqliteIdentity(Link& link, const SessionsVersion* sessions_version = nullptr)
      : link_(link), sessions_version_(sessions_version) {}
  Result<std::optional<UserRecord>> user_by_id(std::string_view id) override;
  Result<std::optional<UserRecord>> user_by_username(std::string_view username) override;
  Result<std::optional<SessionRecord>> session_by_token_hash(std::string_view token_hash) override;
  Result<void> insert_user(const UserRecord& user) override;
  Result<void> insert_session(const SessionRecord& session) override;
  Result<bool> delete_session(std::string_view token_hash) override;
  Result<std::size_t> purge_expired_sessions(UnixMillis now) override;

  // True (once) iff a session was deleted through this repository since the last call.
  bool take_deleted_sessions() { return std::exchange(deleted_sessions_, false); }

 private:
  Result<std::optional<SessionRecord>> read_session(std::string_view token_hash);
  // Per cache: beyond this many entries it starts again (a thread serves that many sessions
  // only under a storm of logins; the next request simply reads).
  static constexpr std::size_t kMaxCached = 10'000;
  struct TextHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  // A session is cached under its token hash's 32 bytes (the hex text decoded), with what
  // else its record holds: every live follower's session sits here, so an entry is kept small
  // (no 64-character key string, no second copy of it in the record). Hashes that are not 64
  // lower-case hex digits (none that identity makes) are cached under their text.
  using TokenDigest = std::array<std::uint8_t, 32>;
  struct DigestHash {
    // The digest is a cryptographic hash already: its first bytes are as good as any.
    std::size_t operator()(const TokenDigest& d) const noexcept {
      std::size_t h;
      std::memcpy(&h, d.data(), sizeof h);
      return h;
    }
  };
  struct CachedSession {
    std::string user_id;
    UnixMillis created_at = 0;
    UnixMillis expires_at = 0;
    std::uint64_t version = 0;
  };
  static std::optional<TokenDigest> token_digest(std::string_view token_hash);

  Link& link_;
  const SessionsVersion* sessions_version_;  // null: no cache (the writer's repository)
  std::unordered_map<TokenDigest, CachedSession, DigestHash> sessions_;
  std::unordered_map<std::string, CachedSession, TextHash, std::equal_to<>> other_sessions_;
  // The cached session under `key` in `cache`, or reads it and caches it there.
  template <class Cache, class Key>
  Result<std::optional<SessionRecord>> cached_session(Cache& cache, const Key& key,
                                                      std::string_view token_hash);
  std::unordered_map<std::string, UserRecord, TextHash, std::equal_to<>> users_;
  bool deleted_sessions_ = false;
};

class SqliteDevices final : public devices::DeviceWrites {
 public:
  explicit SqliteDevices(Link& link) : link_(link) {}
  Result<std::vector<DeviceRecord>> devices_of_user(std::string_view user_id) override;
  Result<std::optional<DeviceRecord>> device_by_id(std::string_view id) override;
  Result<void> insert_device(const DeviceRecord& device) override;
  Result<void> clear_primary_devices(std::string_view user_id) override;
  Result<bool> delete_device(std::string_view device_id, std::string_view user_id) override;
  Result<void> mark_device_verified(std::string_view device_id, UnixMillis at) override;

 private:
  Link& link_;
};

class SqliteSharing final : public sharing::SharingWrites {
 public:
  explicit SqliteSharing(Link& link) : link_(link) {}
  Result<std::optional<VehicleRecord>> vehicle_by_id(std::string_view id) override;
  Result<std::optional<VehicleRecord>> vehicle_by_vin(std::string_view vin) override;
  Result<std::optional<VehicleRecord>> vehicle_by_plate_key(std::string_view plate_key) override;
  Result<std::vector<VehicleRecord>> vehicles_of_member(std::string_view user_id) override;
  Result<std::vector<MemberRecord>> members_of(std::string_view vehicle_id) override;
  Result<bool> is_member(std::string_view vehicle_id, std::string_view user_id) override;
  Result<std::optional<MessageRecord>> message_by_id(std::string_view id) override;
  Result<std::vector<MessageRecord>> messages_page(std::string_view vehicle_id, std::int64_t after,
                                                   unsigned types, int limit) override;
  Result<std::optional<FollowRecord>> follow_by_id(std::string_view id) override;
  Result<std::optional<FollowRecord>> follow_of(std::string_view vehicle_id,
                                                std::string_view follower_id) override;
  Result<std::vector<FollowRecord>> follows_of_user(std::string_view follower_id) override;
  Result<std::vector<FollowRecord>> followers_of(std::string_view vehicle_id) override;
  Result<std::vector<FollowRecord>> all_live_follows() override;
  Result<std::vector<std::pair<std::string, std::string>>> all_vehicle_visibilities() override;
  Result<int> count_active_followers(std::string_view vehicle_id) override;

  Result<void> insert_vehicle(const VehicleRecord& vehicle) override;
  Result<void> update_vehicle(const VehicleRecord& vehicle) override;
  Result<void> delete_vehicle(std::string_view vehicle_id) override;
  Result<void> put_member(const MemberRecord& member) override;
  Result<bool> delete_member(std::string_view vehicle_id, std::string_view user_id) override;
  Result<std::int64_t> next_message_seq(std::string_view vehicle_id) override;
  Result<void> insert_message(const MessageRecord& message) override;
  Result<void> update_message(const MessageRecord& message) override;
  Result<void> delete_message(std::string_view message_id) override;
  Result<void> insert_follow(const FollowRecord& follow) override;
  Result<void> update_follow(const FollowRecord& follow) override;
  Result<void> delete_follow(std::string_view follow_id) override;

 private:
  Link& link_;
};

class SqliteEventLog final : public events::EventLogWrites {
 public:
  explicit SqliteEventLog(Link& link) : link_(link) {}
  Result<std::vector<EventRecord>> vehicle_events_after(std::string_view vehicle_id,
                                                        std::int64_t after, unsigned types,
                                                        int limit) override;
  Result<std::vector<EventRecord>> personal_events_after(std::string_view user_id,
                                                         std::optional<std::string_view> device_id,
                                                         std::int64_t after, int limit) override;
  Result<std::int64_t> last_event_seq() override;
  Result<std::vector<EventRecord>> events_after(std::int64_t after, int limit) override;
  Result<std::int64_t> append_event(const EventRecord& event) override;
  Result<void> delete_message_events(std::string_view message_id) override;
  Result<void> delete_vehicle_events(std::string_view vehicle_id) override;

 private:
  Link& link_;
};

class SqliteContacts final : public keys::ContactWrites {
 public:
  explicit SqliteContacts(Link& link) : link_(link) {}
  Result<std::vector<keys::ContactRecord>> contacts_of(std::string_view owner_id) override;
  Result<std::optional<keys::ContactRecord>> contact_of(std::string_view owner_id,
                                                        std::string_view contact_id) override;
  Result<void> put_contact(const keys::ContactRecord& contact) override;
  Result<bool> delete_contact(std::string_view owner_id, std::string_view contact_id) override;

 private:
  Link& link_;
};

class SqliteLinks final : public links::LinkWrites {
 public:
  explicit SqliteLinks(Link& link) : link_(link) {}
  Result<std::optional<links::LinkRecord>> link_by_id(std::string_view id) override;
  Result<std::vector<links::LinkRecord>> links_of_user(std::string_view user_id,
                                                       int limit) override;
  Result<void> insert_link(const links::LinkRecord& link) override;
  Result<bool> update_link(const links::LinkRecord& link) override;

 private:
  Link& link_;
};

class SqliteChargePoints final : public ocpp::ChargePointWrites {
 public:
  explicit SqliteChargePoints(Link& link) : link_(link) {}
  Result<bool> is_operator(std::string_view user_id) override;
  Result<std::optional<ocpp::ChargePointRecord>> charge_point(std::string_view id) override;
  Result<std::vector<ocpp::ChargePointRecord>> charge_points() override;
  Result<std::vector<ocpp::ConnectorRecord>> connectors_of(
      std::string_view charge_point_id) override;
  Result<std::optional<ocpp::TransactionRecord>> transaction(std::int64_t id) override;
  Result<std::vector<ocpp::TransactionRecord>> running_transactions(
      std::string_view charge_point_id) override;
  Result<std::optional<ocpp::TransactionRecord>> running_transaction_of_vehicle(
      std::string_view vehicle_id) override;
  Result<bool> id_tag_in_use(std::string_view id_tag) override;
  Result<void> grant_operator(std::string_view user_id, UnixMillis at) override;
  Result<void> insert_charge_point(const ocpp::ChargePointRecord& charge_point) override;
  Result<bool> approve(std::string_view id) override;
  Result<void> record_boot(std::string_view id, std::string_view firmware_version,
                           std::string_view serial_number, UnixMillis at) override;
  Result<void> record_heartbeat(std::string_view id, UnixMillis at) override;
  Result<void> put_connector(const ocpp::ConnectorRecord& connector) override;
  Result<std::int64_t> start_transaction(const ocpp::TransactionRecord& transaction) override;
  Result<bool> stop_transaction(std::int64_t id, std::int64_t meter_stop, UnixMillis at,
                                std::string_view reason) override;
  Result<void> record_soc(std::int64_t transaction_id, double soc_percent, UnixMillis at) override;
  Result<bool> link_vehicle(std::int64_t transaction_id, std::string_view vehicle_id) override;

 private:
  Link& link_;
};

class SqliteKeyShares final : public keys::KeyShareWrites {
 public:
  explicit SqliteKeyShares(Link& link) : link_(link) {}
  Result<std::optional<keys::KeyShareRecord>> share_by_id(std::string_view id) override;
  Result<std::vector<keys::KeyShareRecord>> shares_of_vehicle(std::string_view vehicle_id) override;
  Result<std::vector<keys::KeyShareRecord>> shares_received(std::string_view vehicle_id,
                                                            std::string_view recipient_id) override;
  Result<std::vector<keys::KeyShareRecord>> shares_of_device(std::string_view recipient_id,
                                                             std::string_view device_id) override;
  Result<std::vector<std::string>> kids_in_use(UnixMillis now) override;
  Result<std::optional<keys::KeyShareRecord>> share_by_credential_id(
      std::string_view vehicle_id, std::string_view credential_id) override;
  Result<std::vector<keys::KeyAuditRecord>> audit_of(std::string_view vehicle_id,
                                                     std::int64_t after, int limit) override;
  Result<keys::RevocationState> revocations_of(std::string_view vehicle_id,
                                               UnixMillis now) override;
  Result<void> insert_share(const keys::KeyShareRecord& share) override;
  Result<bool> update_share(const keys::KeyShareRecord& share,
                            std::string_view expected_status) override;
  Result<std::int64_t> append_audit(const keys::KeyAuditRecord& record) override;
  Result<std::uint64_t> bump_revocation_version(std::string_view vehicle_id) override;

 private:
  Link& link_;
};

class SqliteHeadUnits final : public keys::HeadUnitWrites {
 public:
  explicit SqliteHeadUnits(Link& link) : link_(link) {}
  Result<std::vector<keys::HeadUnitRecord>> head_units_of(std::string_view vehicle_id) override;
  Result<std::optional<keys::HeadUnitRecord>> head_unit_by_id(std::string_view id) override;
  Result<void> insert_head_unit(const keys::HeadUnitRecord& head_unit) override;
  Result<bool> delete_head_unit(std::string_view vehicle_id, std::string_view id) override;
  Result<bool> advance_report_counter(std::string_view id, std::uint64_t counter) override;

 private:
  Link& link_;
};

class SqliteAntiTheft final : public antitheft::AntiTheftWrites {
 public:
  explicit SqliteAntiTheft(Link& link) : link_(link) {}
  Result<std::optional<antitheft::AntiTheftSettings>> settings(std::string_view vehicle_id) override;
  Result<std::optional<std::string>> vehicle_of_id_tag(std::string_view id_tag) override;
  Result<std::optional<antitheft::ChargeState>> charge_state(std::string_view vehicle_id) override;
  Result<void> put_settings(const antitheft::AntiTheftSettings& settings) override;
  Result<void> put_charge_state(const antitheft::ChargeState& state) override;
  Result<std::optional<antitheft::VehiclePlatformRecord>> platform_by_secret_hash(
      std::string_view secret_hash) override;
  Result<std::optional<antitheft::VehiclePlatformRecord>> platform(std::string_view id) override;
  Result<std::optional<antitheft::TelemetryRecord>> telemetry(std::string_view vehicle_id) override;
  Result<void> insert_platform(const antitheft::VehiclePlatformRecord& platform) override;
  Result<void> put_telemetry(const antitheft::TelemetryRecord& telemetry) override;
  Result<std::optional<antitheft::LockRecord>> latest_lock(std::string_view vehicle_id) override;
  Result<std::vector<antitheft::LockRecord>> live_locks_on(
      std::string_view charge_point_id) override;
  Result<std::vector<antitheft::LockRecord>> locks_to_reverse_on(
      std::string_view charge_point_id) override;
  Result<std::vector<antitheft::LockAuditEntry>> lock_audit(std::string_view lock_id) override;
  Result<void> put_lock(const antitheft::LockRecord& lock) override;
  Result<void> append_lock_audit(const antitheft::LockAuditEntry& entry) override;

 private:
  Link& link_;
};

class SqlitePublishers final : public publishers::PublisherWrites {
 public:
  explicit SqlitePublishers(Link& link) : link_(link) {}
  Result<std::optional<publishers::PublisherRecord>> publisher_by_registration(
      std::string_view registration_id) override;
  Result<std::optional<publishers::PublisherRecord>> publisher_by_id(std::string_view id) override;
  Result<std::vector<publishers::SecretRecord>> secrets_of(
      std::string_view registration_id) override;
  Result<std::optional<publishers::SecretRecord>> newest_secret() override;
  Result<std::optional<publishers::MessageRecord>> publisher_message(
      std::string_view publisher_id, std::string_view message_id) override;
  Result<std::vector<std::string>> message_receivers(std::string_view publisher_id,
                                                     std::string_view message_id) override;
  Result<bool> is_subscribed(std::string_view user_id, std::string_view publisher_id) override;
  Result<std::vector<std::string>> subscriptions_of(std::string_view user_id) override;
  Result<bool> serves_vehicle_of(std::string_view user_id,
                                 std::string_view publisher_id) override;
  Result<std::vector<std::string>> service_providers_of(std::string_view vehicle_id) override;
  Result<bool> put_service_provider(std::string_view vehicle_id, std::string_view publisher_id,
                                    UnixMillis at) override;
  Result<bool> delete_service_provider(std::string_view vehicle_id,
                                       std::string_view publisher_id) override;
  Result<void> delete_service_providers(std::string_view vehicle_id) override;
  Result<std::vector<publishers::OptOut>> opt_outs_of(std::string_view user_id) override;
  Result<std::vector<std::string>> users_opted_out(std::string_view publisher_id,
                                                   std::string_view category) override;
  Result<std::vector<publishers::InboxEntry>> inbox_after(std::string_view user_id,
                                                          std::int64_t after, UnixMillis now,
                                                          int limit) override;
  Result<std::optional<publishers::InboxEntry>> inbox_item(std::string_view user_id,
                                                           std::string_view publisher_id,
                                                           std::string_view message_id,
                                                           UnixMillis now) override;
  Result<publishers::MessageTally> message_tally(std::string_view publisher_id,
                                                 std::string_view message_id) override;
  Result<std::string> message_reach(std::string_view publisher_id,
                                    std::string_view message_id) override;
  Result<std::int64_t> last_publisher_seq() override;
  Result<void> insert_publisher(const publishers::PublisherRecord& publisher) override;
  Result<void> set_publisher_status(std::string_view registration_id, std::string_view status,
                                    UnixMillis at) override;
  Result<bool> assign_publisher_id(std::string_view registration_id, std::string_view id) override;
  Result<void> insert_secret(const publishers::SecretRecord& secret) override;
  Result<void> expire_secrets(std::string_view registration_id, UnixMillis at) override;
  Result<std::int64_t> next_publisher_seq() override;
  Result<void> put_publisher_message(const publishers::MessageRecord& message) override;
  Result<void> add_message_receivers(std::string_view publisher_id, std::string_view message_id,
                                     const std::vector<std::string>& user_ids) override;
  Result<bool> put_subscription(std::string_view user_id, std::string_view publisher_id,
                                UnixMillis at) override;
  Result<bool> delete_subscription(std::string_view user_id,
                                   std::string_view publisher_id) override;
  Result<void> replace_opt_outs(std::string_view user_id,
                                const std::vector<publishers::OptOut>& opt_outs) override;
  Result<void> mark_read(std::string_view user_id, std::string_view publisher_id,
                         std::string_view message_id, bool is_public, UnixMillis at) override;
  Result<void> put_message_reach(std::string_view publisher_id, std::string_view message_id,
                                 std::string_view reach) override;
  Result<void> advance_inbox_cursor(std::string_view user_id, std::int64_t seq,
                                    UnixMillis at) override;

 private:
  Link& link_;
};

class SqliteSecrets final : public SecretWrites {
 public:
  explicit SqliteSecrets(Link& link) : link_(link) {}
  Result<void> put_secret(const SecretRecord& secret) override;
  Result<std::optional<SecretRecord>> take_secret(std::string_view purpose, std::string_view key,
                                                  UnixMillis now) override;
  Result<std::size_t> purge_expired_secrets(UnixMillis now) override;

 private:
  Link& link_;
};

// Every repository on one connection. On a read-only connection only the Reads side is used.
class Context final : public Writes {
 public:
  // `sessions_version`: given for a read thread's context, whose identity reads then cache.
  explicit Context(Connection* db = nullptr, const SessionsVersion* sessions_version = nullptr)
      : identity_(link_, sessions_version) {
    link_.db = db;
  }
  Context(const Context&) = delete;
  Context& operator=(const Context&) = delete;

  void attach(Connection* db) { link_.db = db; }
  bool attached() const { return link_.db != nullptr; }

  identity::IdentityWrites& identity() override { return identity_; }
  devices::DeviceWrites& devices() override { return devices_; }
  sharing::SharingWrites& sharing() override { return sharing_; }
  events::EventLogWrites& events() override { return events_; }
  keys::ContactWrites& contacts() override { return contacts_; }
  links::LinkWrites& links() override { return links_; }
  keys::KeyShareWrites& key_shares() override { return key_shares_; }
  keys::HeadUnitWrites& head_units() override { return head_units_; }
  ocpp::ChargePointWrites& charge_points() override { return charge_points_; }
  antitheft::AntiTheftWrites& antitheft() override { return antitheft_; }
  publishers::PublisherWrites& publishers() override { return publishers_; }
  SecretWrites& secrets() override { return secrets_; }
  Result<void> announce(std::string_view topic, std::string_view payload) override;

  // What this context's jobs announced; the writer drops a rolled-back job's share and hands
  // the rest out after the commit.
  std::vector<std::pair<std::string, std::string>>& announcements() { return announcements_; }
  // Whether this context's jobs deleted a session (the writer then bumps SessionsVersion).
  bool take_deleted_sessions() { return identity_.take_deleted_sessions(); }

 private:
  Link link_;
  std::vector<std::pair<std::string, std::string>> announcements_;
  SqliteIdentity identity_;
  SqliteDevices devices_{link_};
  SqliteSharing sharing_{link_};
  SqliteEventLog events_{link_};
  SqliteContacts contacts_{link_};
  SqliteLinks links_{link_};
  SqliteKeyShares key_shares_{link_};
  SqliteHeadUnits head_units_{link_};
  SqliteChargePoints charge_points_{link_};
  SqliteAntiTheft antitheft_{link_};
  SqlitePublishers publishers_{link_};
  SqliteSecrets secrets_{link_};
};

}  // namespace paddock::storage::sqlite
