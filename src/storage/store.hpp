#pragma once
// storage/store: the persistence interface the domain modules are written against. The domain
// never sees SQL; an implementation (SQLite now, PostgreSQL later) adapts a database to it.
//
// Reads run synchronously on the calling thread against a snapshot of committed data.
// Writes are jobs handed to a single writer that groups many of them into one transaction
// (group commit): each job runs inside its own savepoint, so a job that fails leaves nothing
// behind, and its completion is called only after the shared transaction is durable.
#include <functional>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "storage/records.hpp"

namespace paddock::storage {

class Reads {
 public:
  virtual ~Reads() = default;
  virtual std::optional<UserRecord> user_by_id(std::string_view id) = 0;
  virtual std::optional<UserRecord> user_by_username(std::string_view username) = 0;
  virtual std::optional<SessionRecord> session_by_token_hash(std::string_view token_hash) = 0;
  // The user's devices, oldest first.
  virtual std::vector<DeviceRecord> devices_of_user(std::string_view user_id) = 0;
  virtual std::optional<DeviceRecord> device_by_id(std::string_view id) = 0;
  virtual std::optional<ChallengeRecord> challenge(std::string_view device_id,
                                                   std::string_view nonce) = 0;

  // Vehicle sharing.
  virtual std::optional<VehicleRecord> vehicle_by_id(std::string_view id) = 0;
  virtual std::optional<VehicleRecord> vehicle_by_vin(std::string_view vin) = 0;
  virtual std::optional<VehicleRecord> vehicle_by_plate_key(std::string_view plate_key) = 0;
  // Vehicles the user owns or is an authorized user of, oldest first.
  virtual std::vector<VehicleRecord> vehicles_of_member(std::string_view user_id) = 0;
  virtual std::vector<MemberRecord> members_of(std::string_view vehicle_id) = 0;
  virtual bool is_member(std::string_view vehicle_id, std::string_view user_id) = 0;
  virtual std::optional<MessageRecord> message_by_id(std::string_view id) = 0;
  // Messages with seq > after whose type bit is in `types`, by seq, at most `limit`.
  virtual std::vector<MessageRecord> messages_page(std::string_view vehicle_id, std::int64_t after,
                                                   unsigned types, int limit) = 0;
  virtual std::optional<FollowRecord> follow_by_id(std::string_view id) = 0;
  virtual std::optional<FollowRecord> follow_of(std::string_view vehicle_id,
                                                std::string_view follower_id) = 0;
  virtual std::vector<FollowRecord> follows_of_user(std::string_view follower_id) = 0;
  virtual std::vector<FollowRecord> followers_of(std::string_view vehicle_id) = 0;
  // Pending and active follows of every vehicle, and every vehicle's visibility text (to
  // rebuild the live index at start).
  virtual std::vector<FollowRecord> all_live_follows() = 0;
  virtual std::vector<std::pair<std::string, std::string>> all_vehicle_visibilities() = 0;
  virtual int count_active_followers(std::string_view vehicle_id) = 0;
  // Vehicle events with seq > after whose message type bit is in `types`, by seq, at most
  // limit. Filtering here, not after, is what keeps a merged feed page free of gaps.
  virtual std::vector<EventRecord> vehicle_events_after(std::string_view vehicle_id,
                                                        std::int64_t after, unsigned types,
                                                        int limit) = 0;
  virtual std::vector<EventRecord> personal_events_after(std::string_view user_id,
                                                         std::int64_t after, int limit) = 0;
  virtual std::int64_t last_event_seq() = 0;
};

// Available only inside a write job. Reads through it see the batch's uncommitted writes.
// Storage faults are reported by the writer to the job's completion, not here.
class Writes : public Reads {
 public:
  // Returns username_taken iff the (lower-cased) username exists.
  virtual Result<void> insert_user(const UserRecord& user) = 0;
  virtual void insert_session(const SessionRecord& session) = 0;
  // Returns true iff a session with that hash existed.
  virtual bool delete_session(std::string_view token_hash) = 0;
  virtual void insert_device(const DeviceRecord& device) = 0;
  virtual void clear_primary_devices(std::string_view user_id) = 0;
  // Returns true iff the device existed and belonged to `user_id`.
  virtual bool delete_device(std::string_view device_id, std::string_view user_id) = 0;
  virtual void mark_device_verified(std::string_view device_id, UnixMillis at) = 0;
  virtual void insert_challenge(const ChallengeRecord& challenge) = 0;
  // Removes and returns the challenge, if present (expired or not).
  virtual std::optional<ChallengeRecord> take_challenge(std::string_view device_id,
                                                        std::string_view nonce) = 0;
  // Vehicle sharing. insert_vehicle returns identification_taken iff the VIN or plate is
  // already registered.
  virtual Result<void> insert_vehicle(const VehicleRecord& vehicle) = 0;
  virtual void update_vehicle(const VehicleRecord& vehicle) = 0;
  // Removes the vehicle with its messages, members, follows, confirmations and vehicle events.
  virtual void delete_vehicle(std::string_view vehicle_id) = 0;
  virtual void put_member(const MemberRecord& member) = 0;
  virtual bool delete_member(std::string_view vehicle_id, std::string_view user_id) = 0;
  // Increments and returns the vehicle's message sequence.
  virtual std::int64_t next_message_seq(std::string_view vehicle_id) = 0;
  virtual void insert_message(const MessageRecord& message) = 0;
  virtual void update_message(const MessageRecord& message) = 0;
  virtual void delete_message(std::string_view message_id) = 0;
  virtual void insert_follow(const FollowRecord& follow) = 0;
  virtual void update_follow(const FollowRecord& follow) = 0;
  virtual void delete_follow(std::string_view follow_id) = 0;
  virtual void insert_confirmation(const ConfirmationRecord& confirmation) = 0;
  // Removes and returns it, if present (expired or not).
  virtual std::optional<ConfirmationRecord> take_confirmation(std::string_view token_hash) = 0;
  // Appends to the feed log; returns the event's seq.
  virtual std::int64_t append_event(const EventRecord& event) = 0;
  // Drops the feed entries of a message (its data must not outlive it).
  virtual void delete_message_events(std::string_view message_id) = 0;

  // Removes sessions, challenges and confirmations that expired before `now`; returns how many.
  virtual std::size_t purge_expired(UnixMillis now) = 0;
};

// A write job. `run` returns true to keep its changes, false to roll its savepoint back.
// `finish(durable)` is called exactly once, on the writer thread, after the batch's commit:
// durable is false iff the storage failed (the job's changes are then lost).
struct WriteJob {
  std::function<bool(Writes&)> run;
  std::function<void(bool durable)> finish;
};

class Store {
 public:
  virtual ~Store() = default;

  // A reader bound to the calling thread; valid until the store is destroyed.
  virtual Reads& reads() = 0;

  virtual void submit(WriteJob job) = 0;

  // The schema version the database is at (readiness check); error when unreachable.
  virtual Result<int> schema_version() = 0;
  // The schema version this build needs (ready iff schema_version() equals it).
  virtual int expected_schema_version() const = 0;

  // Runs `fn` in the writer and calls `done` with its result once it is durable. A storage
  // failure turns into storage_unavailable; a domain error returned by `fn` rolls back only
  // this job's writes.
  template <class T>
  void write(std::function<Result<T>(Writes&)> fn, Callback<T> done) {
    auto slot = std::make_shared<std::optional<Result<T>>>();
    submit(WriteJob{
        [fn = std::move(fn), slot](Writes& w) {
          slot->emplace(fn(w));
          return (*slot)->ok();
        },
        [slot, done = std::move(done)](bool durable) {
          if (!durable || !slot->has_value()) {
            done(make_error(Errc::storage_unavailable, "the database could not commit the change"));
          } else {
            done(std::move(**slot));
          }
        }});
  }
};

}  // namespace paddock::storage
