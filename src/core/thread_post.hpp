#pragma once
// core/thread_post: a thread's "run this later on me" hook. An event-loop thread (the
// transport's I/O threads) installs one; code that finishes work on another thread (the storage
// writer) captures the submitting thread's hook and hands the completion back through it. A
// thread without a hook (unit tests, the CLI) gets an empty one, which runs the task inline.
// Depends on nothing.
#include <functional>
#include <utility>

namespace paddock {

struct ThreadPost {
  void* target = nullptr;
  void (*post)(void* target, std::function<void()> task) = nullptr;

  // Runs `task` on the thread that owns the hook, or here and now when there is none.
  void operator()(std::function<void()> task) const {
    if (post) {
      post(target, std::move(task));
    } else {
      task();
    }
  }
};

// Installs `hook` for the calling thread; an empty ThreadPost removes it.
void install_thread_post(ThreadPost hook);

// The calling thread's hook (empty when none is installed).
ThreadPost current_thread_post();

}  // namespace paddock
