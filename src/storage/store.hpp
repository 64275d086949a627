#pragma once
// storage/store: the unit-of-work machinery the domain modules are written against. Each
// module owns the repository interface of what it keeps (identity/, devices/, sharing/,
// events/, keys/, links/, ocpp/, antitheft/, publishers/); a Reads or Writes hands out all of
// them on one connection, so one write job can span modules in one transaction. Single-use
// secrets (storage/secrets.hpp) and write health are generic and live here. The domain never
// sees SQL; a backend (SQLite now, PostgreSQL later) implements everything, and
// storage/conformance runs the same contracts against each.
// Depends on core and the repository interfaces (headers only).
//
// Reads run synchronously on the calling thread against a snapshot of committed data.
// Writes are jobs handed to a single writer that groups many of them into one transaction
// (group commit): a job that fails leaves nothing behind (its writes are rolled back alone),
// and its completion runs only after the shared transaction is durable.
// No exception crosses this boundary: every repository call returns a Result, and a storage
// fault is Errc::storage_unavailable.
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "core/clock.hpp"
#include "core/result.hpp"
#include "core/thread_post.hpp"
#include "antitheft/antitheft_repository.hpp"
#include "devices/device_repository.hpp"
#include "events/event_log.hpp"
#include "identity/identity_repository.hpp"
#include "keys/contacts_repository.hpp"
#include "links/link_repository.hpp"
#include "keys/head_unit_repository.hpp"
#include "keys/key_share_repository.hpp"
#include "ocpp/charge_point_repository.hpp"
#include "publishers/publisher_repository.hpp"
#include "sharing/sharing_repository.hpp"
#include "storage/records.hpp"
#include "storage/secrets.hpp"

namespace paddock::storage {

class Reads {
 public:
  virtual ~Reads() = default;
  virtual identity::IdentityReads& identity() = 0;
  virtual devices::DeviceReads& devices() = 0;
  virtual sharing::SharingReads& sharing() = 0;
  virtual events::EventLogReads& events() = 0;
  virtual keys::ContactReads& contacts() = 0;
  virtual links::LinkReads& links() = 0;
  virtual keys::KeyShareReads& key_shares() = 0;
  virtual keys::HeadUnitReads& head_units() = 0;
  virtual ocpp::ChargePointReads& charge_points() = 0;
  virtual antitheft::AntiTheftReads& antitheft() = 0;
  virtual publishers::PublisherReads& publishers() = 0;
};

// Available only inside a write job. Reads through it see the batch's uncommitted writes.
class Writes : public Reads {
 public:
  identity::IdentityWrites& identity() override = 0;
  devices::DeviceWrites& devices() override = 0;
  sharing::SharingWrites& sharing() override = 0;
  events::EventLogWrites& events() override = 0;
  keys::ContactWrites& contacts() override = 0;
  links::LinkWrites& links() override = 0;
  keys::KeyShareWrites& key_shares() override = 0;
  keys::HeadUnitWrites& head_units() override = 0;
  ocpp::ChargePointWrites& charge_points() override = 0;
  antitheft::AntiTheftWrites& antitheft() override = 0;
  publishers::PublisherWrites& publishers() override = 0;
  virtual SecretWrites& secrets() = 0;

  // Tells every node (this one included) `payload` under `topic`, iff this job's changes commit,
  // after the commit and in commit order: for state that nodes keep in memory and must hear
  // about (a lock for a pile another node holds, follow changes). Not a log: a node that was not
  // listening then hears "resync" instead (see Store::set_announcement_handler) and reloads from
  // the database. `topic` is one word; topic and payload together at most kMaxAnnouncementBytes.
  virtual Result<void> announce(std::string_view topic, std::string_view payload) = 0;
};

// PostgreSQL's NOTIFY payload limit (8000 bytes), less room for the channel's framing.
inline constexpr std::size_t kMaxAnnouncementBytes = 7900;

// What every backend's announce() accepts: a one-word topic and a short payload.
inline Result<void> check_announcement(std::string_view topic, std::string_view payload) {
  if (topic.empty() || topic.find(' ') != std::string_view::npos ||
      topic.size() + 1 + payload.size() > kMaxAnnouncementBytes) {
    return make_error(Errc::internal, "an announcement must be one word and a short payload");
  }
  return {};
}

// A write job. `run` returns true to keep its changes, false to roll them back. It may be called
// more than once: a writer runs a whole batch again when one of its jobs rolls back (SQLite's,
// whose first pass has no savepoint per job) or after a lost race (PostgreSQL's), and the
// integration tests run every job twice (GroupCommitOptions::rehearse_jobs). So `run` must
// not move out of what it captured, nor change anything but through its Writes.
// `finish(durable)` is called exactly once, on the writer thread, after the batch's commit:
// durable is false iff the storage failed (the job's changes are then lost). It must be quick.
struct WriteJob {
  std::function<bool(Writes&)> run;
  std::function<void(bool durable)> finish;
};

// Whether commits are succeeding. A failing batch (a commit that failed, or a job whose
// statements hit a storage fault, e.g. a full disk) sets it; the next commit that changes rows
// clears it (one that writes nothing succeeds even on a full disk).
struct WriteHealth {
  bool failing = false;
  UnixMillis failing_since = 0;  // first failure of the current run of failures
  std::uint64_t consecutive_failures = 0;
  std::string last_error;
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

  virtual WriteHealth write_health() const = 0;

  // Receives every committed announcement (Writes::announce), from this node and, on a shared
  // database, from the others; on a storage thread, in the order they committed. Topic
  // "resync" (empty payload) means announcements may have been missed (the listening
  // connection was lost and is back): reload what you keep in memory. Set before serving;
  // the handler must only hand work off.
  using AnnouncementHandler =
      std::function<void(const std::string& topic, const std::string& payload)>;
  virtual void set_announcement_handler(AnnouncementHandler handler) = 0;

  // Runs `fn` in the writer. Once the change is durable, `on_commit` (optional) runs on the
  // writer thread, in commit order, with the value; it must only hand work off (the live feed
  // enqueues). Then `done` runs on the thread that called write(), through that thread's
  // ThreadPost hook (inline on the writer when it has none), so the writer never renders
  // responses. A storage failure turns into storage_unavailable; a domain error returned by
  // `fn` rolls back only this job's writes.
  template <class T>
  void write(std::function<Result<T>(Writes&)> fn, Callback<T> done,
             std::function<void(T&)> on_commit = {}) {
    auto slot = std::make_shared<std::optional<Result<T>>>();
    submit(WriteJob{[fn = std::move(fn), slot](Writes& w) {
                      slot->emplace(fn(w));
                      return (*slot)->ok();
                    },
                    [slot, done = std::move(done), on_commit = std::move(on_commit),
                     post = current_thread_post()](bool durable) mutable {
                      if (!durable || !slot->has_value()) {
                        slot->emplace(make_error(Errc::storage_unavailable,
                                                 "the database could not commit the change"));
                      } else if (on_commit && (*slot)->ok()) {
                        on_commit((*slot)->value());
                      }
                      post([slot, done = std::move(done)] { done(std::move(**slot)); });
                    }});
  }
};

}  // namespace paddock::storage
