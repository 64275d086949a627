#include "core/work_pool.hpp"

#include "core/thread_name.hpp"

namespace paddock {

WorkPool::WorkPool(std::size_t threads, std::string_view name) {
  threads = std::max<std::size_t>(threads, 1);
  for (std::size_t i = 0; i < threads; ++i) {
    std::string thread_name(name);
    if (threads > 1) {
      thread_name += '-';
      thread_name += std::to_string(i);
    }
    threads_.emplace_back([this, thread_name = std::move(thread_name)] {
      name_this_thread(thread_name);
      for (;;) {
        std::function<void()> task;
        {
          std::unique_lock lock(mutex_);
          wake_.wait(lock, [this] { return stopping_ || !tasks_.empty(); });
          if (tasks_.empty()) return;
          task = std::move(tasks_.front());
          tasks_.pop_front();
        }
        task();
      }
    });
  }
}

WorkPool::~WorkPool() { stop(); }

void WorkPool::stop(bool discard_queued) {
  std::deque<std::function<void()>> dropped;
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    if (discard_queued) dropped.swap(tasks_);
  }
  wake_.notify_all();
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
  std::lock_guard lock(mutex_);
  joined_ = true;
  tasks_.clear();  // posted while the threads were exiting; never to run
  // `dropped` goes here, outside the lock: destroying a task may destroy what it captured.
}

std::size_t WorkPool::queued() const {
  std::lock_guard lock(mutex_);
  return tasks_.size();
}

void WorkPool::post(std::function<void()> task) {
  {
    std::lock_guard lock(mutex_);
    if (joined_) return;  // nothing would ever run it
    tasks_.push_back(std::move(task));
  }
  wake_.notify_one();
}

}  // namespace paddock
