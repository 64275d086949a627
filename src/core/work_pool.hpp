#pragma once
// core/work_pool: a few threads for work that must not run on the I/O threads (Argon2id,
// feed fan-out). With one thread, tasks run in submission order; the destructor finishes queued
// tasks, stop(true) drops them.
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "core/thread_post.hpp"

namespace paddock {

class WorkPool {
 public:
  // The threads are named `name`, or `name-0`, `name-1`... when there are several
  // (core/thread_name).
  WorkPool(std::size_t threads, std::string_view name);
  ~WorkPool();
  WorkPool(const WorkPool&) = delete;
  WorkPool& operator=(const WorkPool&) = delete;

  // Queues `task`. After stop() the task is destroyed without running.
  void post(std::function<void()> task);
  // A hook that queues on this pool: what a thread inside a PostBatch hands over together.
  ThreadPost hook() {
    return ThreadPost{this, [](void* pool, std::function<void()> task) {
                        static_cast<WorkPool*>(pool)->post(std::move(task));
                      }};
  }
  // Joins the threads; tasks already running finish. Queued tasks run first unless
  // `discard_queued`, in which case they are destroyed unrun (at shutdown: a queue of password
  // hashes must not hold the process past its grace period). Idempotent.
  void stop(bool discard_queued = false);
  // Tasks waiting for a thread.
  std::size_t queued() const;

 private:
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::function<void()>> tasks_;
  bool stopping_ = false;
  bool joined_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace paddock
