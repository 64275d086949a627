// LinkService::push: something one of a user's terminals sends to another of theirs, kept in
// the feed log (a device-targeted personal event with an expiry) until its ttl passes.
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include "devices/device_service.hpp"
#include "links/event_kinds.hpp"
#include "links/link_service.hpp"

namespace paddock::links {

void LinkService::push(const std::string& user_id, Push push, Callback<PushReceipt> done) {
  devices::DeviceService devices(store_);
  // The sending device is in the path: somebody else's answers like a missing one.
  if (auto ok = devices.check_own_device(user_id, push.from_device_id); !ok) {
    if (ok.error().code != Errc::forbidden) return done(ok.take_error());
    return done(make_error(Errc::not_found, "no such device"));
  }
  if (auto ok = devices.check_own_device(user_id, push.to_device_id); !ok) {
    Error e = ok.take_error();
    if (e.code == Errc::forbidden) e.field = "to_device_id";
    return done(std::move(e));
  }
  if (push.to_device_id == push.from_device_id) {
    return done(make_error(Errc::invalid_field, "push to another of your devices", "to_device_id"));
  }
  if (push.ttl_seconds < 1 || push.ttl_seconds > kMaxPushTtlSeconds) {
    return done(make_error(Errc::invalid_field, "ttl_seconds must be 1 to 604800", "ttl_seconds"));
  }
  bool kind_ok = !push.kind.empty() && push.kind.size() <= 64;
  for (char c : push.kind) {
    kind_ok = kind_ok && ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
                          c == '.' || c == '-');
  }
  if (!kind_ok) {
    return done(make_error(Errc::invalid_field, "kind must be 1 to 64 of a-z 0-9 _ . -", "kind"));
  }
  if (push.payload_json.size() > kMaxPushPayloadBytes) {
    return done(
        make_error(Errc::invalid_field, "payload must be at most 16 KiB of JSON", "payload"));
  }
  UnixMillis now = now_millis();
  storage::EventRecord e;
  e.target_user = user_id;
  e.target_device = push.to_device_id;
  e.type = std::string(kTerminalPush.name);
  e.created_at = now;
  e.expires_at = now + push.ttl_seconds * 1000LL;
  e.payload =
      boost::json::serialize(boost::json::object{{"from_device_id", push.from_device_id},
                                                 {"kind", push.kind},
                                                 {"expires_at", format_rfc3339(*e.expires_at)}});
  // The payload is JSON text already checked by the caller; splice it in unparsed.
  e.payload.pop_back();
  e.payload += ",\"payload\":" + push.payload_json + "}";
  struct Appended {
    storage::EventRecord event;
  };
  std::string to = push.to_device_id;
  store_.write<Appended>(
      [e = std::move(e), to, user_id](storage::Writes& w) -> Result<Appended> {
        // The target may have been removed (a revoked screen) since the check above.
        auto device = w.devices().device_by_id(to);
        if (!device) return device.take_error();
        if (!*device || (*device)->user_id != user_id) {
          return make_error(Errc::forbidden, "to_device_id must name one of your devices",
                            "to_device_id");
        }
        auto seq = w.events().append_event(e);
        if (!seq) return seq.take_error();
        // A copy: the job may run again (PostgreSQL retries a batch that lost a race).
        Appended out{e};
        out.event.seq = *seq;
        return out;
      },
      [done = std::move(done)](Result<Appended> a) {
        if (!a) return done(a.take_error());
        done(PushReceipt{a->event.seq, *a->event.expires_at});
      },
      [this](Appended& a) { live_.publish({a.event}); });
}

}  // namespace paddock::links
