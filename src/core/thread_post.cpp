#include "core/thread_post.hpp"

#include <atomic>

namespace paddock {
namespace {
thread_local ThreadPost installed;
thread_local bool io_thread = false;
std::atomic<std::uint64_t> io_thread_blocking_calls{0};
}  // namespace

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
