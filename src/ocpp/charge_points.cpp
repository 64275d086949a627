#include "ocpp/charge_points.hpp"

#include <sodium.h>

#include <algorithm>
#include <utility>

#include "core/text.hpp"
#include "core/thread_post.hpp"
#include "identity/errors.hpp"
#include "ocpp/errors.hpp"

namespace paddock::ocpp {
namespace {

Result<void> require_operator(storage::Reads& reads, std::string_view user_id) {
  auto is = reads.charge_points().is_operator(user_id);
  if (!is) return is.take_error();
  if (!*is) return make_error(kOperatorRequired, "this needs the operator role");
  return {};
}

Result<void> check_text(std::string_view value, std::string_view field, std::size_t max_chars) {
  if (value.empty() || utf8_length(value) > max_chars || has_control_characters(value)) {
    return make_error(Errc::invalid_field,
                      std::string(field) + " must be 1 to " + std::to_string(max_chars) +
                          " characters without control characters",
                      std::string(field));
  }
  return {};
}

}  // namespace

bool is_charge_point_id(std::string_view id) {
  if (id.empty() || id.size() > kMaxChargePointIdChars) return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-';
  });
}

std::optional<std::pair<std::string, std::string>> parse_basic_credentials(
    std::string_view header) {
  constexpr std::string_view kScheme = "basic ";
  if (header.size() <= kScheme.size() || ascii_lower(header.substr(0, kScheme.size())) != kScheme) {
    return std::nullopt;
  }
  std::string_view encoded = header.substr(kScheme.size());
  while (!encoded.empty() && encoded.front() == ' ') encoded.remove_prefix(1);
  // id (48) + ':' + password (40), generously: nothing longer can be right.
  if (encoded.empty() || encoded.size() > 512) return std::nullopt;
  std::string decoded(encoded.size(), '\0');
  std::size_t length = 0;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(decoded.data()), decoded.size(),
                        encoded.data(), encoded.size(), nullptr, &length, nullptr,
                        sodium_base64_VARIANT_ORIGINAL) != 0) {
    return std::nullopt;
  }
  decoded.resize(length);
  auto colon = decoded.find(':');  // RFC 7617: the user-id cannot contain a colon
  if (colon == std::string::npos) return std::nullopt;
  return std::make_pair(decoded.substr(0, colon), decoded.substr(colon + 1));
}

ChargePointService::ChargePointService(storage::Store& store, identity::PasswordHasher& hasher,
                                       identity::LoginLimiter& limiter)
    : store_(store), hasher_(hasher), limiter_(limiter) {}

void ChargePointService::register_charge_point(std::string operator_id, Registration r,
                                               Callback<ChargePointRecord> done) {
  if (auto ok = require_operator(store_.reads(), operator_id); !ok) return done(ok.take_error());
  if (!is_charge_point_id(r.id)) {
    return done(make_error(Errc::invalid_field,
                           "id must be 1 to 48 characters from A-Z a-z 0-9 . _ -", "id"));
  }
  const std::size_t password_chars = utf8_length(r.password);
  if (password_chars < kMinChargePointPasswordChars ||
      password_chars > kMaxChargePointPasswordChars) {
    return done(
        make_error(Errc::invalid_field, "password must be 16 to 40 characters", "password"));
  }
  if (auto ok = check_text(r.vendor, "vendor", kMaxVendorChars); !ok) return done(ok.take_error());
  if (auto ok = check_text(r.model, "model", kMaxModelChars); !ok) return done(ok.take_error());

  // Hash on the pool; the hasher answers on this thread, which then submits the write.
  auto finish = std::move(done);
  // Taken out first: the callback's capture below moves `r`, in an unspecified order.
  std::string password = std::exchange(r.password, {});
  hasher_.hash(std::move(password), [this, operator_id = std::move(operator_id), r = std::move(r),
                                     finish](Result<std::string> hash) mutable {
    if (!hash) return finish(hash.take_error());
    ChargePointRecord record{r.id,         std::move(*hash), r.vendor,     r.model, operator_id,
                             now_millis(), std::nullopt,     std::nullopt, "",      "",
                             r.approved};
    store_.write<ChargePointRecord>(
        [record](storage::Writes& w) -> Result<ChargePointRecord> {
          PADDOCK_TRY(require_operator(w, record.registered_by));
          PADDOCK_TRY(w.charge_points().insert_charge_point(record));
          return record;
        },
        finish);
  });
}

void ChargePointService::approve(std::string operator_id, std::string id,
                                 Callback<ChargePointRecord> done) {
  if (auto found = get(operator_id, id); !found) return done(found.take_error());
  store_.write<ChargePointRecord>(
      [operator_id = std::move(operator_id), id = std::move(id)](
          storage::Writes& w) -> Result<ChargePointRecord> {
        // Re-checked in the job: ownership and the role are what the write commits under.
        PADDOCK_TRY(require_operator(w, operator_id));
        PADDOCK_ASSIGN(found, w.charge_points().charge_point(id));
        if (!found || found->registered_by != operator_id) {
          return make_error(Errc::not_found, "you have no charge point " + id);
        }
        PADDOCK_TRY(w.charge_points().approve(id));
        found->approved = true;
        return std::move(*found);
      },
      std::move(done));
}

void ChargePointService::grant_operator(std::string_view username, Callback<std::string> done) {
  auto user = store_.reads().identity().user_by_username(ascii_lower(username));
  if (!user) return done(user.take_error());
  if (!*user)
    return done(make_error(Errc::not_found, "no user is called " + std::string(username)));
  store_.write<std::string>(
      [id = (*user)->id](storage::Writes& w) -> Result<std::string> {
        PADDOCK_TRY(w.charge_points().grant_operator(id, now_millis()));
        return id;
      },
      std::move(done));
}

Result<std::vector<ChargePointRecord>> ChargePointService::list(std::string_view operator_id) {
  auto& reads = store_.reads();
  PADDOCK_TRY(require_operator(reads, operator_id));
  auto all = reads.charge_points().charge_points();
  if (!all) return all.take_error();
  std::erase_if(*all, [&](const ChargePointRecord& c) { return c.registered_by != operator_id; });
  return std::move(*all);
}

Result<ChargePointRecord> ChargePointService::get(std::string_view operator_id,
                                                  std::string_view id) {
  auto& reads = store_.reads();
  PADDOCK_TRY(require_operator(reads, operator_id));
  auto found = is_charge_point_id(id) ? reads.charge_points().charge_point(id)
                                      : Result<std::optional<ChargePointRecord>>(std::nullopt);
  if (!found) return found.take_error();
  if (!*found || (*found)->registered_by != operator_id) {
    return make_error(Errc::not_found, "you have no charge point " + std::string(id));
  }
  return std::move(**found);
}

void ChargePointService::authenticate(std::string path_id, std::string_view authorization,
                                      std::string address, Callback<std::string> done) {
  auto credentials = parse_basic_credentials(authorization);
  if (!credentials) {
    return done(make_error(Errc::unauthorized,
                           "send 'Authorization: Basic base64(chargePointId:password)'"));
  }
  if (credentials->first != path_id) {
    return done(
        make_error(Errc::unauthorized, "the credentials name another charge point than the URL"));
  }
  if (!is_charge_point_id(path_id)) {
    return done(make_error(Errc::not_found, "no charge point " + path_id));
  }
  // Failures count per (pile, address) and per address, never per pile alone: anyone may fail a
  // pile's password on purpose, and that must not keep the real pile (from its own address)
  // out. Brute force stays bounded by the per-address limit, and a password of 16 to 40
  // characters checked with Argon2id leaves a few guesses per address no real chance.
  std::string limiter_key = path_id + '@' + address;
  if (int wait = limiter_.retry_after(limiter_key, address, now_millis()); wait > 0) {
    Error e = make_error(identity::kTooManyAttempts,
                         "too many failed attempts; try again in " + std::to_string(wait) + " s");
    e.retry_after_seconds = wait;
    return done(std::move(e));
  }
  auto found = store_.reads().charge_points().charge_point(path_id);
  if (!found) return done(found.take_error());
  if (!*found) return done(make_error(Errc::not_found, "no charge point " + path_id));
  auto finish = std::move(done);  // the hasher answers on this thread
  std::string stored_hash = std::move((*found)->password_hash);
  std::string password = std::move(credentials->second);
  hasher_.verify(std::move(stored_hash), std::move(password),
                 [this, path_id = std::move(path_id), address = std::move(address),
                  limiter_key = std::move(limiter_key), finish](Result<bool> verified) {
                   if (!verified || !*verified) {
                     limiter_.record_failure(limiter_key, address, now_millis());
                     return finish(make_error(kChargePointCredentials,
                                              "wrong password for charge point " + path_id));
                   }
                   limiter_.record_success(limiter_key);
                   finish(path_id);
                 });
}

}  // namespace paddock::ocpp
