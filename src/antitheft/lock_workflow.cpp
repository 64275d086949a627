#include "antitheft/lock_workflow.hpp"

#include <algorithm>
#include <array>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <memory>

#include "antitheft/errors.hpp"
#include "core/ids.hpp"
#include "core/log.hpp"
#include "core/text.hpp"
#include "core/thread_post.hpp"
#include "identity/errors.hpp"
#include "sharing/access.hpp"

namespace paddock::antitheft {
namespace {

namespace json = boost::json;

constexpr std::array kKinds = {kVehicleLockState};

// One call to the pile and the statuses that mean it took effect.
struct Lever {
  std::string name;
  std::string action;
  json::object payload;
  std::vector<std::string_view> accepted = {"Accepted"};
};

struct LeverResult {
  std::string name;
  std::string status;  // the pile's status, or the error
  bool applied = false;
  bool answered = false;  // a CALLRESULT came back (not a CallError, timeout or absence)
  // The pile never got to answer (offline, timed out, its queue full): not a refusal, so it
  // is no reason to fall back or to give up; the lock waits for the pile instead.
  bool unreachable = false;
};

using Results = std::vector<LeverResult>;

// Sends `levers` one after another (the pile takes one CALL at a time anyway) and hands every
// result to `done`, on the calling thread.
void run_levers(PileCalls& piles, std::string cp, std::shared_ptr<std::vector<Lever>> levers,
                std::size_t next, std::shared_ptr<Results> results,
                std::function<void(Results)> done) {
  if (next == levers->size()) return done(std::move(*results));
  Lever& lever = (*levers)[next];
  piles.call(cp, lever.action, lever.payload,
             [&piles, cp, levers, next, results, done](Result<json::object> answer) {
               const Lever& l = (*levers)[next];
               LeverResult r{l.name, "", false, answer.ok()};
               if (answer) {
                 auto* status = answer->if_contains("status");
                 r.status = status && status->is_string() ? std::string(status->get_string())
                                                          : std::string("Accepted");
                 r.applied =
                     std::find(l.accepted.begin(), l.accepted.end(), r.status) != l.accepted.end();
               } else {
                 r.status = answer.error().detail.empty() ? std::string(answer.error().code.name)
                                                          : answer.error().detail;
                 const ErrorKind kind = answer.error().code.kind;
                 r.unreachable = kind == ErrorKind::unavailable || kind == ErrorKind::rate_limited;
               }
               results->push_back(std::move(r));
               run_levers(piles, cp, levers, next + 1, results, done);
             });
}

json::array results_json(const Results& results) {
  json::array out;
  for (const auto& r : results) {
    out.push_back({{"name", r.name}, {"status", r.status}, {"applied", r.applied}});
  }
  return out;
}

json::object parse_levers(const std::string& text) {
  boost::system::error_code ec;
  auto v = json::parse(text, ec);
  if (ec || !v.is_object()) return {};
  return std::move(v.get_object());
}

bool lever_applied(const json::object& levers, std::string_view name) {
  auto* list = levers.if_contains("levers");
  if (!list || !list->is_array()) return false;
  for (const auto& l : list->get_array()) {
    const auto& o = l.as_object();
    if (o.at("name").as_string() == name && o.at("applied").as_bool()) return true;
  }
  return false;
}

bool vendor_locked(const json::object& levers) {
  auto* v = levers.if_contains("vendor_lock");
  return v && v->is_object() && v->get_object().at("applied").as_bool();
}

std::string summary(const Results& results) {
  std::string text;
  for (const auto& r : results) {
    if (!text.empty()) text += ", ";
    text += r.name + ": " + r.status;
  }
  return text;
}

// Tells every node (iff the job commits) that a lock on the pile changed.
Result<void> announce_pile(storage::Writes& w, const LockRecord& lock) {
  if (!lock.charge_point_id) return {};
  return w.announce(kPileTopic, *lock.charge_point_id);
}

std::optional<LockState> parse_state(std::string_view name) {
  for (int i = 0; i <= static_cast<int>(LockState::released); ++i) {
    auto s = static_cast<LockState>(i);
    if (lock_state_name(s) == name) return s;
  }
  return std::nullopt;
}

}  // namespace

LockWorkflow::LockWorkflow(storage::Store& store, identity::PasswordHasher& hasher,
                           identity::LoginLimiter& limiter, events::LiveEvents* live,
                           PileCalls& piles)
    : store_(store), hasher_(hasher), limiter_(limiter), live_(live), piles_(piles) {
  events::register_kinds(kKinds);
}

json::object LockWorkflow::view(const LockRecord& l) {
  return {{"id", l.id},
          {"vehicle_id", l.vehicle_id},
          {"state", l.state},
          {"reason", l.reason},
          {"charge_point_id", l.charge_point_id ? json::value(*l.charge_point_id) : nullptr},
          {"connector_id", l.connector_id},
          {"transaction_id", l.transaction_id ? json::value(*l.transaction_id) : nullptr},
          {"levers", parse_levers(l.levers)},
          {"created_at", format_rfc3339(l.created_at)},
          {"updated_at", format_rfc3339(l.updated_at)}};
}

void LockWorkflow::check_password(const std::string& user_id, std::string password,
                                  std::string address, std::function<void(Result<void>)> done) {
  auto user = store_.reads().identity().user_by_id(user_id);
  if (!user) return done(user.take_error());
  if (!*user) return done(make_error(Errc::unauthorized, "the session's user is gone"));
  // The same limiter and key as logins: guessing here costs the same as guessing there.
  std::string key = ascii_lower((*user)->username);
  if (int wait = limiter_.retry_after(key, address, now_millis()); wait > 0) {
    Error e = make_error(identity::kTooManyAttempts,
                         "too many failed attempts; try again in " + std::to_string(wait) + " s");
    e.retry_after_seconds = wait;
    return done(std::move(e));
  }
  auto finish = std::move(done);  // the hasher answers on this thread
  std::string hash = (*user)->password_hash;
  hasher_.verify(
      std::move(hash), std::move(password), [this, key, address, finish](Result<bool> ok) {
        if (!ok || !*ok) {
          limiter_.record_failure(key, address, now_millis());
          return finish(make_error(identity::kInvalidCredentials, "the password is wrong"));
        }
        limiter_.record_success(key);
        finish(Result<void>());
      });
}

void LockWorkflow::lock(std::string user_id, std::string vehicle_id, std::string reason,
                        std::string password, std::string address, Callback<LockView> done) {
  if (reason.empty() || utf8_length(reason) > kMaxReasonChars || has_control_characters(reason)) {
    return done(make_error(Errc::invalid_field,
                           "reason must be 1 to 200 characters without control characters",
                           "reason"));
  }
  // Who may lock first (no password oracle for strangers), then the password.
  if (auto v = sharing::vehicle_for_owner(store_.reads(), user_id, vehicle_id); !v) {
    return done(v.take_error());
  }
  check_password(
      user_id, std::move(password), std::move(address),
      [this, user_id, vehicle_id, reason, done = std::move(done)](Result<void> ok) mutable {
        if (!ok) return done(ok.take_error());
        auto created = std::make_shared<std::optional<storage::EventRecord>>();
        store_.write<LockView>(
            [user_id, vehicle_id, reason, created](storage::Writes& w) -> Result<LockView> {
              PADDOCK_ASSIGN(vehicle, sharing::vehicle_for_owner(w, user_id, vehicle_id));
              PADDOCK_ASSIGN(latest, w.antitheft().latest_lock(vehicle_id));
              if (latest && latest->state != lock_state_name(LockState::released) &&
                  latest->state != lock_state_name(LockState::failed)) {
                return make_error(kLockActive, "the vehicle's lock is " + latest->state);
              }
              PADDOCK_ASSIGN(session, w.charge_points().running_transaction_of_vehicle(vehicle_id));
              const UnixMillis now = now_millis();
              LockRecord lock{new_id("lck"),
                              vehicle_id,
                              std::string(lock_state_name(LockState::requested)),
                              reason,
                              user_id,
                              std::nullopt,
                              0,
                              std::nullopt,
                              "{}",
                              now,
                              now};
              if (session) {
                lock.charge_point_id = session->charge_point_id;
                lock.connector_id = session->connector_id;
                lock.transaction_id = session->id;
              }
              PADDOCK_TRY(w.antitheft().put_lock(lock));
              LockAuditEntry entry{lock.id, now, lock.state, "requested by the owner: " + reason};
              PADDOCK_TRY(w.antitheft().append_lock_audit(entry));
              storage::EventRecord e;
              e.vehicle_id = vehicle.id;
              e.target_user = vehicle.owner_id;
              e.type = std::string(kVehicleLockState.name);
              e.payload = json::serialize(view(lock));
              e.created_at = now;
              PADDOCK_ASSIGN(seq, w.events().append_event(e));
              e.seq = seq;
              created->emplace(std::move(e));
              PADDOCK_TRY(announce_pile(w, lock));
              return LockView{lock, {entry}};
            },
            [this, done = std::move(done)](Result<LockView> created_lock) {
              if (!created_lock) return done(created_lock.take_error());
              LockRecord lock = created_lock->lock;
              done(std::move(*created_lock));
              const bool on_pile = lock.charge_point_id && piles_.online(*lock.charge_point_id);
              transition(
                  lock.vehicle_id, on_pile ? LockEvent::on_pile : LockEvent::not_on_pile, {},
                  on_pile ? "the car charges on " + *lock.charge_point_id + ", connected"
                  : lock.charge_point_id ? "the car's pile " + *lock.charge_point_id +
                                               " is offline: the lock waits for it"
                                         : "the car is on no pile: armed until a session places it",
                  nullptr, [this](const LockRecord& l, unsigned actions) { act(l, actions); });
            },
            [this, created](LockView&) {
              if (live_ && *created) live_->publish({std::move(**created)});
            });
      });
}

void LockWorkflow::unlock(std::string user_id, std::string vehicle_id, std::string password,
                          std::string address, Callback<LockView> done) {
  if (auto v = sharing::vehicle_for_owner(store_.reads(), user_id, vehicle_id); !v) {
    return done(v.take_error());
  }
  check_password(user_id, std::move(password), std::move(address),
                 [this, user_id, vehicle_id, done = std::move(done)](Result<void> ok) mutable {
                   if (!ok) return done(ok.take_error());
                   auto latest = store_.reads().antitheft().latest_lock(vehicle_id);
                   if (!latest) return done(latest.take_error());
                   if (!*latest || (*latest)->state == lock_state_name(LockState::released)) {
                     return done(make_error(kNotLocked, "the vehicle is not locked"));
                   }
                   transition(
                       vehicle_id, LockEvent::unlock, {}, "released by the owner", nullptr,
                       [this, vehicle_id, user_id, done](const LockRecord& l, unsigned actions) {
                         act(l, actions);
                         done(get(user_id, vehicle_id));
                       });
                 });
}

Result<LockView> LockWorkflow::get(const std::string& user_id, const std::string& vehicle_id) {
  auto& reads = store_.reads();
  PADDOCK_TRY(sharing::vehicle_for_member(reads, user_id, vehicle_id));
  PADDOCK_ASSIGN(latest, reads.antitheft().latest_lock(vehicle_id));
  if (!latest) return make_error(Errc::not_found, "this vehicle was never locked");
  PADDOCK_ASSIGN(audit, reads.antitheft().lock_audit(latest->id));
  return LockView{std::move(*latest), std::move(audit)};
}

namespace {

// The three standard levers for a pile that does not know LockVehicle: keep the cable locked,
// a 0 A profile on the lock's transaction, the connector inoperative.
std::shared_ptr<std::vector<Lever>> standard_levers(const LockRecord& lock) {
  json::object profile{
      {"chargingProfileId", kLockChargingProfileId},
      {"stackLevel", kLockChargingProfileStackLevel},
      {"chargingProfilePurpose", "TxProfile"},
      {"chargingProfileKind", "Relative"},
      {"chargingSchedule",
       json::object{{"chargingRateUnit", "A"},
                    {"chargingSchedulePeriod",
                     json::array{json::object{{"startPeriod", 0}, {"limit", 0}}}}}}};
  if (lock.transaction_id) profile["transactionId"] = *lock.transaction_id;
  const int connector = lock.connector_id > 0 ? lock.connector_id : 1;
  return std::make_shared<std::vector<Lever>>(std::vector<Lever>{
      {"keep_cable_locked",
       "ChangeConfiguration",
       json::object{{"key", "UnlockConnectorOnEVSideDisconnect"}, {"value", "false"}},
       {"Accepted", "RebootRequired"}},
      {"zero_current", "SetChargingProfile",
       json::object{{"connectorId", connector}, {"csChargingProfiles", profile}}},
      {"inoperative",
       "ChangeAvailability",
       json::object{{"connectorId", connector}, {"type", "Inoperative"}},
       {"Accepted", "Scheduled"}}});
}

// The vendor's own lock (DataTransfer com.paddock/LockVehicle) on the lock's session.
Lever lock_vehicle_lever(const LockRecord& lock, const std::optional<std::string>& vin) {
  json::object data{{"connectorId", lock.connector_id},
                    {"transactionId", lock.transaction_id ? json::value(*lock.transaction_id)
                                                          : json::value(nullptr)},
                    {"vin", vin ? json::value(*vin) : json::value(nullptr)}};
  return {"vendor_lock", "DataTransfer",
          json::object{{"vendorId", kVendorId},
                       {"messageId", "LockVehicle"},
                       {"data", json::serialize(data)}}};
}

// Appends `vehicle.lock_state` with the lock as written, for the vehicle's owner.
Result<std::optional<storage::EventRecord>> lock_state_event(storage::Writes& w,
                                                             const LockRecord& lock) {
  PADDOCK_ASSIGN(vehicle, w.sharing().vehicle_by_id(lock.vehicle_id));
  if (!vehicle) return std::optional<storage::EventRecord>{};
  storage::EventRecord e;
  e.vehicle_id = lock.vehicle_id;
  e.target_user = vehicle->owner_id;
  e.type = std::string(kVehicleLockState.name);
  e.payload = json::serialize(LockWorkflow::view(lock));
  e.created_at = lock.updated_at;
  PADDOCK_ASSIGN(seq, w.events().append_event(e));
  e.seq = seq;
  return std::optional(std::move(e));
}

}  // namespace

void LockWorkflow::transition(const std::string& vehicle_id, LockEvent event, LeverOutcome outcome,
                              std::string note, std::function<void(LockRecord&)> mutate,
                              std::function<void(const LockRecord&, unsigned)> then) {
  struct Taken {
    std::optional<LockRecord> lock;
    unsigned actions = kNone;
    std::optional<storage::EventRecord> event;
  };
  store_.write<Taken>(
      [vehicle_id, event, outcome, note, mutate](storage::Writes& w) -> Result<Taken> {
        PADDOCK_ASSIGN(latest, w.antitheft().latest_lock(vehicle_id));
        if (!latest) return Taken{};
        auto state = parse_state(latest->state);
        if (!state) return Taken{};
        auto next = step(*state, event, outcome);
        if (!next) return Taken{};
        LockRecord lock = *latest;
        if (mutate) mutate(lock);
        lock.state = std::string(lock_state_name(next->next));
        lock.updated_at = now_millis();
        PADDOCK_TRY(w.antitheft().put_lock(lock));
        PADDOCK_TRY(w.antitheft().append_lock_audit({lock.id, lock.updated_at, lock.state, note}));
        PADDOCK_TRY(announce_pile(w, lock));
        Taken taken{lock, next->actions, std::nullopt};
        if (next->actions & kNotifyOwner) {
          PADDOCK_ASSIGN(event, lock_state_event(w, lock));
          taken.event = std::move(event);
        }
        return taken;
      },
      [then](Result<Taken> taken) {
        if (!taken || !taken->lock) return;
        if (then) then(*taken->lock, taken->actions);
      },
      [this](Taken& taken) {
        if (live_ && taken.event) live_->publish({std::move(*taken.event)});
      });
}

void LockWorkflow::levers_answered(const LockRecord& started, std::string levers,
                                   LeverOutcome outcome, std::string note) {
  struct Outcome {
    bool stepped = false;           // levers_done was taken on `started`
    std::optional<LockRecord> undo;  // `started` was released meanwhile: reverse these levers
    std::optional<storage::EventRecord> event;
    std::optional<LockRecord> lock;
    unsigned actions = kNone;
  };
  store_.write<Outcome>(
      [started, levers, outcome, note](storage::Writes& w) -> Result<Outcome> {
        Outcome out;
        PADDOCK_ASSIGN(latest, w.antitheft().latest_lock(started.vehicle_id));
        const bool same = latest && latest->id == started.id;
        auto state = same ? parse_state(latest->state) : std::nullopt;
        if (same && state == LockState::requested) {
          auto next = step(*state, LockEvent::levers_done, outcome);
          LockRecord lock = *latest;
          lock.levers = levers;
          lock.state = std::string(lock_state_name(next->next));
          lock.updated_at = now_millis();
          PADDOCK_TRY(w.antitheft().put_lock(lock));
          PADDOCK_TRY(w.antitheft().append_lock_audit({lock.id, lock.updated_at, lock.state, note}));
          PADDOCK_ASSIGN(event, lock_state_event(w, lock));
          out.event = std::move(event);
          out.stepped = true;
          out.lock = lock;
          out.actions = next->actions;
          return out;
        }
        // Released (or followed by a newer lock) while its calls were out: keep what the pile
        // accepted on that lock, and undo it.
        if (same && state != LockState::released) return out;  // another chain's late answer
        LockRecord lock = same ? *latest : started;
        lock.levers = levers;
        lock.state = std::string(lock_state_name(LockState::released));
        lock.updated_at = now_millis();
        PADDOCK_TRY(w.antitheft().put_lock(lock));
        PADDOCK_TRY(w.antitheft().append_lock_audit(
            {lock.id, lock.updated_at, lock.state,
             note + " after the lock was released: reversing what the pile accepted"}));
        out.undo = lock;
        return out;
      },
      [this, started](Result<Outcome> done) {
        send_ended(started);  // one asked for meanwhile finds the lock no longer requested
        if (!done) return;
        if (done->undo) reverse(*done->undo);
      },
      [this](Outcome& out) {
        if (live_ && out.event) live_->publish({std::move(*out.event)});
      });
}

void LockWorkflow::read_now(const LockRecord& lock, std::vector<LockState> states,
                            std::function<void(std::optional<LockNow>)> then) {
  store_.write<std::optional<LockNow>>(
      [lock_id = lock.id, vehicle_id = lock.vehicle_id,
       states = std::move(states)](storage::Writes& w) -> Result<std::optional<LockNow>> {
        PADDOCK_ASSIGN(latest, w.antitheft().latest_lock(vehicle_id));
        if (!latest || latest->id != lock_id) return std::optional<LockNow>{};
        auto state = parse_state(latest->state);
        if (!state || std::find(states.begin(), states.end(), *state) == states.end()) {
          return std::optional<LockNow>{};
        }
        PADDOCK_ASSIGN(vehicle, w.sharing().vehicle_by_id(vehicle_id));
        return std::optional(LockNow{std::move(*latest), vehicle ? vehicle->vin : std::nullopt});
      },
      [lock_id = lock.id, then = std::move(then)](Result<std::optional<LockNow>> now) {
        if (!now) {
          // Nothing is sent and the lock is unchanged: the pile's next boot (or the next
          // announcement of the lock) tries again.
          log::event(log::Level::warn, "lock: cannot read the lock's state; its calls wait",
                     {{"lock_id", lock_id}, {"error", now.error().detail}});
          return then(std::nullopt);
        }
        then(std::move(*now));
      });
}

void LockWorkflow::act(const LockRecord& lock, unsigned actions) {
  if (actions & kSendLock) send_lock(lock);
  if (actions & kReapply) reapply(lock);
  if (actions & kReverseLevers) reverse(lock);
}

void LockWorkflow::send_lock(const LockRecord& asked) {
  if (!chains_.begin_send(asked.id)) return;  // its calls are out
  read_now(asked, {LockState::requested}, [this, asked](std::optional<LockNow> now) {
    if (!now || !now->lock.charge_point_id) return send_ended(asked);
    const LockRecord& lock = now->lock;
    auto levers = std::make_shared<std::vector<Lever>>();
    levers->push_back(lock_vehicle_lever(lock, now->vin));
    run_levers(
        piles_, *lock.charge_point_id, levers, 0, std::make_shared<Results>(),
        [this, lock](Results results) {
          const LeverResult& vendor = results.front();
          json::object record{{"vendor_lock", json::object{{"status", vendor.status},
                                                           {"applied", vendor.applied}}},
                              {"levers", json::array{}}};
          if (vendor.applied) {
            levers_answered(lock, json::serialize(record), {true, 0, 0},
                            "the pile accepted LockVehicle");
            return;
          }
          // Only the pile's refusal (UnknownVendorId, UnknownMessageId, Rejected, a CallError)
          // calls for the standard levers; a pile that went away gets LockVehicle again when
          // it is back (the lock stays requested, and a pile's boot sends it anew).
          if (vendor.unreachable) {
            note(lock, "LockVehicle not delivered (" + vendor.status + "): waiting for the pile");
            return send_ended(lock);
          }
          note(lock, "LockVehicle not taken (" + vendor.status + "): the standard levers");
          send_levers(lock, std::move(record));
        });
  });
}

void LockWorkflow::send_ended(const LockRecord& lock) {
  if (chains_.end_send(lock.id)) send_lock(lock);
}

void LockWorkflow::send_levers(const LockRecord& lock, json::object record) {
  auto levers = standard_levers(lock);
  run_levers(piles_, *lock.charge_point_id, levers, 0, std::make_shared<Results>(),
             [this, lock, record = std::move(record)](Results results) mutable {
               int accepted = 0;
               bool unreachable = false;
               for (const auto& r : results) {
                 accepted += r.applied ? 1 : 0;
                 unreachable = unreachable || r.unreachable;
               }
               // The pile went away before any lever took: not a failure, the lock waits for it.
               if (accepted == 0 && unreachable) {
                 note(lock, "levers not delivered (" + summary(results) + "): waiting for the pile");
                 return send_ended(lock);
               }
               json::array list = results_json(results);
               // Ours, not the pile's: other idTags are answered Blocked while the lock holds.
               list.push_back(
                   {{"name", "refuse_other_id_tags"}, {"status", "Applied"}, {"applied", true}});
               record["levers"] = std::move(list);
               levers_answered(lock, json::serialize(record),
                               {false, static_cast<int>(results.size()), accepted},
                               "levers: " + summary(results));
             });
}

void LockWorkflow::reverse(const LockRecord& lock) {
  if (!lock.charge_point_id) return;
  // Not twice at once, and not among a re-application's calls: after them (reapply_ended).
  if (!chains_.begin_reverse(lock.id)) return;
  reverse_begun(lock);
}

void LockWorkflow::reverse_begun(const LockRecord& lock) {
  json::object record = parse_levers(lock.levers);
  auto levers = std::make_shared<std::vector<Lever>>();
  if (vendor_locked(record)) {
    levers->push_back(
        {"vendor_unlock", "DataTransfer",
         json::object{
             {"vendorId", kVendorId},
             {"messageId", "UnlockVehicle"},
             {"data", json::serialize(json::object{
                          {"connectorId", lock.connector_id},
                          {"transactionId", lock.transaction_id ? json::value(*lock.transaction_id)
                                                                : json::value(nullptr)}})}}});
  }
  const int connector = lock.connector_id > 0 ? lock.connector_id : 1;
  if (lever_applied(record, "keep_cable_locked")) {
    levers->push_back(
        {"keep_cable_locked",
         "ChangeConfiguration",
         json::object{{"key", "UnlockConnectorOnEVSideDisconnect"}, {"value", "true"}},
         {"Accepted", "RebootRequired"}});
  }
  if (lever_applied(record, "zero_current")) {
    levers->push_back(
        {"zero_current", "ClearChargingProfile", json::object{{"id", kLockChargingProfileId}}});
  }
  if (lever_applied(record, "inoperative")) {
    levers->push_back({"inoperative",
                       "ChangeAvailability",
                       json::object{{"connectorId", connector}, {"type", "Operative"}},
                       {"Accepted", "Scheduled"}});
  }
  if (levers->empty()) return reverse_ended(lock);
  auto ended = [this, lock] { reverse_ended(lock); };
  if (!piles_.online(*lock.charge_point_id)) {
    // Kept for the pile's return (pile_booted): a released car must not stay held.
    return set_reversal_pending(
        lock, true,
        "pile " + *lock.charge_point_id + " is offline: the levers are reversed when it connects",
        ended);
  }
  run_levers(piles_, *lock.charge_point_id, levers, 0, std::make_shared<Results>(),
             [this, lock, ended](Results results) {
               // The chain ends once the outcome is written: an announcement heard before that
               // still reads the reversal as pending, and must not send it again.
               bool answered = true;
               for (const auto& r : results) answered = answered && r.answered;
               // A pile that left mid-way has unanswered calls: they go again when it returns.
               if (answered || piles_.online(*lock.charge_point_id)) {
                 set_reversal_pending(lock, false, "reversed: " + summary(results), ended);
               } else {
                 set_reversal_pending(lock, true,
                                      "the pile left mid-reversal (" + summary(results) +
                                          "): again when it connects",
                                      ended);
               }
             });
}

void LockWorkflow::reverse_ended(const LockRecord& lock) {
  if (chains_.end_reverse(lock.id) && lock.charge_point_id) pile_changed(*lock.charge_point_id);
}

void LockWorkflow::set_reversal_pending(const LockRecord& lock, bool pending, std::string text,
                                        std::function<void()> then) {
  store_.write<bool>(
      [id = lock.id, vehicle_id = lock.vehicle_id, pending,
       entry = LockAuditEntry{lock.id, now_millis(), lock.state, std::move(text)}](
          storage::Writes& w) -> Result<bool> {
        PADDOCK_ASSIGN(latest, w.antitheft().latest_lock(vehicle_id));
        // Only the same lock, still released: a new lock since then owns the pile's levers.
        if (latest && latest->id == id && latest->state == lock_state_name(LockState::released)) {
          latest->reversal_pending = pending;
          PADDOCK_TRY(w.antitheft().put_lock(*latest));
          // The pile may be connected to another node: that one reverses.
          if (pending) PADDOCK_TRY(announce_pile(w, *latest));
        }
        PADDOCK_TRY(w.antitheft().append_lock_audit(entry));
        return true;
      },
      [then = std::move(then)](Result<bool>) {
        if (then) then();
      });
}

void LockWorkflow::reapply(const LockRecord& asked) {
  if (!chains_.begin_reapply(asked.id)) return;  // its calls are out
  reapply_begun(asked);
}

void LockWorkflow::reapply_begun(const LockRecord& asked) {
  read_now(asked, {LockState::locked, LockState::partially_locked},
           [this, asked](std::optional<LockNow> now) {
             if (!now || !now->lock.charge_point_id) return reapply_ended(asked);
             const LockRecord& lock = now->lock;
             // The vendor lock again, on its own, if the pile took it; else every lever again
             // (a rebooted pile may have lost the profile and the availability). The state
             // stays what it was, the audit says what the pile took this time.
             auto levers = vendor_locked(parse_levers(lock.levers))
                               ? std::make_shared<std::vector<Lever>>(
                                     1, lock_vehicle_lever(lock, now->vin))
                               : standard_levers(lock);
             run_levers(piles_, *lock.charge_point_id, levers, 0, std::make_shared<Results>(),
                        [this, lock](Results results) {
                          note(lock, "pile reconnected; re-applied: " + summary(results));
                          reapply_ended(lock);
                        });
           });
}

void LockWorkflow::reapply_ended(const LockRecord& lock) {
  switch (chains_.end_reapply(lock.id)) {
    case LockChains::Next::again:
      return reapply_begun(lock);
    case LockChains::Next::reverse:
      // Released while the levers went out again: the reversal waited for them.
      return read_now(lock, {LockState::released}, [this, lock](std::optional<LockNow> now) {
        if (now) return reverse_begun(now->lock);
        reverse_ended(lock);
      });
    case LockChains::Next::nothing:
      return;
  }
}

void LockWorkflow::note(const LockRecord& lock, std::string text) {
  store_.write<bool>(
      [entry = LockAuditEntry{lock.id, now_millis(), lock.state, std::move(text)}](
          storage::Writes& w) -> Result<bool> {
        PADDOCK_TRY(w.antitheft().append_lock_audit(entry));
        return true;
      },
      [](Result<bool>) {});
}

void LockWorkflow::session_linked(const std::string& vehicle_id, const std::string& cp,
                                  int connector_id, std::int64_t transaction_id) {
  // Telemetry may place the car from a node the pile is not connected to: the lock then stays
  // armed, now for that pile, and the pile's node acts on the announcement.
  const bool here = piles_.online(cp);
  transition(
      vehicle_id, here ? LockEvent::on_pile : LockEvent::not_on_pile, {},
      "a session placed the car on " + cp + " connector " + std::to_string(connector_id) +
          (here ? "" : ", a pile not connected to this node: the lock waits for it"),
      [cp, connector_id, transaction_id](LockRecord& l) {
        l.charge_point_id = cp;
        l.connector_id = connector_id;
        l.transaction_id = transaction_id;
      },
      [this](const LockRecord& l, unsigned actions) { act(l, actions); });
}

void LockWorkflow::listen(storage::AnnouncementRouter& router) {
  router.on(std::string(kPileTopic), [this](const std::string& cp) { pile_changed(cp); });
  router.on_resync([this](const std::string&) {
    for (const auto& cp : piles_.connected()) pile_changed(cp);
  });
}

void LockWorkflow::pile_changed(const std::string& cp) {
  // Off the announcement thread at once; a node without the pile drops it here.
  piles_.run_on_pile_thread(cp, [this, cp] { bring_to_database(cp); });
}

void LockWorkflow::bring_to_database(const std::string& cp) {
  if (!piles_.online(cp)) return;  // gone since: its reconnection (pile_booted) takes over
  if (auto released = store_.reads().antitheft().locks_to_reverse_on(cp)) {
    for (const auto& lock : *released) reverse(lock);
  }
  auto live = store_.reads().antitheft().live_locks_on(cp);
  if (!live) return;
  for (const auto& lock : *live) {
    // Armed for this pile by a node that does not hold it: act here. A requested lock is sent
    // by the node that moved it there (the pile was online on it), and a locked one holds
    // until the pile reconnects (pile_booted re-applies then).
    if (lock.state != lock_state_name(LockState::pending_plug_in)) continue;
    transition(lock.vehicle_id, LockEvent::on_pile, {}, "pile " + cp + " is connected", nullptr,
               [this](const LockRecord& l, unsigned actions) { act(l, actions); });
  }
}

void LockWorkflow::pile_booted(const std::string& cp) {
  if (auto released = store_.reads().antitheft().locks_to_reverse_on(cp)) {
    for (const auto& lock : *released) reverse(lock);
  }
  auto live = store_.reads().antitheft().live_locks_on(cp);
  if (!live) return;
  for (const auto& lock : *live) {
    auto state = parse_state(lock.state);
    if (!state) continue;
    // An armed lock whose car was known to be on this pile acts now; the others re-apply.
    LockEvent event =
        *state == LockState::pending_plug_in ? LockEvent::on_pile : LockEvent::pile_reconnected;
    transition(lock.vehicle_id, event, {}, "pile " + cp + " connected", nullptr,
               [this](const LockRecord& l, unsigned actions) { act(l, actions); });
  }
}

}  // namespace paddock::antitheft
