#include "ocpp/charge_point_session.hpp"

#include <algorithm>

#include "core/log.hpp"
#include "ocpp/errors.hpp"
#include "ocpp/schema.hpp"

namespace paddock::ocpp {
namespace {

namespace json = boost::json;

constexpr std::uint16_t kCloseUnsupportedData = 1003;  // RFC 6455 §7.4.1
// The id a CallError carries when the offending message had none we could read.
constexpr std::string_view kUnknownId = "-1";

bool handled(std::string_view action) {
  auto actions = handled_actions();
  return std::find(actions.begin(), actions.end(), action) != actions.end();
}

std::string call_error(std::string id, CallErrorCode code, std::string description) {
  return serialize(CallError{std::move(id), code, std::move(description), {}});
}

}  // namespace

ChargePointSession::ChargePointSession(CentralSystem& central_system, std::string charge_point_id,
                                       bool approved)
    : central_system_(central_system),
      charge_point_id_(std::move(charge_point_id)),
      approved_(approved) {}

void ChargePointSession::on_open(session::Session& session) {
  wake_ = session.waker();
  back_ = session.poster();
  run_storage_ = session.storage_runner();
  central_system_.attach(charge_point_id_, shared_from_this(), approved_);
  log::event(log::Level::info, "charge point connected",
             {{"charge_point_id", charge_point_id_}, {"remote", session.peer_address()}});
}

void ChargePointSession::on_message(session::Session& session, session::MessageKind kind,
                                    std::string_view data) {
  if (kind != session::MessageKind::text) {
    return session.close(kCloseUnsupportedData, "OCPP-J messages are text frames");
  }
  auto parsed = parse_message(data);
  if (auto* fault = std::get_if<FrameFault>(&parsed)) {
    return push(call_error(fault->id.empty() ? std::string(kUnknownId) : fault->id, fault->code,
                           fault->description));
  }
  auto& message = std::get<Message>(parsed);
  if (auto* call = std::get_if<Call>(&message)) return on_call(std::move(*call));
  if (auto* result = std::get_if<CallResult>(&message)) {
    return on_answer(session, result->id, std::move(result->payload));
  }
  auto& error = std::get<CallError>(message);
  on_answer(session, error.id,
            make_error(kCallRefused,
                       std::string(call_error_name(error.code)) + ": " + error.description));
}

void ChargePointSession::on_call(Call call) {
  if (recent_id_set_.contains(call.id)) {
    return push(
        call_error(call.id, CallErrorCode::protocol_error, "this message id was already used"));
  }
  recent_ids_.push_back(call.id);
  recent_id_set_.insert(call.id);
  if (recent_ids_.size() > kRecentIds) {
    recent_id_set_.erase(recent_ids_.front());
    recent_ids_.pop_front();
  }
  if (answering_) {
    return push(call_error(call.id, CallErrorCode::protocol_error,
                           "one CALL at a time: the previous one is not answered yet"));
  }
  const SchemaSet& schemas = SchemaSet::ocpp16();
  if (!schemas.knows(call.action)) {
    return push(call_error(call.id, CallErrorCode::not_supported,
                           call.action + " is not an OCPP 1.6 action"));
  }
  if (!handled(call.action)) {
    return push(call_error(call.id, CallErrorCode::not_implemented,
                           call.action + " is not handled by this central system"));
  }
  if (auto bad = schemas.validate(call.action, Direction::request, call.payload)) {
    return push(call_error(call.id, bad->code, bad->path + ": " + bad->message));
  }
  answering_ = true;
  // The central system reads (and submits writes) where storage work runs; its answer, from
  // wherever it is given, comes back here. Nothing else of this pile's is taken meanwhile.
  run_storage_([self = shared_from_this(), call = std::move(call)] {
    self->central_system_.handle(self->charge_point_id_, call,
                                 [self, id = call.id, action = call.action](Answer answer) {
                                   self->back_([self, id, action, answer = std::move(answer)] {
                                     self->answered(id, action, answer);
                                   });
                                 });
  });
}

void ChargePointSession::answered(const std::string& id, const std::string& action,
                                  Answer answer) {
  answering_ = false;
  if (auto* error = std::get_if<CallError>(&answer)) {
    error->id = id;
    return push(serialize(*error));
  }
  auto& payload = std::get<json::object>(answer);
  // Our own answer must meet the schema too: a pile in strict mode would reject it.
  if (auto bad = SchemaSet::ocpp16().validate(action, Direction::response, payload)) {
    log::event(log::Level::error, "ocpp answer fails its schema",
               {{"action", action}, {"path", bad->path}, {"message", bad->message}});
    return push(call_error(id, CallErrorCode::internal_error, "the answer was invalid"));
  }
  push(serialize(CallResult{id, std::move(payload)}));
}

void ChargePointSession::on_answer(session::Session& session, std::string_view id,
                                   Result<json::object> answer) {
  if (!outstanding_ || outstanding_->id != id) {
    log::event(log::Level::debug, "ocpp answer to no outstanding call",
               {{"charge_point_id", charge_point_id_}, {"id", std::string(id)}});
    return;
  }
  Outstanding done = std::move(*outstanding_);
  outstanding_.reset();
  if (answer) {
    if (auto bad = SchemaSet::ocpp16().validate(done.call.action, Direction::response, *answer)) {
      answer = make_error(kCallRefused, std::string(call_error_name(bad->code)) +
                                            ": the pile's answer fails its schema at " + bad->path);
    }
  }
  done.call.done(std::move(answer));
  send_next_call(session);
}

void ChargePointSession::push(std::string text) {
  if (outbox_.size() >= kMaxOutbox) {
    overflow_ = true;
  } else {
    outbox_.push_back(std::move(text));
  }
  if (wake_) wake_();
}

void ChargePointSession::on_writable(session::Session& session, std::size_t budget) {
  if (replaced_.load()) {
    return session.close(session::kClosePolicy, "replaced by a newer connection of this pile");
  }
  if (overflow_) return session.close(session::kClosePolicy, "too many unread answers");
  while (budget > 0 && !outbox_.empty()) {
    session.send(session::MessageKind::text,
                 session::SharedBytes::copy(std::move(outbox_.front())));
    outbox_.pop_front();
    --budget;
  }
  if (budget > 0 && !outstanding_) send_next_call(session);
}

void ChargePointSession::send_next_call(session::Session& session) {
  if (answering_) return;  // the pile has its answer first (answered() wakes us again)
  std::optional<PendingCall> next;
  {
    std::lock_guard lock(mutex_);
    if (queued_.empty()) return;
    next = std::move(queued_.front());
    queued_.pop_front();
  }
  const auto timeout = central_system_.options().call_timeout;
  Outstanding o{"cs-" + std::to_string(++next_id_), std::move(*next),
                std::chrono::steady_clock::now() + timeout};
  session.send(session::MessageKind::text,
               session::SharedBytes::copy(serialize(Call{o.id, o.call.action, o.call.payload})));
  outstanding_ = std::move(o);
  session.set_deadline(timeout);
}

void ChargePointSession::on_deadline(session::Session& session) {
  if (!outstanding_) return;
  if (std::chrono::steady_clock::now() < outstanding_->deadline) {
    session.set_deadline(outstanding_->deadline - std::chrono::steady_clock::now());
    return;
  }
  Outstanding late = std::move(*outstanding_);
  outstanding_.reset();
  late.call.done(make_error(kCallTimedOut, late.call.action + " got no answer in time"));
  send_next_call(session);
}

void ChargePointSession::enqueue_call(std::string action, json::object payload,
                                      Callback<json::object> done) {
  {
    std::lock_guard lock(mutex_);
    if (!closed_ && queued_.size() < central_system_.options().max_queued_calls) {
      queued_.push_back({std::move(action), std::move(payload), std::move(done)});
      done = nullptr;
    }
  }
  if (!done) return wake_();
  bool closed;
  {
    std::lock_guard lock(mutex_);
    closed = closed_;
  }
  done(closed ? make_error(kChargePointOffline, "charge point " + charge_point_id_ + " went away")
              : make_error(kCallQueueFull, "too many calls are waiting for " + charge_point_id_));
}

void ChargePointSession::replaced() {
  replaced_ = true;
  if (wake_) wake_();
}

void ChargePointSession::on_closed() {
  central_system_.detach(charge_point_id_, this);
  std::deque<PendingCall> orphans;
  {
    std::lock_guard lock(mutex_);
    closed_ = true;
    orphans.swap(queued_);
  }
  Error gone = make_error(kChargePointOffline, "charge point " + charge_point_id_ + " went away");
  if (outstanding_) {
    auto call = std::move(outstanding_->call);
    outstanding_.reset();
    call.done(gone);
  }
  for (auto& call : orphans) call.done(gone);
  outbox_.clear();
  log::event(log::Level::info, "charge point disconnected",
             {{"charge_point_id", charge_point_id_}});
}

}  // namespace paddock::ocpp
