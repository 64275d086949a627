#include "core/thread_post.hpp"

namespace paddock {
namespace {
thread_local ThreadPost installed;
}  // namespace

void install_thread_post(ThreadPost hook) { installed = hook; }

ThreadPost current_thread_post() { return installed; }

}  // namespace paddock
