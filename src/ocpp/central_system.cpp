#include "ocpp/central_system.hpp"

#include <array>
#include <boost/json/parse.hpp>
#include <charconv>
#include <ctime>

#include "antitheft/anti_theft.hpp"
#include "antitheft/errors.hpp"
#include "antitheft/lock_machine.hpp"
#include "antitheft/operator_commands.hpp"
#include "core/log.hpp"
#include "core/thread_post.hpp"
#include "ocpp/charge_point_session.hpp"
#include "ocpp/errors.hpp"
#include "ocpp/schema.hpp"
#include "sharing/identification.hpp"

namespace paddock::ocpp {
namespace {

namespace json = boost::json;

constexpr std::array<std::string_view, 8> kHandled = {
    "BootNotification", "Heartbeat",       "StatusNotification", "Authorize",
    "StartTransaction", "StopTransaction", "MeterValues",        "DataTransfer"};

constexpr std::array<std::string_view, 11> kCentralSystemActions = {
    "RemoteStartTransaction", "RemoteStopTransaction",
    "UnlockConnector",        "ChangeAvailability",
    "ChangeConfiguration",    "GetConfiguration",
    "SetChargingProfile",     "ClearChargingProfile",
    "DataTransfer",           "Reset",
    "TriggerMessage"};

// A pile not accepted (its operator has not approved it) is answered Pending. OCPP 1.6 §4.2:
// while Pending it SHALL NOT send requests unless the central system asked with TriggerMessage.
// We answer those a TriggerMessage can ask for and that only report (BootNotification,
// Heartbeat, StatusNotification); what would act (Authorize, transactions, meter values,
// DataTransfer) is refused with CallError SecurityError, the OCPP-J 1.6 §4.2.3 code for "a
// security issue prevented completing the action" (OCPP 2.0.1 B02.FR.09 makes it the rule).
constexpr std::array<std::string_view, 3> kAnsweredWhilePending = {
    "BootNotification", "Heartbeat", "StatusNotification"};
// What the central system may send a Pending pile (§4.2: retrieve information or change its
// configuration; RemoteStart/StopTransaction are explicitly not allowed), and TriggerMessage to
// have it boot again once approved.
constexpr std::array<std::string_view, 3> kCallsWhilePending = {
    "GetConfiguration", "ChangeConfiguration", "TriggerMessage"};

template <std::size_t N>
bool among(const std::array<std::string_view, N>& names, std::string_view name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

// Paddock's vendor id for DataTransfer in both directions (the lock workflow's LockVehicle).
constexpr std::string_view kVendorId = "com.paddock";

std::string_view text_of(const json::object& o, std::string_view key) {
  if (auto* v = o.if_contains(key); v && v->is_string()) return v->get_string();
  return {};
}

std::int64_t integer_of(const json::object& o, std::string_view key) {
  // The schema has checked the type; an integral double (1.0) is an integer too.
  if (auto* v = o.if_contains(key)) {
    if (v->is_int64()) return v->get_int64();
    if (v->is_uint64()) return static_cast<std::int64_t>(v->get_uint64());
    if (v->is_double()) return static_cast<std::int64_t>(v->get_double());
  }
  return 0;
}

CallError refuse(CallErrorCode code, std::string description) {
  return CallError{"", code, std::move(description), {}};
}

struct SocSample {
  double percent = 0;
  UnixMillis at = 0;
};

// The latest SoC sample in a meterValue array (MeterValues.req, StopTransaction.req
// transactionData), or a CallError for a SoC that is not a number from 0 to 100.
std::variant<std::optional<SocSample>, CallError> latest_soc(const json::value* meter_values,
                                                             UnixMillis now) {
  std::optional<SocSample> latest;
  if (!meter_values || !meter_values->is_array()) return latest;
  for (const auto& entry : meter_values->get_array()) {
    const auto& value = entry.as_object();
    UnixMillis at = parse_date_time(text_of(value, "timestamp")).value_or(now);
    for (const auto& sample_value : value.at("sampledValue").as_array()) {
      const auto& sample = sample_value.as_object();
      if (text_of(sample, "measurand") != "SoC") continue;
      std::string_view text = text_of(sample, "value");
      double percent = -1;
      auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), percent);
      if (ec != std::errc() || end != text.data() + text.size() || !(percent >= 0) ||
          percent > 100) {
        return refuse(CallErrorCode::property_constraint_violation,
                      "a SoC sample must be a number from 0 to 100");
      }
      if (!latest || at >= latest->at) latest = SocSample{percent, at};
    }
  }
  return latest;
}

// True iff a lock in this state holds its car (some lever took effect).
bool holds_car(std::string_view state) {
  using antitheft::LockState;
  return state == antitheft::lock_state_name(LockState::locked) ||
         state == antitheft::lock_state_name(LockState::partially_locked);
}

// True iff a lock holds a car on this pile (locked or partially locked) and `id_tag` is not
// one of that car's: the lever that refuses other tags.
// With `transaction_id`, only the lock on that transaction counts (StopTransaction).
Result<bool> blocked_by_lock(storage::Reads& r, std::string_view cp, std::string_view id_tag,
                             std::optional<std::int64_t> transaction_id = std::nullopt) {
  PADDOCK_ASSIGN(locks, r.antitheft().live_locks_on(cp));
  for (const auto& lock : locks) {
    if (!holds_car(lock.state)) continue;
    if (transaction_id && lock.transaction_id != transaction_id) continue;
    PADDOCK_ASSIGN(owner, r.antitheft().vehicle_of_id_tag(id_tag));
    if (owner != lock.vehicle_id) return true;
  }
  return false;
}

// A linked session's SoC feeds the owner's low-charge prompt.
Result<void> observe(storage::Writes& w, const TransactionRecord& t, double percent, UnixMillis at,
                     std::vector<storage::EventRecord>& events) {
  if (!t.vehicle_id) return {};
  PADDOCK_ASSIGN(event, antitheft::observe_soc(w, {*t.vehicle_id, percent, at, t.charge_point_id,
                                                   t.connector_id, t.id}));
  if (event) events.push_back(std::move(*event));
  return {};
}

json::object id_tag_info(std::string_view status) { return {{"status", status}}; }

}  // namespace

std::span<const std::string_view> handled_actions() { return kHandled; }
std::span<const std::string_view> central_system_actions() { return kCentralSystemActions; }

std::optional<UnixMillis> parse_date_time(std::string_view s) {
  if (!is_rfc3339_date_time(s)) return std::nullopt;
  auto number = [&](std::size_t at, std::size_t n) {
    int v = 0;
    for (std::size_t i = at; i < at + n; ++i) v = v * 10 + (s[i] - '0');
    return v;
  };
  std::tm tm{};
  tm.tm_year = number(0, 4) - 1900;
  tm.tm_mon = number(5, 2) - 1;
  tm.tm_mday = number(8, 2);
  tm.tm_hour = number(11, 2);
  tm.tm_min = number(14, 2);
  tm.tm_sec = number(17, 2);
  UnixMillis millis = static_cast<UnixMillis>(timegm(&tm)) * 1000;
  std::size_t at = 19;
  if (s[at] == '.') {
    int scale = 100;
    for (++at; at < s.size() && s[at] >= '0' && s[at] <= '9'; ++at) {
      millis += (s[at] - '0') * scale;
      scale /= 10;
    }
  }
  if (s[at] == '+' || s[at] == '-') {
    UnixMillis offset = (number(at + 1, 2) * 60 + number(at + 4, 2)) * 60'000LL;
    millis += s[at] == '+' ? -offset : offset;
  }
  return millis;
}

CentralSystem::CentralSystem(storage::Store& store, CentralSystemOptions options,
                             events::LiveEvents* live)
    : store_(store), options_(options), live_(live) {}

void CentralSystem::write_answer(std::function<Result<json::object>(storage::Writes&)> job,
                                 std::function<void(Answer)> done) {
  write_answer([job = std::move(job)](storage::Writes& w, Events&) { return job(w); },
               std::move(done));
}

void CentralSystem::write_answer(std::function<Result<json::object>(storage::Writes&, Events&)> job,
                                 std::function<void(Answer)> done) {
  auto events = std::make_shared<Events>();
  store_.write<json::object>(
      [job = std::move(job), events](storage::Writes& w) {
        events->clear();  // a job is run once; a retry must not publish twice
        return job(w, *events);
      },
      [done = std::move(done)](Result<json::object> r) {
        if (!r) {
          log::event(log::Level::warn, "ocpp call not stored", {{"error", r.error().detail}});
          return done(
              refuse(CallErrorCode::internal_error, "the central system could not store it"));
        }
        done(std::move(*r));
      },
      [this, events](json::object&) {
        if (live_ && !events->empty()) live_->publish(std::move(*events));
      });
}

void CentralSystem::handle(const std::string& cp, const Call& call,
                           std::function<void(Answer)> done) {
  const json::object& p = call.payload;
  const UnixMillis now = now_millis();
  const std::string_view action = call.action;

  if (!among(kAnsweredWhilePending, action) && !accepted(cp)) {
    return done(refuse(CallErrorCode::security_error,
                       "this charge point is not accepted yet (BootNotification Pending)"));
  }
  if (action == "BootNotification") {
    // The approval is read in the write job, so a pile approved on another node is accepted
    // at its next boot.
    auto approved = std::make_shared<bool>(false);
    done = [done = std::move(done), this, cp, approved](Answer answer) {
      const bool stored = std::holds_alternative<json::object>(answer);
      if (stored) set_accepted(cp, *approved);
      // Before the pile has its answer (it sends nothing else until then), so that the locks
      // read are those of this boot, not of a moment after the pile's next messages (this runs
      // on the handler pool on PostgreSQL, where it may be late). The calls it makes wait in
      // the session until the answer is out.
      if (stored && *approved && pile_events_) pile_events_->pile_booted(cp);
      done(std::move(answer));
    };
    return write_answer(
        [cp, now, options = options_, approved,
         firmware = std::string(text_of(p, "firmwareVersion")),
         serial = std::string(text_of(p, "chargePointSerialNumber"))](
            storage::Writes& w) -> Result<json::object> {
          PADDOCK_ASSIGN(record, w.charge_points().charge_point(cp));
          PADDOCK_TRY(w.charge_points().record_boot(cp, firmware, serial, now));
          *approved = record && record->approved;
          if (!*approved) {
            return json::object{{"status", "Pending"},
                                {"currentTime", format_rfc3339(now)},
                                {"interval", options.pending_interval_seconds}};
          }
          return json::object{{"status", "Accepted"},
                              {"currentTime", format_rfc3339(now)},
                              {"interval", options.heartbeat_interval_seconds}};
        },
        std::move(done));
  }
  if (action == "Heartbeat") {
    return write_answer(
        [cp, now](storage::Writes& w) -> Result<json::object> {
          PADDOCK_TRY(w.charge_points().record_heartbeat(cp, now));
          return json::object{{"currentTime", format_rfc3339(now)}};
        },
        std::move(done));
  }
  if (action == "StatusNotification") {
    ConnectorRecord connector{cp,
                              static_cast<int>(integer_of(p, "connectorId")),
                              std::string(text_of(p, "status")),
                              std::string(text_of(p, "errorCode")),
                              std::string(text_of(p, "info")),
                              parse_date_time(text_of(p, "timestamp")).value_or(now)};
    return write_answer(
        [connector](storage::Writes& w) -> Result<json::object> {
          PADDOCK_TRY(w.charge_points().put_connector(connector));
          return json::object{};
        },
        std::move(done));
  }
  if (action == "Authorize") {
    // Paddock is no billing back end: every tag may charge, one session at a time.
    auto blocked = blocked_by_lock(store_.reads(), cp, text_of(p, "idTag"));
    auto in_use = store_.reads().charge_points().id_tag_in_use(text_of(p, "idTag"));
    if (!in_use || !blocked) {
      return done(refuse(CallErrorCode::internal_error, "the central system cannot read"));
    }
    std::string_view status = *blocked ? "Blocked" : *in_use ? "ConcurrentTx" : "Accepted";
    return done(json::object{{"idTagInfo", id_tag_info(status)}});
  }
  if (action == "StartTransaction") {
    TransactionRecord t;
    t.charge_point_id = cp;
    t.connector_id = static_cast<int>(integer_of(p, "connectorId"));
    t.id_tag = std::string(text_of(p, "idTag"));
    t.meter_start = integer_of(p, "meterStart");
    t.started_at = parse_date_time(text_of(p, "timestamp")).value_or(now);
    if (t.connector_id < 1) {
      return done(refuse(CallErrorCode::property_constraint_violation,
                         "a transaction runs on a connector numbered from 1"));
    }
    auto linked = std::make_shared<TransactionRecord>();
    if (pile_events_) {
      done = [done = std::move(done), this, linked](Answer answer) {
        const bool stored = std::holds_alternative<json::object>(answer);
        done(std::move(answer));
        if (stored && linked->vehicle_id) {
          pile_events_->session_linked(*linked->vehicle_id, linked->charge_point_id,
                                       linked->connector_id, linked->id);
        }
      };
    }
    return write_answer(
        [t, linked](storage::Writes& w) -> Result<json::object> {
          auto& repo = w.charge_points();
          PADDOCK_ASSIGN(in_use, repo.id_tag_in_use(t.id_tag));
          // A pile that lost a StopTransaction starts anew on the same connector: the older
          // transaction ends at the new one's meter reading.
          PADDOCK_ASSIGN(running, repo.running_transactions(t.charge_point_id));
          bool blocked = false;
          for (const auto& old : running) {
            if (old.connector_id != t.connector_id) continue;
            // A locked car's session is never superseded by another tag: that tag is Blocked
            // (the pile ends what it started) and the lock's transaction stays open.
            PADDOCK_ASSIGN(held, blocked_by_lock(w, t.charge_point_id, t.id_tag, old.id));
            if (held) {
              blocked = true;
              continue;
            }
            PADDOCK_TRY(repo.stop_transaction(old.id, t.meter_start, t.started_at, "superseded"));
          }
          *linked = t;
          if (!blocked) {
            PADDOCK_ASSIGN(vehicle, w.antitheft().vehicle_of_id_tag(t.id_tag));
            linked->vehicle_id = vehicle;
          }
          PADDOCK_ASSIGN(id, repo.start_transaction(*linked));
          linked->id = id;
          const char* status = blocked ? "Blocked" : in_use ? "ConcurrentTx" : "Accepted";
          return json::object{{"transactionId", id}, {"idTagInfo", id_tag_info(status)}};
        },
        std::move(done));
  }
  if (action == "StopTransaction") {
    auto soc = latest_soc(p.if_contains("transactionData"), now);
    if (auto* bad = std::get_if<CallError>(&soc)) return done(std::move(*bad));
    const std::int64_t id = integer_of(p, "transactionId");
    const std::int64_t meter_stop = integer_of(p, "meterStop");
    const UnixMillis at = parse_date_time(text_of(p, "timestamp")).value_or(now);
    std::string reason(text_of(p, "reason"));
    if (reason.empty()) reason = "Local";  // OCPP 1.6: absent means Local
    const bool has_tag = p.contains("idTag");
    std::string tag(text_of(p, "idTag"));
    return write_answer(
        [cp, id, meter_stop, at, reason, has_tag, tag,
         soc = std::get<std::optional<SocSample>>(soc)](storage::Writes& w,
                                                        Events& events) -> Result<json::object> {
          auto& repo = w.charge_points();
          PADDOCK_ASSIGN(t, repo.transaction(id));
          // Another pile's transaction, or one we never started: the pile must still be able to
          // drop it from its queue, so the answer is a normal one that changes nothing.
          if (!t || t->charge_point_id != cp) {
            return has_tag ? json::object{{"idTagInfo", id_tag_info("Invalid")}} : json::object{};
          }
          PADDOCK_ASSIGN(blocked, blocked_by_lock(w, cp, tag, id));
          if (has_tag && blocked) {
            // Another tag may not end the locked car's session; the pile keeps it open.
            return json::object{{"idTagInfo", id_tag_info("Blocked")}};
          }
          if (soc) {
            PADDOCK_TRY(repo.record_soc(id, soc->percent, soc->at));
            PADDOCK_TRY(observe(w, *t, soc->percent, soc->at, events));
          }
          PADDOCK_TRY(repo.stop_transaction(id, meter_stop, at, reason));
          return has_tag ? json::object{{"idTagInfo", id_tag_info("Accepted")}} : json::object{};
        },
        std::move(done));
  }
  if (action == "MeterValues") {
    auto soc = latest_soc(p.if_contains("meterValue"), now);
    if (auto* bad = std::get_if<CallError>(&soc)) return done(std::move(*bad));
    auto sample = std::get<std::optional<SocSample>>(soc);
    // SoC is kept per transaction: a sample outside one cannot be tied to a car.
    if (!sample || !p.contains("transactionId")) return done(json::object{});
    const std::int64_t id = integer_of(p, "transactionId");
    return write_answer(
        [cp, id, sample](storage::Writes& w, Events& events) -> Result<json::object> {
          auto& repo = w.charge_points();
          PADDOCK_ASSIGN(t, repo.transaction(id));
          if (t && t->charge_point_id == cp && !t->stopped_at) {
            PADDOCK_TRY(repo.record_soc(id, sample->percent, sample->at));
            PADDOCK_TRY(observe(w, *t, sample->percent, sample->at, events));
          }
          return json::object{};
        },
        std::move(done));
  }
  if (action == "DataTransfer") {
    if (text_of(p, "vendorId") != kVendorId) {
      return done(json::object{{"status", "UnknownVendorId"}});
    }
    if (text_of(p, "messageId") != "VehicleConnected") {
      return done(json::object{{"status", "UnknownMessageId"}});
    }
    return vehicle_connected(cp, text_of(p, "data"), std::move(done));
  }
  done(refuse(CallErrorCode::not_implemented, std::string(action) + " is not handled here"));
}

void CentralSystem::vehicle_connected(const std::string& cp, std::string_view data,
                                      std::function<void(Answer)> done) {
  // data: {"connectorId": n, "vin": "..."}, as text (DataTransfer's data is a string).
  boost::system::error_code ec;
  json::value parsed = json::parse(data, ec);
  const json::object* o = ec ? nullptr : parsed.if_object();
  const json::value* connector = o ? o->if_contains("connectorId") : nullptr;
  const json::value* vin_text = o ? o->if_contains("vin") : nullptr;
  std::optional<std::string> vin;
  if (vin_text && vin_text->is_string()) {
    auto normalized = sharing::normalize_vin(std::string_view(vin_text->get_string()));
    if (normalized) vin = std::move(*normalized);
  }
  if (!connector || !connector->is_int64() || connector->get_int64() < 1 || !vin) {
    return done(
        json::object{{"status", "Rejected"}, {"data", "expected {\"connectorId\",\"vin\"}"}});
  }
  const int connector_id = static_cast<int>(connector->get_int64());
  auto placed = std::make_shared<std::optional<TransactionRecord>>();
  if (pile_events_) {
    done = [done = std::move(done), this, placed](Answer answer) {
      done(std::move(answer));
      if (*placed) {
        const auto& t = **placed;
        pile_events_->session_linked(*t.vehicle_id, t.charge_point_id, t.connector_id, t.id);
      }
    };
  }
  write_answer(
      [cp, connector_id, vin = *vin, placed](storage::Writes& w) -> Result<json::object> {
        PADDOCK_ASSIGN(vehicle, w.sharing().vehicle_by_vin(vin));
        if (!vehicle) return json::object{{"status", "Rejected"}};
        PADDOCK_ASSIGN(running, w.charge_points().running_transactions(cp));
        for (auto& t : running) {
          if (t.connector_id != connector_id) continue;
          // An idTag's link stands; the VIN only fills a session nobody identified.
          PADDOCK_ASSIGN(linked, w.charge_points().link_vehicle(t.id, vehicle->id));
          if (linked) {
            t.vehicle_id = vehicle->id;
            *placed = t;
          }
          return json::object{
              {"status", linked || t.vehicle_id == vehicle->id ? "Accepted" : "Rejected"}};
        }
        return json::object{{"status", "Rejected"}};
      },
      std::move(done));
}

void CentralSystem::call(std::string_view charge_point_id, std::string action, json::object payload,
                         Callback<json::object> done) {
  if (std::find(kCentralSystemActions.begin(), kCentralSystemActions.end(), action) ==
      kCentralSystemActions.end()) {
    return done(make_error(Errc::invalid_field, action + " is not a call this central system makes",
                           "action"));
  }
  if (action == "UnlockConnector" || action == "RemoteStopTransaction") {
    auto locks = store_.reads().antitheft().live_locks_on(charge_point_id);
    if (!locks) return done(locks.take_error());
    for (const auto& lock : *locks) {
      const bool acting = lock.state == antitheft::lock_state_name(antitheft::LockState::requested);
      if (acting || holds_car(lock.state)) {
        return done(make_error(antitheft::kVehicleLocked,
                               action + " is refused while a vehicle is locked on this pile"));
      }
    }
  }
  if (auto bad = SchemaSet::ocpp16().validate(action, Direction::request, payload)) {
    return done(make_error(
        Errc::invalid_field,
        std::string(call_error_name(bad->code)) + " at " + bad->path + ": " + bad->message,
        "payload"));
  }
  std::shared_ptr<ChargePointSession> session;
  bool pile_accepted = false;
  {
    std::lock_guard lock(mutex_);
    if (auto found = sessions_.find(std::string(charge_point_id)); found != sessions_.end()) {
      session = found->second.session.lock();
      pile_accepted = found->second.accepted;
    }
  }
  auto finish = bind_to_current_thread(std::move(done));
  if (!session) {
    return finish(make_error(kChargePointOffline,
                             "charge point " + std::string(charge_point_id) + " is not connected"));
  }
  if (!pile_accepted && !among(kCallsWhilePending, action)) {
    return finish(make_error(kChargePointPending,
                             action + " cannot be sent to a charge point that is not accepted "
                                      "yet; GetConfiguration, ChangeConfiguration and "
                                      "TriggerMessage can"));
  }
  session->enqueue_call(std::move(action), std::move(payload), std::move(finish));
}

void CentralSystem::operator_call(std::string_view charge_point_id, std::string action,
                                  json::object payload, Callback<json::object> done) {
  auto locks = store_.reads().antitheft().live_locks_on(charge_point_id);
  if (!locks) return done(locks.take_error());
  for (const auto& lock : *locks) {
    if (auto why = antitheft::undoes_lock(lock, action, payload)) {
      return done(make_error(antitheft::kVehicleLocked, std::move(*why)));
    }
  }
  call(charge_point_id, std::move(action), std::move(payload), std::move(done));
}

bool CentralSystem::online(std::string_view charge_point_id) const {
  std::lock_guard lock(mutex_);
  auto found = sessions_.find(std::string(charge_point_id));
  return found != sessions_.end() && !found->second.session.expired() && found->second.accepted;
}

bool CentralSystem::connected(std::string_view charge_point_id) const {
  std::lock_guard lock(mutex_);
  auto found = sessions_.find(std::string(charge_point_id));
  return found != sessions_.end() && !found->second.session.expired();
}

bool CentralSystem::accepted(std::string_view charge_point_id) const {
  std::lock_guard lock(mutex_);
  auto found = sessions_.find(std::string(charge_point_id));
  return found != sessions_.end() && found->second.accepted;
}

void CentralSystem::set_accepted(const std::string& charge_point_id, bool accepted) {
  std::lock_guard lock(mutex_);
  if (auto found = sessions_.find(charge_point_id); found != sessions_.end()) {
    found->second.accepted = accepted;
  }
}

void CentralSystem::approved(const std::string& charge_point_id) {
  if (!connected(charge_point_id)) return;
  call(charge_point_id, "TriggerMessage", json::object{{"requestedMessage", "BootNotification"}},
       [charge_point_id](Result<json::object> r) {
         // The pile boots again at its Pending interval anyway; this only makes it sooner.
         log::event(log::Level::info, "approved charge point asked to boot again",
                    {{"charge_point_id", charge_point_id},
                     {"answer", r ? std::string(text_of(*r, "status")) : r.error().detail}});
       });
}

std::vector<std::string> CentralSystem::connected() const {
  std::lock_guard lock(mutex_);
  std::vector<std::string> ids;
  // Only accepted piles: a pending one takes no lock calls (see online()).
  for (const auto& [id, entry] : sessions_) {
    if (entry.accepted && !entry.session.expired()) ids.push_back(id);
  }
  return ids;
}

bool CentralSystem::run_on_pile_thread(std::string_view charge_point_id,
                                       std::function<void()> task) {
  std::shared_ptr<ChargePointSession> session;
  {
    std::lock_guard lock(mutex_);
    if (auto found = sessions_.find(std::string(charge_point_id)); found != sessions_.end()) {
      session = found->second.session.lock();
    }
  }
  if (!session) return false;
  session->run_storage_work(std::move(task));
  return true;
}

bool CentralSystem::read_approval(const std::string& charge_point_id) {
  auto record = store_.reads().charge_points().charge_point(charge_point_id);
  return record && *record && (*record)->approved;
}

void CentralSystem::attach(const std::string& charge_point_id,
                           const std::shared_ptr<ChargePointSession>& session, bool approved) {
  std::shared_ptr<ChargePointSession> older;
  {
    std::lock_guard lock(mutex_);
    auto& slot = sessions_[charge_point_id];
    older = slot.session.lock();
    slot = Connected{session, approved};
  }
  if (older && older != session) older->replaced();
}

void CentralSystem::detach(const std::string& charge_point_id, const ChargePointSession* session) {
  std::lock_guard lock(mutex_);
  auto found = sessions_.find(charge_point_id);
  if (found == sessions_.end()) return;
  auto current = found->second.session.lock();
  if (!current || current.get() == session) sessions_.erase(found);
}

}  // namespace paddock::ocpp
