#include "keys/car_sync_service.hpp"

#include <algorithm>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include "core/encoding.hpp"
#include "core/ids.hpp"
#include "core/text.hpp"
#include "devices/proof.hpp"
#include "events/live_events.hpp"
#include "keys/car_errors.hpp"
#include "keys/car_event_kinds.hpp"
#include "keys/head_unit_auth.hpp"
#include "keys/issuer_keys.hpp"
#include "sharing/access.hpp"
#include "vehicle/report.hpp"

namespace paddock::keys {
namespace {

Error head_unit_not_found() { return make_error(Errc::not_found, "no such head unit"); }

Error auth_failed() {
  // One answer for every failure: which head units exist is nobody's business.
  return make_error(kHeadUnitAuthInvalid,
                    "the head-unit signature is malformed, stale, unknown or does not verify");
}

std::optional<devices::PublicKey> head_unit_key(const HeadUnitRecord& h) {
  auto key = devices::parse_public_key(h.public_key);
  if (!key) return std::nullopt;
  return key.value();
}

storage::EventRecord key_event(const std::string& owner_id, const std::string& vehicle_id,
                               const std::string& head_unit_id,
                               const std::optional<std::string>& share_id,
                               const std::string& credential_id, const vehicle::ReportEntry& entry,
                               UnixMillis now) {
  boost::json::object payload{
      {"vehicle_id", vehicle_id},
      {"head_unit_id", head_unit_id},
      {"credential_id", credential_id},
      {"action", vehicle::to_string(entry.action)},
      {"decision", entry.allowed() ? "allow" : "deny"},
      {"reason", vehicle::to_string(entry.reason)},
      {"at", format_rfc3339(entry.at * 1000)},
  };
  payload["share_id"] = share_id ? boost::json::value(*share_id) : boost::json::value(nullptr);
  storage::EventRecord e;
  e.vehicle_id = vehicle_id;
  e.target_user = owner_id;
  e.type = std::string(entry.allowed() ? kKeyUsed.name : kKeyDenied.name);
  e.payload = boost::json::serialize(payload);
  e.created_at = now;
  return e;
}

// The car's clock in a report is trusted for the audit line only within these bounds, so that a
// head unit with a broken clock cannot write lines dated anywhere.
constexpr std::int64_t kMinReportTime = 0;
constexpr std::int64_t kMaxReportTime = 253402300799;  // 9999-12-31T23:59:59Z

}  // namespace

CarSyncService::CarSyncService(storage::Store& store, const IssuerKeyring& keyring,
                               events::LiveEvents& live)
    : store_(store), keyring_(keyring), live_(live) {
  events::register_kinds(kCarEventKinds);
}

void CarSyncService::add_head_unit(const std::string& user_id, const std::string& vehicle_id,
                                   const std::string& name, const std::string& public_key,
                                   Callback<HeadUnitRecord> done) {
  auto checked_name = check_name(name, "name");
  if (!checked_name) return done(checked_name.take_error());
  if (auto key = devices::parse_public_key(public_key); !key) return done(key.take_error());
  HeadUnitRecord record{new_id("hu"), vehicle_id, checked_name.value(),
                        public_key,   0,          now_millis()};
  store_.write<HeadUnitRecord>(
      [user_id, record = std::move(record)](storage::Writes& w) -> Result<HeadUnitRecord> {
        PADDOCK_ASSIGN(v, sharing::vehicle_for_owner(w, user_id, record.vehicle_id));
        (void)v;
        PADDOCK_ASSIGN(existing, w.head_units().head_units_of(record.vehicle_id));
        if (existing.size() >= kMaxHeadUnitsPerVehicle) {
          return make_error(kHeadUnitLimit, "this vehicle already has " +
                                                std::to_string(kMaxHeadUnitsPerVehicle) +
                                                " head units; remove one first");
        }
        PADDOCK_TRY(w.head_units().insert_head_unit(record));
        return record;
      },
      std::move(done));
}

Result<std::vector<HeadUnitRecord>> CarSyncService::list_head_units(const std::string& user_id,
                                                                    const std::string& vehicle_id) {
  auto& reads = store_.reads();
  PADDOCK_ASSIGN(v, sharing::vehicle_for_owner(reads, user_id, vehicle_id));
  return reads.head_units().head_units_of(v.id);
}

void CarSyncService::remove_head_unit(const std::string& user_id, const std::string& vehicle_id,
                                      const std::string& head_unit_id, Callback<bool> done) {
  store_.write<bool>(
      [user_id, vehicle_id, head_unit_id](storage::Writes& w) -> Result<bool> {
        PADDOCK_ASSIGN(v, sharing::vehicle_for_owner(w, user_id, vehicle_id));
        if (!looks_like_id(head_unit_id)) return head_unit_not_found();
        PADDOCK_ASSIGN(gone, w.head_units().delete_head_unit(v.id, head_unit_id));
        if (!gone) return head_unit_not_found();
        return true;
      },
      std::move(done));
}

Result<HeadUnitCaller> CarSyncService::authenticate(std::string_view authorization,
                                                    std::string_view method,
                                                    std::string_view target, UnixMillis now) {
  PADDOCK_ASSIGN(auth, parse_head_unit_authorization(authorization));
  if (!head_unit_request_fresh(auth.created, now / 1000)) {
    return make_error(kHeadUnitAuthInvalid, "created is more than " +
                                                std::to_string(kHeadUnitRequestWindowSeconds) +
                                                " s away from the server's clock");
  }
  auto signature = devices::parse_signature(auth.signature);
  if (!signature || !looks_like_id(auth.head_unit_id)) return auth_failed();
  PADDOCK_ASSIGN(found, store_.reads().head_units().head_unit_by_id(auth.head_unit_id));
  if (!found) return auth_failed();
  auto key = head_unit_key(*found);
  const std::string text = head_unit_signing_input(auth.head_unit_id, method, target, auth.created);
  if (!key || !devices::verify_signature(*key, text, signature.value())) return auth_failed();
  return HeadUnitCaller{found->id, found->vehicle_id};
}

Result<SignedRevocations> CarSyncService::revocations_for_owner(const std::string& user_id,
                                                                const std::string& vehicle_id,
                                                                UnixMillis now) {
  PADDOCK_ASSIGN(v, sharing::vehicle_for_owner(store_.reads(), user_id, vehicle_id));
  return sign_list(v.id, now);
}

Result<SignedRevocations> CarSyncService::revocations_for_head_unit(const HeadUnitCaller& caller,
                                                                    const std::string& vehicle_id,
                                                                    UnixMillis now) {
  if (caller.vehicle_id != vehicle_id) {
    return make_error(Errc::forbidden, "a head unit reads only its own vehicle's list");
  }
  return sign_list(vehicle_id, now);
}

Result<SignedRevocations> CarSyncService::sign_list(const std::string& vehicle_id, UnixMillis now) {
  PADDOCK_ASSIGN(state, store_.reads().key_shares().revocations_of(
                            vehicle_id, now - kRevokedAfterExpiryMs));
  vehicle::RevocationList list;
  list.version = state.version;
  list.vehicle_id = vehicle_id;
  list.issued_at = now / 1000;
  for (const auto& id : state.credential_ids) {
    auto cti = base64url_decode(id);
    if (!cti) return make_error(Errc::internal, "a stored credential id is not base64url");
    list.revoked.push_back(std::move(*cti));
  }
  auto signed_list = keyring_.sign_revocations(list);
  if (!signed_list) {
    return make_error(Errc::internal, std::string("the revocation list cannot be signed: ") +
                                          std::string(vehicle::to_string(signed_list.error)));
  }
  return SignedRevocations{std::move(*signed_list), list.version, list.revoked.size()};
}

void CarSyncService::accept_report(const std::string& vehicle_id,
                                   std::span<const std::uint8_t> bytes,
                                   Callback<ReportOutcome> done) {
  auto parsed = vehicle::parse_report(bytes);
  if (!parsed) {
    if (parsed.error == vehicle::CodecError::too_large) {
      return done(
          make_error(Errc::payload_too_large,
                     "a report is at most " + std::to_string(vehicle::kMaxReportBytes) + " bytes"));
    }
    return done(make_error(kReportInvalid, "the report does not parse: " +
                                               std::string(vehicle::to_string(parsed.error))));
  }
  const vehicle::Report& report = parsed->report;
  if (report.vehicle_id != vehicle_id) {
    return done(make_error(kReportWrongVehicle, "the report names another vehicle"));
  }
  // The signature is checked here, before the write job, against the key read now; the job
  // re-reads the head unit, so one removed meanwhile is still refused.
  auto& reads = store_.reads();
  auto found = looks_like_id(report.head_unit_id)
                   ? reads.head_units().head_unit_by_id(report.head_unit_id)
                   : Result<std::optional<HeadUnitRecord>>(std::nullopt);
  if (!found) return done(found.take_error());
  const auto& head_unit = found.value();
  std::optional<devices::PublicKey> key = head_unit ? head_unit_key(*head_unit) : std::nullopt;
  if (!head_unit || head_unit->vehicle_id != vehicle_id || !key ||
      !vehicle::verify_sign1(parsed->sign1, *key)) {
    return done(make_error(kReportSignatureInvalid,
                           "the report is not signed by a head unit registered for this vehicle"));
  }
  if (report.counter <= head_unit->last_report_counter) {
    return done(make_error(kReportReplayed, "report counter " + std::to_string(report.counter) +
                                                " is not above the last accepted, " +
                                                std::to_string(head_unit->last_report_counter)));
  }
  struct Accepted {
    ReportOutcome outcome;
    std::vector<storage::EventRecord> events;
  };
  store_.write<Accepted>(
      [vehicle_id, report](storage::Writes& w) -> Result<Accepted> {
        PADDOCK_ASSIGN(v, w.sharing().vehicle_by_id(vehicle_id));
        PADDOCK_ASSIGN(hu, w.head_units().head_unit_by_id(report.head_unit_id));
        if (!v || !hu || hu->vehicle_id != vehicle_id) {
          return make_error(kReportSignatureInvalid, "the head unit was removed");
        }
        PADDOCK_ASSIGN(advanced, w.head_units().advance_report_counter(hu->id, report.counter));
        if (!advanced) {
          return make_error(kReportReplayed, "a report with this counter was already accepted");
        }
        const UnixMillis now = now_millis();
        Accepted out;
        out.outcome.head_unit_id = hu->id;
        out.outcome.counter = report.counter;
        for (const auto& entry : report.entries) {
          const std::string cti = base64url_encode(entry.credential_id);
          PADDOCK_ASSIGN(share, w.key_shares().share_by_credential_id(vehicle_id, cti));
          std::optional<std::string> share_id;
          if (share) share_id = share->id;
          const std::int64_t at = std::clamp(entry.at, kMinReportTime, kMaxReportTime);
          KeyAuditRecord line;
          line.vehicle_id = vehicle_id;
          line.share_id = share_id;
          line.credential_id = cti;
          line.actor_kind = "head_unit";
          line.actor_id = hu->id;
          line.action = entry.allowed() ? "used" : "denied";
          line.detail = std::string(vehicle::to_string(entry.action));
          if (!entry.allowed()) line.detail += ":" + std::string(vehicle::to_string(entry.reason));
          line.at = at * 1000;
          PADDOCK_TRY(w.key_shares().append_audit(line));
          vehicle::ReportEntry shown = entry;
          shown.at = at;
          auto event = key_event(v->owner_id, vehicle_id, hu->id, share_id, cti, shown, now);
          PADDOCK_ASSIGN(seq, w.events().append_event(event));
          event.seq = seq;
          out.events.push_back(std::move(event));
          ++(entry.allowed() ? out.outcome.used : out.outcome.denied);
        }
        return out;
      },
      [done = std::move(done)](Result<Accepted> accepted) {
        if (!accepted) return done(accepted.take_error());
        done(std::move(accepted->outcome));
      },
      [this](Accepted& accepted) { live_.publish(std::move(accepted.events)); });
}

}  // namespace paddock::keys
