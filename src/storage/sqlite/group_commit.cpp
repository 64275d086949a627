#include "storage/sqlite/group_commit.hpp"

#include "core/log.hpp"
#include "core/thread_name.hpp"
#include "core/thread_post.hpp"

#include <algorithm>
#include <chrono>
#include <optional>
#include <vector>

#include "storage/sqlite/repositories.hpp"

namespace paddock::storage::sqlite {

GroupCommitWriter::GroupCommitWriter(std::unique_ptr<Connection> db, GroupCommitOptions options,
                                     metrics::StorageMetrics* metrics,
                                     SessionsVersion* sessions_version)
    : db_(std::move(db)), options_(options), metrics_(metrics), sessions_version_(sessions_version) {
  thread_ = std::thread([this] {
    name_this_thread("commit");
    loop();
  });
}

GroupCommitWriter::~GroupCommitWriter() { stop(); }

void GroupCommitWriter::submit(WriteJob job) {
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

void GroupCommitWriter::stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_ && !thread_.joinable()) return;
    stopping_ = true;
  }
  wake_.notify_one();
  if (thread_.joinable()) thread_.join();
}

void GroupCommitWriter::loop() {
  using Clock = std::chrono::steady_clock;
  auto next_purge = Clock::now();
  std::deque<WriteJob> batch;
  for (;;) {
    {
      std::unique_lock lock(mutex_);
      wake_.wait_until(lock, next_purge, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty() && stopping_) return;
      // Take everything queued (bounded): the jobs that arrived while the last commit's fsync ran
      // share the next one.
      while (!queue_.empty() && batch.size() < options_.max_batch) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    if (Clock::now() >= next_purge) {
      next_purge = Clock::now() + std::chrono::seconds(options_.purge_interval_seconds);
      batch.push_back(WriteJob{[](Writes& w) {
                                 UnixMillis now = now_millis();
                                 // An already expired secret, purged in the same commit: the
                                 // purge always writes, so it also proves the disk takes writes.
                                 return w.secrets().put_secret({"storage_probe", "writer", "", 0})
                                            .ok() &&
                                        w.identity().purge_expired_sessions(now).ok() &&
                                        w.secrets().purge_expired_secrets(now).ok();
                               },
                               [](bool) {}});
    }
    if (!batch.empty()) run_batch(batch);
    batch.clear();
    if (health().failing) {
      next_purge = std::min(next_purge,
                            Clock::now() + std::chrono::milliseconds(options_.failing_probe_ms));
    }
  }
}

void GroupCommitWriter::set_announcement_handler(Store::AnnouncementHandler handler) {
  std::lock_guard lock(handler_mutex_);
  announcement_handler_ = std::move(handler);
}

WriteHealth GroupCommitWriter::health() const {
  std::lock_guard lock(health_mutex_);
  return health_;
}

void GroupCommitWriter::record_health(bool ok, const std::string& error) {
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

void GroupCommitWriter::run_batch(std::deque<WriteJob>& batch) {
  // Most batches keep every job, so a batch first runs without a savepoint per job (a savepoint
  // and its release cost about a fifteenth of a post's instructions). When a job rolls back or
  // faults, its writes cannot be undone alone: the whole transaction is rolled back and the batch
  // runs again with one savepoint per job, which is why a job must be safe to run twice
  // (storage/store.hpp). After a batch in which a job rolled back, the next starts with
  // savepoints, so a run of refused requests pays the second pass once, not every batch.
  std::optional<Context> context(std::in_place, db_.get());
  Pass pass = run_pass(batch, *context, /*savepoint_per_job=*/expect_rollbacks_);
  if (pass.rerun) {
    context.emplace(db_.get());  // nothing of the abandoned pass: announcements, deletions
    if (metrics_) metrics_->rerun();
    pass = run_pass(batch, *context, /*savepoint_per_job=*/true);
  }
  expect_rollbacks_ = pass.rolled_back > 0;
  // Before any completion: a client told "logged out" is never let in by a read thread's cache.
  if (context->take_deleted_sessions() && sessions_version_) {
    sessions_version_->value.fetch_add(1, std::memory_order_release);
  }
  if (metrics_) metrics_->commit(batch.size(), pass.committed);
  // Only a commit that wrote proves the disk takes writes: one whose jobs all rolled back (a
  // 404 or 409) or changed nothing writes no page, and succeeds even on a full disk.
  if (!pass.committed || !pass.fault.empty()) {
    record_health(false, pass.fault);
  } else if (pass.kept_changes > 0) {
    record_health(true, {});
  }
  // The completions go to their threads together: one hand-over per thread, not per job.
  PostBatch hand_over;
  if (pass.committed && !context->announcements().empty()) {
    std::lock_guard lock(handler_mutex_);
    if (announcement_handler_) {
      for (const auto& [topic, payload] : context->announcements()) {
        announcement_handler_(topic, payload);
      }
    }
  }
  for (std::size_t i = 0; i < batch.size(); ++i) {
    batch[i].finish(pass.committed && !pass.job_failed[i]);
  }
}

GroupCommitWriter::Pass GroupCommitWriter::run_pass(std::deque<WriteJob>& batch, Context& context,
                                                    bool savepoint_per_job) {
  Pass pass;
  pass.job_failed.assign(batch.size(), 0);
  std::string fault_text;
  db_->take_fault(fault_text);  // only faults of this batch count
  try {
    db_->exec("BEGIN IMMEDIATE");
    for (std::size_t i = 0; i < batch.size(); ++i) {
      if (savepoint_per_job) db_->cached("SAVEPOINT job").bind().run();
      std::size_t announced_before = context.announcements().size();
      if (options_.rehearse_jobs) {
        db_->cached("SAVEPOINT rehearsal").bind().run();
        batch[i].run(context);
        db_->cached("ROLLBACK TO rehearsal").bind().run();
        db_->cached("RELEASE rehearsal").bind().run();
        context.announcements().resize(announced_before);
        db_->take_fault(fault_text);  // a real fault (a full disk) meets the real run too
      }
      std::int64_t changes_before = db_->total_changes();
      bool keep = batch[i].run(context);
      // A statement that failed is a storage fault whatever the job made of it: the job's
      // changes are rolled back and its completion says storage_unavailable.
      bool faulted = db_->take_fault(fault_text);
      if (!savepoint_per_job && (faulted || !keep)) {
        pass.rerun = true;
        break;
      }
      if (faulted) {
        pass.job_failed[i] = 1;
        keep = false;
        pass.fault = fault_text;
      }
      if (keep) {
        pass.kept_changes += db_->total_changes() - changes_before;
      } else {
        ++pass.rolled_back;
        db_->cached("ROLLBACK TO job").bind().run();
        context.announcements().resize(announced_before);
      }
      if (savepoint_per_job) db_->cached("RELEASE job").bind().run();
    }
    if (pass.rerun) {
      roll_back();
      return pass;
    }
    db_->exec("COMMIT");
    pass.committed = true;
  } catch (const SqliteError& e) {
    pass.rerun = false;
    pass.fault = e.what();
    log::event(log::Level::error, "storage: group commit failed",
               {{"jobs", std::to_string(batch.size())}, {"error", e.what()}});
    roll_back();
  }
  return pass;
}

void GroupCommitWriter::roll_back() {
  try {
    db_->exec("ROLLBACK");
  } catch (const SqliteError&) {
    // The transaction may already be gone (SQLite rolls back on some errors by itself).
  }
}

}  // namespace paddock::storage::sqlite
