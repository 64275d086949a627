#pragma once
// core/thread_post: a thread's "run this later on me" hook. An event-loop thread (the
// transport's I/O threads) installs one; code that finishes work on another thread (the storage
// writer) captures the submitting thread's hook and hands the completion back through it. A
// thread without a hook (unit tests, the CLI) gets an empty one, which runs the task inline.
// The transport also marks its I/O threads, so that a blocking call made on one (a PostgreSQL
// round trip, which must run on a pool instead) is counted where it happens and shows in
// /metrics. Depends on nothing.
#include <cstdint>
#include <functional>
#include <utility>
#include <vector>

namespace paddock {

struct ThreadPost {
  void* target = nullptr;
  void (*post)(void* target, std::function<void()> task) = nullptr;

  // Runs `task` on the thread that owns the hook, or here and now when there is none. Inside a
  // PostBatch (below) the hand-over waits for the batch's end.
  void operator()(std::function<void()> task) const;
};

// While one lives on a thread, the tasks that thread hands to hooks are held back; when the
// outermost one ends, each hook gets its tasks, in the order they were given, as one task, and
// then the tasks given to empty hooks (which would have run at once) run there, in order. The
// storage writer opens one around a batch's completions: a commit of 64 posts then wakes each
// I/O thread once, where it took a mutex and woke a sleeping thread up to 64 times.
class PostBatch {
 public:
  PostBatch();
  ~PostBatch();
  PostBatch(const PostBatch&) = delete;
  PostBatch& operator=(const PostBatch&) = delete;

 private:
  bool outermost_;
};

// Installs `hook` for the calling thread; an empty ThreadPost removes it.
void install_thread_post(ThreadPost hook);

// The calling thread's hook (empty when none is installed).
ThreadPost current_thread_post();

// Wraps `fn` so that, wherever it is called from, it runs through the hook of the thread that
// wrapped it. For work whose completion arrives on another thread (a charge point's answer on
// its connection's thread, for a caller on another I/O thread).
template <class... Args>
std::function<void(Args...)> bind_to_current_thread(std::function<void(Args...)> fn) {
  ThreadPost post = current_thread_post();
  if (!post.post) return fn;
  return [post, fn = std::move(fn)](Args... args) {
    post([fn, args...]() mutable { fn(std::move(args)...); });
  };
}

// Marks the calling thread as an event-loop (I/O) thread, or unmarks it.
void mark_io_thread(bool is_io);
// True iff the calling thread is marked as an I/O thread.
bool on_io_thread();

// Counts a blocking call (a network round trip) iff the calling thread is an I/O thread;
// returns true iff it counted it. Cheap: one thread-local test when not on an I/O thread.
bool note_blocking_call();
// Blocking calls counted on I/O threads since the process started.
std::uint64_t blocking_calls_on_io_threads();

}  // namespace paddock
