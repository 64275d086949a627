#pragma once
// core/thread_name: names the calling thread, so `top -H`, `ps -L`, perf and the benchmarks'
// per-thread CPU say which of Paddock's threads is busy (I/O, fan-out, commit, hashing...).
#include <string>
#include <string_view>

namespace paddock {

// Linux keeps 15 bytes of a thread's name: a longer one is cut there.
void name_this_thread(std::string_view name);
// The calling thread's name ("" if it cannot be read).
std::string this_thread_name();

}  // namespace paddock
