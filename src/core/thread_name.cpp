#include "core/thread_name.hpp"

#include <pthread.h>

namespace paddock {

namespace {
constexpr std::size_t kNameLimit = 15;  // the kernel's TASK_COMM_LEN, less its terminator
}

void name_this_thread(std::string_view name) {
  std::string cut(name.substr(0, kNameLimit));
  // Only fails for a name over the limit, which the cut rules out; a name is a courtesy anyway.
  pthread_setname_np(pthread_self(), cut.c_str());
}

std::string this_thread_name() {
  char name[kNameLimit + 1] = {};
  if (pthread_getname_np(pthread_self(), name, sizeof name) != 0) return {};
  return name;
}

}  // namespace paddock
