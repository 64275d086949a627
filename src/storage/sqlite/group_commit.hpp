#pragma once
// storage/sqlite/group_commit: the single writer thread. It drains every queued WriteJob into one
// transaction, commits once, and only then calls each job's finish. A job that fails rolls back
// only its own writes (the batch then runs again with a savepoint per job).
// Many concurrent requests thus share one fsync, which is what makes durable writes cheap.
// It also keeps the store's write health. Internal to storage/sqlite.
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "metrics/metrics.hpp"
#include "storage/sqlite/connection.hpp"
#include "storage/sqlite/repositories.hpp"
#include "storage/store.hpp"

namespace paddock::storage::sqlite {

struct GroupCommitOptions {
  std::size_t max_batch = 1024;        // jobs per transaction at most
  int purge_interval_seconds = 300;    // how often expired sessions/challenges are removed
  // While writes are failing, the purge (which always writes) runs this often as a probe, so
  // that a node whose disk recovered turns ready again without waiting for traffic.
  int failing_probe_ms = 5000;
  // Tests only: every job runs once inside a savepoint that is rolled back, then for real. The
  // PostgreSQL writer runs a whole batch again after a lost race, so a job must be safe to run
  // twice (not move out of what it captured, nor change anything but the database); with this
  // on, every test that writes checks it.
  bool rehearse_jobs = false;
};

class GroupCommitWriter {
 public:
  // `sessions_version` (may be null) is bumped after each commit that deleted a session.
  GroupCommitWriter(std::unique_ptr<Connection> db, GroupCommitOptions options,
                    metrics::StorageMetrics* metrics, SessionsVersion* sessions_version = nullptr);
  ~GroupCommitWriter();  // drains the queue, then stops

  void submit(WriteJob job);
  WriteHealth health() const;
  void set_announcement_handler(Store::AnnouncementHandler handler);
  // Finishes every queued job and joins the thread. Jobs submitted afterwards fail at once.
  void stop();

 private:
  void loop();
  // One attempt at a batch: its transaction and what each job came to.
  struct Pass {
    bool committed = false;
    bool rerun = false;  // a job failed where it had no savepoint: nothing was kept
    std::vector<char> job_failed;  // storage faults, answered storage_unavailable
    std::size_t rolled_back = 0;   // jobs whose writes were undone
    std::int64_t kept_changes = 0;  // rows the kept jobs changed: what the commit must write
    std::string fault;
  };

  void run_batch(std::deque<WriteJob>& batch);
  Pass run_pass(std::deque<WriteJob>& batch, Context& context, bool savepoint_per_job);
  void roll_back();
  void record_health(bool ok, const std::string& error);

  std::unique_ptr<Connection> db_;
  GroupCommitOptions options_;
  metrics::StorageMetrics* metrics_;
  SessionsVersion* sessions_version_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<WriteJob> queue_;
  mutable std::mutex health_mutex_;
  WriteHealth health_;
  std::mutex handler_mutex_;
  Store::AnnouncementHandler announcement_handler_;
  bool stopping_ = false;
  bool expect_rollbacks_ = false;  // the last batch had a job roll back (writer thread only)
  std::thread thread_;
};

}  // namespace paddock::storage::sqlite
