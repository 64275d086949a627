#include "devices/device_service.hpp"

#include <memory>

#include "core/ids.hpp"
#include "core/text.hpp"
#include "devices/errors.hpp"
#include "devices/proof.hpp"

namespace paddock::devices {
namespace {

Error device_not_found() { return make_error(Errc::not_found, "no such device"); }

// A challenge is a single-use secret keyed by device and nonce: redeeming it for another
// device finds nothing.
std::string challenge_key(std::string_view device_id, std::string_view nonce) {
  std::string key(device_id);
  key += ':';
  key += nonce;
  return key;
}

}  // namespace

Result<std::string> check_kind(std::string_view kind) {
  for (std::string_view known : {"phone", "pc", "car_screen", "kiosk"}) {
    if (kind == known) return std::string(kind);
  }
  return make_error(Errc::invalid_field, "kind must be one of phone, pc, car_screen, kiosk",
                    "kind");
}

void DeviceService::register_device(const std::string& user_id, NewDevice device,
                                    Callback<storage::DeviceRecord> done) {
  if (auto name = check_name(device.name, "name"); !name) return done(name.take_error());
  auto kind = check_kind(device.kind);
  if (!kind) return done(kind.take_error());
  if (auto key = parse_public_key(device.public_key); !key) return done(key.take_error());

  storage::DeviceRecord record{new_id("dev"), user_id,        std::move(device.name),
                               kind.value(),  device.public_key, device.primary,
                               std::nullopt,  now_millis()};
  store_.write<storage::DeviceRecord>(
      [record = std::move(record)](storage::Writes& w) -> Result<storage::DeviceRecord> {
        auto& devices = w.devices();
        if (record.primary) {
          if (auto ok = devices.clear_primary_devices(record.user_id); !ok) return ok.take_error();
        }
        if (auto ok = devices.insert_device(record); !ok) return ok.take_error();
        return record;
      },
      std::move(done));
}

Result<std::vector<storage::DeviceRecord>> DeviceService::list(const std::string& user_id) {
  return store_.reads().devices().devices_of_user(user_id);
}

Result<storage::DeviceRecord> DeviceService::owned_device(const std::string& user_id,
                                                          const std::string& device_id) {
  if (!looks_like_id(device_id)) return device_not_found();
  auto found = store_.reads().devices().device_by_id(device_id);
  if (!found) return found.take_error();
  auto& device = *found;
  // Somebody else's device answers exactly like a missing one: ids leak nothing.
  if (!device || device->user_id != user_id) return device_not_found();
  return std::move(*device);
}

Result<void> DeviceService::check_own_device(const std::string& user_id,
                                             const std::string& device_id) {
  auto device = owned_device(user_id, device_id);
  if (device) return {};
  if (device.error().code != Errc::not_found) return device.take_error();
  return make_error(Errc::forbidden, "device_id must name one of your devices", "device_id");
}

void DeviceService::remove(const std::string& user_id, const std::string& device_id,
                           Callback<bool> done) {
  if (!looks_like_id(device_id)) return done(device_not_found());
  // The hook's after-commit step travels from the job to on_commit (same writer thread).
  auto after = std::make_shared<std::function<void()>>();
  store_.write<bool>(
      [user_id, device_id, hook = removal_hook_, after](storage::Writes& w) -> Result<bool> {
        auto deleted = w.devices().delete_device(device_id, user_id);
        if (!deleted) return deleted.take_error();
        if (!*deleted) return device_not_found();
        if (hook) {
          auto then = hook->on_device_removed(w, user_id, device_id);
          if (!then) return then.take_error();
          *after = std::move(*then);
        }
        return true;
      },
      std::move(done), [after](bool&) {
        if (*after) (*after)();
      });
}

void DeviceService::issue_challenge(const std::string& user_id, const std::string& device_id,
                                    Callback<Challenge> done) {
  auto device = owned_device(user_id, device_id);
  if (!device) return done(device.take_error());
  Challenge challenge{new_nonce(), {}, now_millis() + kChallengeTtlSeconds * 1000LL};
  challenge.signing_input = signing_input(device_id, challenge.nonce);
  store_.write<Challenge>(
      [device_id, challenge](storage::Writes& w) -> Result<Challenge> {
        // The device may have been deleted since the read above.
        auto device = w.devices().device_by_id(device_id);
        if (!device) return device.take_error();
        if (!*device) return device_not_found();
        auto ok = w.secrets().put_secret({std::string(kChallengePurpose),
                                          challenge_key(device_id, challenge.nonce), device_id,
                                          challenge.expires_at});
        if (!ok) return ok.take_error();
        return challenge;
      },
      std::move(done));
}

void DeviceService::verify(const std::string& user_id, const std::string& device_id,
                           const std::string& nonce, const std::string& signature,
                           Callback<storage::DeviceRecord> done) {
  auto device = owned_device(user_id, device_id);
  if (!device) return done(device.take_error());
  auto sig = parse_signature(signature);
  if (!sig) return done(sig.take_error());
  auto key = parse_public_key(device->public_key);
  if (!key) return done(make_error(Errc::internal, "stored public key is unreadable"));
  // Check the signature here, on the calling thread, so the single writer only records the
  // outcome. The nonce is consumed in the write either way, so a wrong guess burns it.
  bool signature_ok = verify_signature(*key, signing_input(device_id, nonce), *sig);

  enum class Outcome { verified, bad_signature, bad_challenge };
  store_.write<Outcome>(
      [device_id, nonce, signature_ok](storage::Writes& w) -> Result<Outcome> {
        auto challenge =
            w.secrets().take_secret(kChallengePurpose, challenge_key(device_id, nonce), now_millis());
        if (!challenge) return challenge.take_error();
        if (!*challenge) return Outcome::bad_challenge;
        if (!signature_ok) return Outcome::bad_signature;
        if (auto ok = w.devices().mark_device_verified(device_id, now_millis()); !ok) {
          return ok.take_error();
        }
        return Outcome::verified;
      },
      [this, device_id, done = std::move(done)](Result<Outcome> outcome) {
        if (!outcome) return done(outcome.take_error());
        switch (outcome.value()) {
          case Outcome::bad_challenge:
            return done(make_error(kChallengeInvalid,
                                   "the nonce is unknown, already used or expired; request a new "
                                   "challenge"));
          case Outcome::bad_signature:
            return done(make_error(kSignatureInvalid,
                                   "the signature does not verify with the device's public key; "
                                   "request a new challenge",
                                   "signature"));
          case Outcome::verified:
            break;
        }
        auto device = store_.reads().devices().device_by_id(device_id);
        if (!device) return done(device.take_error());
        if (!*device) return done(device_not_found());
        done(std::move(**device));
      });
}

}  // namespace paddock::devices
