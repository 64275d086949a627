#include "core/thread_post.hpp"

#include <atomic>

namespace paddock {
namespace {
thread_local ThreadPost installed;
thread_local bool io_thread = false;
std::atomic<std::uint64_t> io_thread_blocking_calls{0};

struct HeldTask {
  ThreadPost hook;
  std::function<void()> task;
};
// The calling thread's held tasks, while a PostBatch is open. Kept between batches so that its
// capacity is reused.
thread_local std::vector<HeldTask> held;
thread_local bool batching = false;

bool same_hook(const ThreadPost& a, const ThreadPost& b) {
  return a.target == b.target && a.post == b.post;
}
}  // namespace

void ThreadPost::operator()(std::function<void()> task) const {
  if (batching) {
    held.push_back({*this, std::move(task)});
  } else if (post) {
    post(target, std::move(task));
  } else {
    task();
  }
}

PostBatch::PostBatch() : outermost_(!batching) { batching = true; }

PostBatch::~PostBatch() {
  if (!outermost_) return;
  batching = false;
  // Few hooks per batch (the I/O threads and the fan-out thread): a scan per hook is cheaper
  // than a map. Each hook's tasks keep their order.
  std::vector<HeldTask> tasks;
  tasks.swap(held);
  std::vector<char> handed(tasks.size(), 0);
  for (std::size_t first = 0; first < tasks.size(); ++first) {
    const ThreadPost hook = tasks[first].hook;
    if (handed[first] || !hook.post) continue;
    std::vector<std::function<void()>> group;
    for (std::size_t i = first; i < tasks.size(); ++i) {
      if (handed[i] || !same_hook(tasks[i].hook, hook)) continue;
      group.push_back(std::move(tasks[i].task));
      handed[i] = 1;
    }
    if (group.size() == 1) {
      hook.post(hook.target, std::move(group.front()));
    } else {
      hook.post(hook.target, [group = std::move(group)] {
        for (const auto& task : group) task();
      });
    }
  }
  // Tasks for a thread without a hook (unit tests, the CLI) run here, after every hand-over: a
  // writer's completion answered inline still comes after the update it gave the hub.
  for (auto& held_task : tasks) {
    if (!held_task.hook.post) held_task.task();
  }
  tasks.clear();
  held.swap(tasks);  // keeps the capacity for the next batch
}

void install_thread_post(ThreadPost hook) { installed = hook; }

ThreadPost current_thread_post() { return installed; }

void mark_io_thread(bool is_io) { io_thread = is_io; }

bool on_io_thread() { return io_thread; }

bool note_blocking_call() {
  if (!io_thread) return false;
  io_thread_blocking_calls.fetch_add(1, std::memory_order_relaxed);
  return true;
}

std::uint64_t blocking_calls_on_io_threads() {
  return io_thread_blocking_calls.load(std::memory_order_relaxed);
}

}  // namespace paddock
