#pragma once
// antitheft/pile_link: the two seams between the lock workflow and the OCPP central system,
// so that neither module includes the other's implementation. ocpp::CentralSystem implements
// PileCalls; antitheft::LockWorkflow implements PileEvents. Depends on core and Boost.JSON.
#include <boost/json/object.hpp>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"

namespace paddock::antitheft {

// The central system's calls to a pile, as the lock workflow makes them.
class PileCalls {
 public:
  virtual ~PileCalls() = default;
  // True iff the pile is connected to this node (with several nodes, to one of them).
  virtual bool online(std::string_view charge_point_id) const = 0;
  // The piles connected to this node.
  virtual std::vector<std::string> connected() const = 0;
  // Any thread. Hands `task` to the thread of this node's connection to the pile and returns
  // true; false (and `task` is dropped) when the pile is not connected here.
  virtual bool run_on_pile_thread(std::string_view charge_point_id,
                                  std::function<void()> task) = 0;
  // Sends an OCPP CALL; `done` runs on the calling thread with the pile's result payload or an
  // error (offline, timeout, the pile's CallError).
  virtual void call(std::string_view charge_point_id, std::string action,
                    boost::json::object payload, Callback<boost::json::object> done) = 0;
};

// What happens at the piles that a lock waits for. Called on an I/O thread after the pile's
// message is stored (and answered).
class PileEvents {
 public:
  virtual ~PileEvents() = default;
  // A StartTransaction with one of the vehicle's idTags: the car is on this pile.
  virtual void session_linked(const std::string& vehicle_id, const std::string& charge_point_id,
                              int connector_id, std::int64_t transaction_id) = 0;
  // The pile (re)connected and booted.
  virtual void pile_booted(const std::string& charge_point_id) = 0;
};

}  // namespace paddock::antitheft
