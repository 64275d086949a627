#pragma once
// antitheft/lock_chains: which chains of pile calls run for which lock, so that the lock
// workflow's calls reach a pile in an order that leaves it as the lock says. Per lock: one
// sending chain (LockVehicle, then the standard levers if refused), one re-applying chain (a
// rebooted pile's levers again) and one reversal. A send or re-application asked for while one
// runs is remembered and begun once more when it ends (a pile that rebooted meanwhile may have
// lost what the running one did); a reversal asked for while one runs is not begun again blindly
// (it would send the same calls) but makes its caller look at the database once more when the
// running one has recorded its outcome, and one asked for while the levers are being re-applied
// waits for them, so that the pile gets the undoing last. Thread-safe; holds ids only. Depends
// on the standard library.
#include <map>
#include <mutex>
#include <string>

namespace paddock::antitheft {

class LockChains {
 public:
  enum class Next { nothing, again, reverse };

  // True: begin it. False: one runs, and another follows it.
  bool begin_send(const std::string& lock_id);
  // True iff another send was asked for meanwhile: the caller begins it (begin_send again).
  bool end_send(const std::string& lock_id);

  // True: begin it. False: one runs, and another follows it.
  bool begin_reapply(const std::string& lock_id);
  // What follows a re-application: `again` (asked for meanwhile; it still counts as running,
  // so a reversal keeps waiting), `reverse` (a reversal waited for it), or nothing.
  Next end_reapply(const std::string& lock_id);

  // True: begin it. False: it runs already, or it waits for a re-application (which hands it
  // back through end_reapply).
  bool begin_reverse(const std::string& lock_id);
  // True iff a reversal was asked for while this one ran: the caller reads whether the lock
  // still needs one (a pile that came back, an announcement that crossed the outcome).
  bool end_reverse(const std::string& lock_id);

 private:
  struct Chains {
    bool sending = false;
    bool send_again = false;
    bool reapplying = false;
    bool reapply_again = false;
    bool reversing = false;
    bool reverse_asked = false;  // while reversing
    bool reverse_after_reapply = false;
    bool idle() const {
      return !sending && !send_again && !reapplying && !reapply_again && !reversing &&
             !reverse_asked && !reverse_after_reapply;
    }
  };
  void forget_if_idle(std::map<std::string, Chains>::iterator it);

  std::mutex mutex_;
  std::map<std::string, Chains> locks_;  // only locks with a chain running or waiting
};

}  // namespace paddock::antitheft
