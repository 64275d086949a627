#pragma once
// ocpp/charge_point_session: one connected charge point, the OCPP-J handler of a
// session::Session (the transport owns the socket, framing and pings). Parses each text message
// (ocpp/frame), validates CALL payloads against their schema (ocpp/schema) and has the
// CentralSystem answer them; sends the central system's own CALLs one at a time with a
// timeout. Rules per connection (OCPP-J 1.6 §4.1.1): one CALL outstanding in each direction,
// a pile's second CALL before we answered the first is refused with ProtocolError; a message id
// the pile used in its last kRecentIds CALLs is refused with ProtocolError. Binary messages end
// the connection (1003): OCPP-J is text. The central system's work for a CALL (its storage
// reads and writes) runs where the session's storage work runs (session::Session::
// storage_runner: the handler pool on PostgreSQL, this thread on SQLite); the answer comes back
// to this thread, and the next CALL is taken only after it. Depends on session, core and this
// module.
#include <atomic>
#include <boost/json/object.hpp>
#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_set>

#include "core/result.hpp"
#include "ocpp/central_system.hpp"
#include "session/session.hpp"

namespace paddock::ocpp {

class ChargePointSession final : public session::Handler,
                                 public std::enable_shared_from_this<ChargePointSession> {
 public:
  static constexpr std::size_t kRecentIds = 64;
  // Answers and errors waiting for the socket; a pile that keeps sending without reading is
  // closed (1008) rather than buffered without bound.
  static constexpr std::size_t kMaxOutbox = 64;

  // `approved`: whether the pile was approved when it connected (CentralSystem::read_approval,
  // read by the route, off this thread).
  ChargePointSession(CentralSystem& central_system, std::string charge_point_id, bool approved);

  void on_open(session::Session& session) override;
  void on_message(session::Session& session, session::MessageKind kind,
                  std::string_view data) override;
  void on_writable(session::Session& session, std::size_t budget) override;
  void on_deadline(session::Session& session) override;
  void on_closed() override;

  // Any thread. Queues a central-system CALL (payload already validated); `done` gets the
  // result on this session's thread (CentralSystem::call hops it back to its caller's).
  void enqueue_call(std::string action, boost::json::object payload,
                    Callback<boost::json::object> done);
  // Any thread. A newer connection of the same pile took over: this one closes.
  void replaced();
  // Any thread. Runs `task`, which may read storage, where this pile's storage work runs (see
  // above).
  void run_storage_work(std::function<void()> task) const { run_storage_(std::move(task)); }

  const std::string& charge_point_id() const { return charge_point_id_; }

 private:
  struct PendingCall {
    std::string action;
    boost::json::object payload;
    Callback<boost::json::object> done;
  };
  struct Outstanding {
    std::string id;
    PendingCall call;
    std::chrono::steady_clock::time_point deadline;
  };

  void on_call(Call call);
  // The central system's answer to the pile's CALL `id`, on this session's thread.
  void answered(const std::string& id, const std::string& action, Answer answer);
  // The pile answered our outstanding CALL `id` (a CALLRESULT's payload, or an error).
  void on_answer(session::Session& session, std::string_view id,
                 Result<boost::json::object> answer);
  void push(std::string text);
  void send_next_call(session::Session& session);
  void fail_all(const Error& error);

  CentralSystem& central_system_;
  const std::string charge_point_id_;
  const bool approved_;
  session::Waker wake_;
  // Set in on_open, before the pile is registered; read-only afterwards.
  session::Session::Post back_;          // to this session's thread
  session::Session::Post run_storage_;  // where storage work runs

  // Session thread only.
  std::deque<std::string> outbox_;
  // The pile's CALL is with the central system. Our CALLs wait meanwhile, so that the pile
  // has its answer first: an Accepted BootNotification's above all (OCPP 1.6 §4.2), since
  // the lock workflow acts on a boot before it is answered.
  bool answering_ = false;
  std::deque<std::string> recent_ids_;
  std::unordered_set<std::string> recent_id_set_;
  std::optional<Outstanding> outstanding_;
  std::uint64_t next_id_ = 0;
  bool overflow_ = false;

  // Any thread.
  std::mutex mutex_;
  std::deque<PendingCall> queued_;
  bool closed_ = false;
  std::atomic<bool> replaced_{false};
};

}  // namespace paddock::ocpp
