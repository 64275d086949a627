#include "antitheft/lock_chains.hpp"

namespace paddock::antitheft {

void LockChains::forget_if_idle(std::map<std::string, Chains>::iterator it) {
  if (it->second.idle()) locks_.erase(it);
}

bool LockChains::begin_send(const std::string& lock_id) {
  std::lock_guard guard(mutex_);
  Chains& c = locks_[lock_id];
  if (!c.sending) return c.sending = true;
  c.send_again = true;
  return false;
}

bool LockChains::end_send(const std::string& lock_id) {
  std::lock_guard guard(mutex_);
  auto it = locks_.find(lock_id);
  if (it == locks_.end()) return false;
  const bool again = it->second.send_again;
  it->second.sending = it->second.send_again = false;
  forget_if_idle(it);
  return again;
}

bool LockChains::begin_reapply(const std::string& lock_id) {
  std::lock_guard guard(mutex_);
  Chains& c = locks_[lock_id];
  if (!c.reapplying) return c.reapplying = true;
  c.reapply_again = true;
  return false;
}

LockChains::Next LockChains::end_reapply(const std::string& lock_id) {
  std::lock_guard guard(mutex_);
  auto it = locks_.find(lock_id);
  if (it == locks_.end()) return Next::nothing;
  Chains& c = it->second;
  if (c.reapply_again) {
    c.reapply_again = false;
    return Next::again;
  }
  c.reapplying = false;
  if (c.reverse_after_reapply) {
    c.reverse_after_reapply = false;
    c.reversing = true;  // handed to the caller, already begun
    return Next::reverse;
  }
  forget_if_idle(it);
  return Next::nothing;
}

bool LockChains::begin_reverse(const std::string& lock_id) {
  std::lock_guard guard(mutex_);
  Chains& c = locks_[lock_id];
  if (c.reversing) {
    c.reverse_asked = true;
    return false;
  }
  if (c.reverse_after_reapply) return false;
  if (c.reapplying) {
    c.reverse_after_reapply = true;
    return false;
  }
  return c.reversing = true;
}

bool LockChains::end_reverse(const std::string& lock_id) {
  std::lock_guard guard(mutex_);
  auto it = locks_.find(lock_id);
  if (it == locks_.end()) return false;
  const bool asked = it->second.reverse_asked;
  it->second.reversing = it->second.reverse_asked = false;
  forget_if_idle(it);
  return asked;
}

}  // namespace paddock::antitheft
