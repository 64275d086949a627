#include "storage/postgres/pg_store.hpp"

#include <libpq-fe.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <vector>

#include "core/log.hpp"
#include "core/thread_name.hpp"
#include "core/thread_post.hpp"
#include "storage/postgres/migrations.hpp"
#include "storage/postgres/repositories.hpp"

namespace paddock::storage::postgres {
namespace {

Error unavailable(const std::string& detail) {
  return make_error(Errc::storage_unavailable, detail);
}

// One read connection per thread per store, keyed by a never-reused store serial (as on SQLite).
struct ThreadReader {
  std::unique_ptr<Connection> db;
  std::unique_ptr<Context> context;
  UnixMillis last_open_attempt = 0;
  UnixMillis last_open_logged = 0;
};

constexpr UnixMillis kReopenLogIntervalMs = 30000;
std::atomic<std::uint64_t> next_store_serial{1};
thread_local std::unordered_map<std::uint64_t, ThreadReader> thread_readers;

// The single writer of one node: drains queued jobs into one transaction, as
// sqlite/group_commit does, so that concurrent requests share one commit (one WAL flush).
// What differs from SQLite: the server can go away (the batch fails, the writer reconnects by
// itself), and another node can win a race (deadlock or serialization failure), which PostgreSQL
// resolves by aborting one transaction: the whole batch then runs again, since no job saw
// anything durable.
class Writer {
 public:
  Writer(PgStoreOptions options, std::unique_ptr<Connection> db)
      : options_(std::move(options)), db_(std::move(db)) {
    thread_ = std::thread([this] {
      name_this_thread("commit");
      loop();
    });
  }
  ~Writer() { stop(); }

  void submit(WriteJob job) {
    {
      std::lock_guard lock(mutex_);
      if (!stopping_) {
        queue_.push_back(std::move(job));
        if (queue_.size() == 1) wake_.notify_one();
        return;
      }
    }
    job.finish(false);
  }

  void stop() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_one();
    if (thread_.joinable()) thread_.join();
  }

  WriteHealth health() const {
    std::lock_guard lock(health_mutex_);
    return health_;
  }

 private:
  enum class Outcome { committed, retry, failed };

  void loop() {
    using Clock = std::chrono::steady_clock;
    auto next_purge = Clock::now();
    std::deque<WriteJob> batch;
    for (;;) {
      {
        std::unique_lock lock(mutex_);
        wake_.wait_until(lock, next_purge, [this] { return stopping_ || !queue_.empty(); });
        if (queue_.empty() && stopping_) return;
        while (!queue_.empty() && batch.size() < options_.max_batch) {
          batch.push_back(std::move(queue_.front()));
          queue_.pop_front();
        }
      }
      if (Clock::now() >= next_purge) {
        // Every node purges; the deletes are idempotent, so racing nodes only repeat work.
        next_purge = Clock::now() + std::chrono::minutes(5);
        batch.push_back(WriteJob{[](Writes& w) {
                                   UnixMillis now = now_millis();
                                   return w.identity().purge_expired_sessions(now).ok() &&
                                          w.secrets().purge_expired_secrets(now).ok();
                                 },
                                 [](bool) {}});
      }
      if (!batch.empty()) run_batch(batch);
      batch.clear();
      if (health().failing) {
        next_purge = std::min(next_purge,
                              Clock::now() + std::chrono::milliseconds(options_.reconnect_ms));
      }
    }
  }

  // Makes sure there is a connection; false (after noting why) when the server is unreachable.
  bool connected(std::string& why) {
    if (db_ && db_->ok()) return true;
    db_.reset();
    UnixMillis now = now_millis();
    if (now - last_connect_attempt_ < options_.reconnect_ms) {
      why = last_connect_error_;
      return false;
    }
    last_connect_attempt_ = now;
    try {
      auto db = std::make_unique<Connection>(options_.conninfo);
      // A node that started while PostgreSQL was away migrates once it can (another node may
      // have already: migrate() does nothing then).
      if (!migrated_) {
        migrate(*db);
        migrated_ = true;
      }
      db_ = std::move(db);
      log::event(log::Level::info, "storage: writer connected to PostgreSQL");
      return true;
    } catch (const PgError& e) {
      last_connect_error_ = why = e.what();
      return false;
    }
  }

  void run_batch(std::deque<WriteJob>& batch) {
    std::vector<char> job_failed(batch.size(), 0);
    std::string fault;
    Outcome outcome = Outcome::failed;
    for (int attempt = 0; attempt <= options_.retry_attempts; ++attempt) {
      std::fill(job_failed.begin(), job_failed.end(), 0);
      fault.clear();
      if (!connected(fault)) break;
      if (attempt > 0 && options_.metrics) options_.metrics->rerun();
      outcome = try_batch(batch, job_failed, fault);
      if (outcome != Outcome::retry) break;
      // Back off a little, more each time, so that racing nodes fall out of step.
      std::this_thread::sleep_for(std::chrono::milliseconds(1 + attempt * attempt * 3));
    }
    bool committed = outcome == Outcome::committed;
    if (options_.metrics) options_.metrics->commit(batch.size(), committed);
    record_health(committed && fault.empty(), fault);
    PostBatch hand_over;  // one hand-over per thread, not per job (core/thread_post)
    for (std::size_t i = 0; i < batch.size(); ++i) batch[i].finish(committed && !job_failed[i]);
  }

  Outcome try_batch(std::deque<WriteJob>& batch, std::vector<char>& job_failed,
                    std::string& fault) {
    Context context(db_.get());
    Link& link = context.link();
    link.in_transaction = true;
    bool begun = false;
    try {
      // Batches from all nodes take feed_head's row lock first, so they run one after another.
      // Without it a batch holding feed_head (from its first append) and another holding a
      // vehicle's row (a message seq) each wait for the other: a deadlock PostgreSQL finds only
      // after deadlock_timeout (1 s), measured as three writer nodes falling to under 100
      // posts/s. With it no two batches can hold rows in opposite orders.
      // The statements that only frame jobs travel together: this first one, one round trip
      // between two jobs, and the last job's release, the notification and the COMMIT as one.
      db_->exec("BEGIN; SELECT seq FROM feed_head FOR UPDATE; SAVEPOINT job");
      begun = true;
      std::string closing;
      for (std::size_t i = 0; i < batch.size(); ++i) {
        bool keep = batch[i].run(context);
        if (link.fault) {
          PgError error = *link.fault;
          link.fault.reset();
          // A lost race aborts the transaction for every job; the lost connection too.
          if (error.retryable() || error.connection_lost()) throw error;
          // Any other failed statement is a storage fault of this job alone.
          job_failed[i] = 1;
          keep = false;
          fault = error.what();
        }
        std::string framing = keep ? "RELEASE SAVEPOINT job"
                                   : "ROLLBACK TO SAVEPOINT job; RELEASE SAVEPOINT job";
        if (i + 1 == batch.size()) {
          closing = std::move(framing);
        } else {
          db_->exec(framing + "; SAVEPOINT job");
        }
      }
      if (link.last_appended_seq > 0) {
        // Delivered to every listening node when (and only if) this commit succeeds. The
        // payload is the channel's name and a number: nothing to quote.
        closing += std::string("; SELECT pg_notify('") + kAnnounceChannel + "', '" + kFeedTopic +
                   " " + std::to_string(link.last_appended_seq) + "')";
      }
      db_->exec(closing + "; COMMIT");
      return Outcome::committed;
    } catch (const PgError& e) {
      fault = e.what();
      if (e.connection_lost()) {
        db_.reset();
        // Nothing was sent yet (the server restarted while this node was idle): a fresh
        // connection may take the batch at once.
        if (!begun) return Outcome::retry;
        // A COMMIT that lost its connection may or may not have happened; the jobs are answered
        // storage_unavailable, and their idempotent retries find out.
        log::event(log::Level::error, "storage: lost the PostgreSQL connection",
                   {{"jobs", std::to_string(batch.size())}, {"error", e.what()}});
        return Outcome::failed;
      }
      try {
        db_->exec("ROLLBACK");
      } catch (const PgError&) {
        db_.reset();
        return Outcome::failed;
      }
      if (e.retryable()) return Outcome::retry;
      log::event(log::Level::error, "storage: group commit failed",
                 {{"jobs", std::to_string(batch.size())}, {"error", e.what()}});
      return Outcome::failed;
    }
  }

  void record_health(bool ok, const std::string& error) {
    std::lock_guard lock(health_mutex_);
    if (ok) {
      health_ = WriteHealth{};
      return;
    }
    if (!health_.failing) health_.failing_since = now_millis();
    health_.failing = true;
    ++health_.consecutive_failures;
    health_.last_error = error;
  }

  PgStoreOptions options_;
  std::unique_ptr<Connection> db_;
  bool migrated_ = db_ != nullptr;  // open_store migrated on the connection it passed
  UnixMillis last_connect_attempt_ = 0;
  std::string last_connect_error_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<WriteJob> queue_;
  bool stopping_ = false;
  mutable std::mutex health_mutex_;
  WriteHealth health_;
  std::thread thread_;
};

// LISTENs on the announcement channel on a connection of its own and hands each notification to
// the handler, on its own thread, in the order PostgreSQL delivers them (commit order). After
// every (re)connection it first says "resync": whatever was announced while it was not listening
// is lost, and the handler reloads from the database instead.
class Listener {
 public:
  Listener(std::string conninfo, int reconnect_ms)
      : conninfo_(std::move(conninfo)), reconnect_ms_(reconnect_ms),
        wake_fd_(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) {}
  ~Listener() {
    stop();
    if (wake_fd_ >= 0) ::close(wake_fd_);
  }

  void start(Store::AnnouncementHandler handler) {
    stop();
    handler_ = std::move(handler);
    stopping_ = false;
    thread_ = std::thread([this] {
      name_this_thread("listen");
      loop();
    });
  }

  void stop() {
    if (!thread_.joinable()) return;
    stopping_ = true;
    std::uint64_t one = 1;
    [[maybe_unused]] auto n = ::write(wake_fd_, &one, sizeof one);
    thread_.join();
  }

 private:
  void loop() {
    while (!stopping_) {
      std::unique_ptr<Connection> db;
      try {
        db = std::make_unique<Connection>(conninfo_);
        db->exec(std::string("LISTEN ") + kAnnounceChannel);
      } catch (const PgError& e) {
        log_unreachable(e.what());
        wait(nullptr, reconnect_ms_);
        continue;
      }
      log::event(log::Level::info, "storage: listening for other nodes' changes");
      handler_("resync", "");
      listen(*db);
    }
  }

  // Returns when the connection is lost or the listener stops.
  void listen(Connection& db) {
    using Clock = std::chrono::steady_clock;
    auto next_probe = Clock::now() + kProbeInterval;
    while (!stopping_) {
      wait(&db, 1000);
      if (stopping_) return;
      if (PQconsumeInput(db.raw()) == 0 || !db.ok()) {
        log_unreachable(PQerrorMessage(db.raw()));
        return;
      }
      while (PGnotify* note = PQnotifies(db.raw())) {
        std::string_view extra = note->extra;
        auto space = extra.find(' ');
        std::string topic(extra.substr(0, space));
        std::string payload(space == std::string_view::npos ? "" : extra.substr(space + 1));
        PQfreemem(note);
        handler_(topic, payload);
      }
      // A connection whose server vanished without closing it (a network cut) is only found
      // by using it.
      if (Clock::now() >= next_probe) {
        next_probe = Clock::now() + kProbeInterval;
        try {
          db.exec("SELECT 1");
        } catch (const PgError& e) {
          log_unreachable(e.what());
          return;
        }
      }
    }
  }

  // Sleeps until the socket is readable, the listener stops, or `timeout_ms` pass.
  void wait(Connection* db, int timeout_ms) {
    pollfd fds[2] = {{wake_fd_, POLLIN, 0}, {db ? PQsocket(db->raw()) : -1, POLLIN, 0}};
    ::poll(fds, db ? 2 : 1, timeout_ms);
  }

  void log_unreachable(const std::string& why) {
    UnixMillis now = now_millis();
    if (now - last_logged_ < kReopenLogIntervalMs) return;
    last_logged_ = now;
    log::event(log::Level::error, "storage: cannot listen for other nodes' changes",
               {{"error", why}});
  }

  static constexpr auto kProbeInterval = std::chrono::seconds(10);
  std::string conninfo_;
  int reconnect_ms_;
  int wake_fd_;
  Store::AnnouncementHandler handler_;
  std::atomic<bool> stopping_{false};
  UnixMillis last_logged_ = 0;
  std::thread thread_;
};

class PgStore final : public Store {
 public:
  PgStore(const PgStoreOptions& options, std::unique_ptr<Connection> writer_db)
      : options_(options),
        writer_(options, std::move(writer_db)),
        listener_(options.conninfo, options.reconnect_ms) {}
  ~PgStore() override {
    listener_.stop();
    writer_.stop();
  }

  // Never throws: a thread whose connection is gone gets a detached context (every call answers
  // storage_unavailable) and tries again at most once per reconnect interval.
  Reads& reads() override {
    auto& reader = thread_readers[serial_];
    if (!reader.context) reader.context = std::make_unique<Context>();
    Link& link = reader.context->link();
    if (link.fault && link.fault->connection_lost()) reader.db.reset();
    link.fault.reset();
    if (reader.db && !reader.db->ok()) reader.db.reset();
    if (!reader.db) {
      reader.context->attach(nullptr);
      UnixMillis now = now_millis();
      if (now - reader.last_open_attempt >= options_.reconnect_ms) {
        reader.last_open_attempt = now;
        try {
          reader.db = std::make_unique<Connection>(options_.conninfo);
          reader.context->attach(reader.db.get());
          reader.last_open_attempt = reader.last_open_logged = 0;
        } catch (const PgError& e) {
          if (now - reader.last_open_logged >= kReopenLogIntervalMs) {
            reader.last_open_logged = now;
            log::event(log::Level::error, "storage: cannot open a read connection",
                       {{"error", e.what()}});
          }
        }
      }
    }
    return *reader.context;
  }

  void submit(WriteJob job) override { writer_.submit(std::move(job)); }

  int expected_schema_version() const override { return latest_schema_version(); }

  WriteHealth write_health() const override { return writer_.health(); }

  void set_announcement_handler(AnnouncementHandler handler) override {
    listener_.start(std::move(handler));
  }

  Result<int> schema_version() override {
    reads();
    auto& reader = thread_readers[serial_];
    if (!reader.db) return unavailable("PostgreSQL is unreachable");
    try {
      return current_schema_version(*reader.db);
    } catch (const PgError& e) {
      reader.context->link().fault = e;
      return unavailable(e.what());
    }
  }

 private:
  const std::uint64_t serial_ = next_store_serial.fetch_add(1);
  PgStoreOptions options_;
  Writer writer_;
  Listener listener_;
};

}  // namespace

bool is_postgres_uri(std::string_view database) {
  return database.starts_with("postgresql://") || database.starts_with("postgres://");
}

Result<int> migrate_database(const std::string& conninfo) {
  try {
    Connection db(conninfo);
    return migrate(db);
  } catch (const PgError& e) {
    return unavailable(e.what());
  }
}

Result<std::unique_ptr<Store>> open_store(const PgStoreOptions& options) {
  std::unique_ptr<Connection> db;
  try {
    db = std::make_unique<Connection>(options.conninfo);
    migrate(*db);
  } catch (const PgError& e) {
    // Unreachable: the node starts anyway, not ready (schema_version() fails), and its writer
    // migrates and serves once the server answers. Anything else (a schema newer than this
    // build, a migration that fails) stops it.
    if (!e.connection_lost()) return unavailable(e.what());
    log::event(log::Level::error, "storage: PostgreSQL is unreachable; not ready until it answers",
               {{"error", e.what()}});
    db.reset();
  }
  return std::unique_ptr<Store>(std::make_unique<PgStore>(options, std::move(db)));
}

}  // namespace paddock::storage::postgres
