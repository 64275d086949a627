#pragma once
// core/post_queue_for_tests: a ThreadPost hook that queues what is posted to the calling thread
// until the test runs it, so a test can check that a completion waits for its thread (as an
// I/O thread's event loop would) and then runs there. Tests only.
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>

#include "core/thread_post.hpp"

namespace paddock {

class PostQueueForTests {
 public:
  // Installs the hook on the calling thread; the destructor removes it.
  PostQueueForTests() {
    install_thread_post({this, [](void* self, std::function<void()> task) {
                           auto* q = static_cast<PostQueueForTests*>(self);
                           std::lock_guard lock(q->mutex_);
                           q->tasks_.push_back(std::move(task));
                           q->arrived_.notify_one();
                         }});
  }
  ~PostQueueForTests() { install_thread_post({}); }
  PostQueueForTests(const PostQueueForTests&) = delete;
  PostQueueForTests& operator=(const PostQueueForTests&) = delete;

  // Waits (at most `timeout`) for one posted task and runs it here. False iff none came.
  bool run_one(std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    std::function<void()> task;
    {
      std::unique_lock lock(mutex_);
      if (!arrived_.wait_for(lock, timeout, [&] { return !tasks_.empty(); })) return false;
      task = std::move(tasks_.front());
      tasks_.pop_front();
    }
    task();
    return true;
  }

 private:
  std::mutex mutex_;
  std::condition_variable arrived_;
  std::deque<std::function<void()>> tasks_;
};

}  // namespace paddock
