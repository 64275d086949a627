#pragma once
// publishers/publisher_service: the publisher hub. Registration and the operator's decisions
// (approve, suspend, reinstate), secrets (sealed, rotated with an overlap), authentication of
// signed requests (RFC 9421 through http_signature, nonces as single-use secrets), messages
// (targeted to customers or public, versioned, withdrawn, expiring), receivers' subscriptions,
// opt-outs and inbox. A public message is one row; live delivery is a notice to the hub after
// the commit, so the publisher's answer never waits for receivers.
// Depends on core, storage's unit-of-work interface, events' live notices.
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "events/live_notices.hpp"
#include "publishers/http_signature.hpp"
#include "publishers/publisher_repository.hpp"
#include "publishers/push_limiter.hpp"
#include "publishers/secret_sealer.hpp"
#include "sharing/sharing_service.hpp"
#include "storage/store.hpp"

namespace paddock::publishers {

struct Registration {
  std::string name;
  std::string kind;
  std::string contact;
  std::optional<std::string> public_key;  // Ed25519, base64url of 32 bytes
};

struct Approval {
  PublisherRecord publisher;
  std::optional<std::string> secret;  // shown once: the only time it leaves the server
};

// Who a verified signature proved is calling, and the nonce its request must spend.
struct SignedCall {
  std::string publisher_id;
  std::string nonce;
  std::int64_t created = 0;  // seconds
};

struct Rotation {
  std::string secret;
  std::int64_t serial = 0;
  UnixMillis previous_valid_until = 0;
};

struct MessageInput {
  std::string message_id;
  bool is_public = false;
  std::vector<std::string> user_ids;  // when targeted
  std::string category;
  std::string title;
  std::string body;
  std::string data = "{}";  // a JSON object as text, checked by the caller
  std::optional<UnixMillis> expires_at;
  std::optional<std::int64_t> version;
};

struct PutOutcome {
  MessageRecord message;
  bool created = false;
  bool changed = false;  // false: the same content was published again (idempotent retry)
};

struct InboxPage {
  std::vector<InboxEntry> entries;
  std::int64_t next_cursor = 0;
};

// Also sharing's transfer hook: a vehicle changing hands drops the providers its old owner named.
class PublisherService : public sharing::VehicleTransferHook {
 public:
  // `live` may be null (the command line): changes are then not delivered live.
  PublisherService(storage::Store& store, const SecretSealer& sealer, events::LiveNotices* live,
                   PushLimits limits = {})
      : store_(store), sealer_(sealer), live_(live), limiter_(limits) {}

  // Records a pending registration; with `auto_approve` (development mode) approves it at once.
  // Errors: invalid_field (name, kind, contact, public_key).
  void register_publisher(Registration registration, bool auto_approve, Callback<Approval> done);
  // `ref` is the registration id or the publisher id. approve: pending -> active, assigning the
  // id and (unless the publisher registered a public key only) a first secret. suspend:
  // active -> suspended; reinstate: suspended -> active. Errors: not_found,
  // kPublisherStateConflict.
  void approve(const std::string& ref, Callback<Approval> done);
  void suspend(const std::string& ref, Callback<PublisherRecord> done);
  void reinstate(const std::string& ref, Callback<PublisherRecord> done);

  // Verifies a signed request at `now`: signature present and well-formed, covering @method,
  // @target-uri or @path (and @query when there is a query), content-digest when there is a
  // body; created within kClockWindow; the body matching Content-Digest; the keyid a publisher;
  // the signature verifying under one of its live secrets (hmac-sha256) or its key (ed25519);
  // the publisher active. The nonce is not spent here (see the write calls). Errors: the
  // signature codes in publishers/errors.hpp, each naming the failed check.
  Result<SignedCall> authenticate(const SignedRequest& request, std::string_view body,
                                  UnixMillis now);

  // Every call made with a SignedCall spends its nonce in the same transaction: a replay within
  // the window is refused with kNonceReplayed and changes nothing.
  void rotate_secret(const SignedCall& call, UnixMillis overlap, Callback<Rotation> done);
  // Pushes (put and withdraw) count against the publisher's rate limit and daily quota first:
  // kPushRateLimited, kDailyQuotaExceeded (429 with Retry-After).
  // Errors: invalid_field, kUnknownCategory, kNotACustomer (a receiver who is not a subscriber:
  // the same for an unknown user, so nothing leaks), kStaleVersion, kAudienceChanged.
  // Makes the push rate limit and daily quota hold across nodes (PushLimiter::share_through).
  // Call once, before the store's announcement handler is set.
  void share_limits_through(storage::AnnouncementRouter& router) {
    limiter_.share_through(store_, router, "publisher_push");
  }
  void put_message(const SignedCall& call, MessageInput input, Callback<PutOutcome> done);
  // Error not_found when the publisher never published `message_id`.
  void withdraw_message(const SignedCall& call, const std::string& message_id,
                        Callback<MessageRecord> done);

  // The message's delivery statistics in distinct receivers, naming none: `delivered` from its
  // reach sketch (exact up to ReachSketch::kExactLimit, estimated beyond), `synced` and `read`
  // counted. Error not_found unless the caller published `message_id`.
  void stats(const SignedCall& call, const std::string& message_id, Callback<MessageStats> done);
  // Adds the users a live fan-out of a message reached (`counted_as` is its inbox item id) to
  // its reach sketch, in a write of its own: the feed hub's reach handler, on its fan-out thread.
  void record_reach(const std::string& counted_as, std::span<const std::string_view> users);

  // Receivers. Error not_found for an unknown or inactive publisher.
  void subscribe(const std::string& user_id, const std::string& publisher_id, Callback<bool> done);
  void unsubscribe(const std::string& user_id, const std::string& publisher_id,
                   Callback<bool> done);
  Result<std::vector<PublisherRecord>> subscriptions(const std::string& user_id);
  void set_opt_outs(const std::string& user_id, std::vector<OptOut> opt_outs,
                    Callback<std::vector<OptOut>> done);
  Result<std::vector<OptOut>> opt_outs(const std::string& user_id);
  // The providers serving a vehicle, named by its owner (who is then their customer, as a
  // subscriber is). Only the owner names or drops one: the owner pays for the service, and a
  // co-owner's choice would make the owner reachable by a publisher they never chose. add: true
  // iff newly named; not_found for an inactive publisher. Errors (vehicle): not_found for
  // strangers, forbidden for followers and co-owners (read: owner and co-owners).
  void add_service_provider(const std::string& user_id, const std::string& vehicle_id,
                            const std::string& publisher_id, Callback<bool> done);
  void remove_service_provider(const std::string& user_id, const std::string& vehicle_id,
                               const std::string& publisher_id, Callback<bool> done);
  Result<std::vector<PublisherRecord>> service_providers(const std::string& user_id,
                                                         const std::string& vehicle_id);
  Result<void> on_vehicle_transferred(storage::Writes& w, const std::string& vehicle_id,
                                      const std::string& old_owner_id,
                                      std::vector<storage::EventRecord>& events) override;

  // The changes after `cursor`, current state only. Error kInvalidInboxCursor past the head.
  Result<InboxPage> inbox(const std::string& user_id, std::int64_t cursor, int limit);
  // Error not_found unless the item is live in the user's inbox.
  void mark_read(const std::string& user_id, const std::string& item_id, Callback<bool> done);

 private:
  void transition(const std::string& ref, std::string_view from, std::string_view to,
                  Callback<PublisherRecord> done);
  void deliver(const MessageRecord& message, const PublisherRecord& publisher,
               std::vector<std::string> users, std::vector<std::string> except, UnixMillis now);

  storage::Store& store_;
  const SecretSealer& sealer_;
  events::LiveNotices* live_;
  PushLimiter limiter_;
};

}  // namespace paddock::publishers
