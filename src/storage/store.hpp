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
  // Removes sessions and challenges that expired before `now`; returns how many.
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
