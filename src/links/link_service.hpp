#pragma once
// links/link_service: link sessions between two terminals by QR code (issue 9). A first
// terminal asks for a link (share a context, sign a screen in, hand off between one's own
// terminals); it gets a short-lived single-use secret, the URL that carries it (the QR code's
// text) and a watch token for its live notices. A second, signed-in terminal claims it with the
// secret; a sign-in is completed by approval on that terminal, which makes a device record and
// a session for the screen. Owns links (link_repository.hpp); depends on core, storage's unit of
// work, devices' kinds and keys, identity's tokens and limiter, events, and the context sources.
//
// Secrets: 128 random bits (base64url), stored only as a BLAKE2b-256 hash, compared in constant
// time, valid kSecretTtlSeconds by default, replaced by a refresh, consumed by the first good
// claim. Five wrong secrets lock the link for good; failed claims are also limited per link and
// per client address (docs/linking.md states the budget).
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "events/live_events.hpp"
#include "identity/login_limiter.hpp"
#include "links/contexts.hpp"
#include "links/link_repository.hpp"
#include "links/watch.hpp"
#include "storage/announcements.hpp"
#include "storage/store.hpp"

namespace paddock::links {

struct LinkOptions {
  int secret_ttl_seconds = 60;
  int max_wrong_secrets = 5;           // per link, for good
  int failed_claims_per_address = 20;  // per window
  int links_per_address = 60;          // unauthenticated creations per window
  int window_seconds = 900;
  int screen_session_ttl_seconds = 7 * 24 * 3600;
  // Where phones reach this server ({base}/l/{id}?s=...); empty: http://{Host of the request}.
  std::string public_base_url;
};

struct Terminal {
  std::string name;
  std::string kind;  // pc | car_screen | kiosk | phone
  std::optional<std::string> public_key;
};

struct NewLink {
  std::string purpose;  // share | sign_in | handoff
  std::optional<std::string> context_kind;
  std::optional<std::string> context_id;
  std::optional<std::string> device_id;
  Terminal terminal;
  std::string address;  // the asking terminal's client address
};

struct IssuedLink {
  LinkRecord link;
  std::string secret;       // give to the first terminal once
  std::string watch_token;  // ditto
};

struct Push {
  std::string from_device_id;
  std::string to_device_id;
  std::string kind;          // the app's own name for what it pushes, e.g. "open_url"
  std::string payload_json;  // a JSON object's text, at most kMaxPushPayloadBytes
  int ttl_seconds = 3600;
};

inline constexpr std::size_t kMaxPushPayloadBytes = 16 * 1024;
inline constexpr int kMaxPushTtlSeconds = 7 * 24 * 3600;

struct PushReceipt {
  std::int64_t cursor = 0;  // the event's place in the feed log
  UnixMillis expires_at = 0;
};

struct Claim {
  LinkRecord link;
  std::optional<std::string> context_json;  // share / handoff: what was handed over
};

// The secret's text: 16 random bytes, unpadded base64url (22 characters).
std::string new_link_secret();
// True iff `candidate` hashes to `hash` (hex BLAKE2b-256); constant time in the contents.
bool secret_matches(std::string_view candidate, std::string_view hash);

class LinkService {
 public:
  LinkService(storage::Store& store, events::LiveEvents& live, WatchHub& watch,
              ContextSources contexts, LinkOptions options);
  // Makes the failed-claim and creation limits hold across nodes (identity::LoginLimiter::
  // share_through). Call once, before the store's announcement handler is set.
  void share_limits_through(storage::AnnouncementRouter& router);

  // `creator_user` is set iff the request carried a valid session. Errors: unauthorized
  // (share/handoff without a session), invalid_field, unknown_context, not_found (context),
  // forbidden (device_id not the creator's), too_many_claims (creations per address).
  void create(std::optional<std::string> creator_user, NewLink request, Callback<IssuedLink> done);
  // The link iff `watch_token` is its watch token. Error: unauthorized (unknown links alike).
  Result<LinkRecord> authenticate_watch(const std::string& link_id, std::string_view watch_token);
  // A new secret; the old one is dead. Errors: unauthorized, link_state (not pending).
  void refresh(const std::string& link_id, std::string watch_token, Callback<IssuedLink> done);
  // Errors: not_found, forbidden (device), too_many_claims, link_secret_invalid/expired/used/
  // superseded, link_closed, the context's own.
  void claim(const std::string& user_id, const std::string& link_id, std::string secret,
             const std::string& device_id, const std::string& address, Callback<Claim> done);
  // sign_in only, by the claimant's user and device. Errors: not_found, link_state.
  void approve(const std::string& user_id, const std::string& link_id, const std::string& device_id,
               Callback<LinkRecord> done);
  void deny(const std::string& user_id, const std::string& link_id, const std::string& device_id,
            Callback<LinkRecord> done);
  Result<std::vector<LinkRecord>> list(const std::string& user_id);
  // By its creator or claimant: the link is revoked, a screen signed in through it loses its
  // session and device. Error: not_found.
  void revoke(const std::string& user_id, const std::string& link_id, Callback<LinkRecord> done);
  // Between two of the user's own devices: a terminal.push event on the target device's
  // streams now, or from the log on its next connect (resuming from its cursor) until the ttl
  // passes. Errors: not_found (from device), forbidden (to_device_id), invalid_field.
  void push(const std::string& user_id, Push push, Callback<PushReceipt> done);
  // The URL in the QR code: {public_base_url}/l/{id}?s={secret}.
  static std::string link_url(std::string_view base_url, std::string_view id,
                              std::string_view secret);
  const LinkOptions& options() const { return options_; }

 private:
  ContextSource* context_source(std::string_view kind);
  void finish_claim(LinkRecord link, std::string user_id, Callback<Claim> done);
  void end_sign_in(const std::string& user_id, const std::string& link_id,
                   const std::string& device_id, bool approve, Callback<LinkRecord> done);

  storage::Store& store_;
  events::LiveEvents& live_;
  WatchHub& watch_;
  ContextSources contexts_;
  LinkOptions options_;
  identity::LoginLimiter claim_limiter_;     // failed claims: per link, per address
  identity::LoginLimiter creation_limiter_;  // unauthenticated creations per address
};

}  // namespace paddock::links
