#pragma once
// publishers/publisher_repository: what the publisher hub keeps, as the interface a storage
// backend implements: publishers and their sealed secrets, their messages (one row per message
// whatever its audience: a public message has no per-receiver rows), the receivers of targeted
// messages, receivers' subscriptions, opt-outs and read marks. Every change to a message takes
// the next value of one change sequence: the inbox cursor. Owned by publishers; depends on core.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"
#include "core/result.hpp"

namespace paddock::publishers {

struct PublisherRecord {
  std::string registration_id;    // "reg_..." from registration on
  std::optional<std::string> id;  // the public id (publisher_id.hpp), from approval on
  std::string name;
  std::string kind;
  std::string contact;
  std::optional<std::string> public_key;  // Ed25519, base64url
  std::string status;                     // pending | active | suspended
  UnixMillis created_at = 0;
  UnixMillis updated_at = 0;
};

struct SecretRecord {
  std::string registration_id;
  std::int64_t serial = 0;  // 1, 2, ... per publisher; the newest is current
  std::string sealed;       // SecretSealer::seal of the secret
  UnixMillis created_at = 0;
  std::optional<UnixMillis> expires_at;  // set when a newer secret replaced it (the overlap)
};

struct MessageRecord {
  std::string publisher_id;    // public id
  std::string message_id;      // the publisher's own id
  std::int64_t seq = 0;        // change sequence of the last change
  std::int64_t first_seq = 0;  // change sequence of the first publication
  bool is_public = false;
  std::string category;
  std::string title;
  std::string body;
  std::string data;  // a JSON object, as text
  std::optional<UnixMillis> expires_at;
  std::int64_t version = 1;
  bool withdrawn = false;
  UnixMillis created_at = 0;
  UnixMillis updated_at = 0;
};

// One receiver's view of a message.
struct InboxEntry {
  MessageRecord message;
  std::string publisher_name;
  std::string publisher_kind;
  bool read = false;
};

// What a receiver chose not to get: every message of a publisher, or every message of a category.
struct OptOut {
  enum class Kind { publisher, category } kind = Kind::publisher;
  std::string value;
  friend bool operator==(const OptOut&, const OptOut&) = default;
};

// Delivery statistics for the publisher, in distinct receivers, naming nobody: reached on a
// live stream, synced through the inbox, marked it read.
struct MessageStats {
  std::int64_t delivered = 0;
  std::int64_t synced = 0;
  std::int64_t read = 0;
};

// What a message's statistics are computed from.
struct MessageTally {
  std::string delivered_reach;  // ReachSketch text (reach_sketch.hpp) of the users reached live
  std::int64_t synced = 0;      // its audience whose inbox cursor passed its first publication
  std::int64_t read = 0;        // receivers who marked it read
};

class PublisherReads {
 public:
  virtual ~PublisherReads() = default;
  virtual Result<std::optional<PublisherRecord>> publisher_by_registration(
      std::string_view registration_id) = 0;
  virtual Result<std::optional<PublisherRecord>> publisher_by_id(std::string_view id) = 0;
  // The publisher's secrets, newest first.
  virtual Result<std::vector<SecretRecord>> secrets_of(std::string_view registration_id) = 0;
  // The secret sealed last, of any publisher: a node checks at start that its key opens it.
  virtual Result<std::optional<SecretRecord>> newest_secret() = 0;
  virtual Result<std::optional<MessageRecord>> publisher_message(std::string_view publisher_id,
                                                                 std::string_view message_id) = 0;
  // The receivers of a targeted message, sorted.
  virtual Result<std::vector<std::string>> message_receivers(std::string_view publisher_id,
                                                             std::string_view message_id) = 0;
  virtual Result<bool> is_subscribed(std::string_view user_id, std::string_view publisher_id) = 0;
  // Publisher ids the user subscribed to, oldest first.
  virtual Result<std::vector<std::string>> subscriptions_of(std::string_view user_id) = 0;
  // Whether the user owns a vehicle whose owner named the publisher as serving it.
  virtual Result<bool> serves_vehicle_of(std::string_view user_id,
                                         std::string_view publisher_id) = 0;
  // Publisher ids named as serving the vehicle, oldest first.
  virtual Result<std::vector<std::string>> service_providers_of(std::string_view vehicle_id) = 0;
  virtual Result<std::vector<OptOut>> opt_outs_of(std::string_view user_id) = 0;
  // Users who opted out of the publisher or of the category, sorted.
  virtual Result<std::vector<std::string>> users_opted_out(std::string_view publisher_id,
                                                           std::string_view category) = 0;
  // The user's inbox changes with seq > after, by seq, at most `limit`: public messages of
  // publishers and categories the user did not opt out of, and messages targeted at the user.
  // A withdrawn or expired (expires_at <= now) message is included only if it was first
  // published at or before `after` (the receiver may hold it); others it never needs to see.
  virtual Result<std::vector<InboxEntry>> inbox_after(std::string_view user_id, std::int64_t after,
                                                      UnixMillis now, int limit) = 0;
  // The message as it is in the user's inbox (live: not withdrawn, not expired), if it is.
  virtual Result<std::optional<InboxEntry>> inbox_item(std::string_view user_id,
                                                       std::string_view publisher_id,
                                                       std::string_view message_id,
                                                       UnixMillis now) = 0;
  // Counts its audience (today's: receivers who opted out since are not counted) from the
  // inbox cursors, so the cost is the receivers who synced, never a row per message and receiver.
  virtual Result<MessageTally> message_tally(std::string_view publisher_id,
                                             std::string_view message_id) = 0;
  // The ReachSketch text of the users its live fan-outs reached; empty before any.
  virtual Result<std::string> message_reach(std::string_view publisher_id,
                                            std::string_view message_id) = 0;
  // The highest change sequence assigned; 0 before any.
  virtual Result<std::int64_t> last_publisher_seq() = 0;
};

class PublisherWrites : public PublisherReads {
 public:
  virtual Result<void> insert_publisher(const PublisherRecord& publisher) = 0;
  virtual Result<void> set_publisher_status(std::string_view registration_id,
                                            std::string_view status, UnixMillis at) = 0;
  // Gives the publisher its public id. False (and nothing written) iff another publisher
  // already has that id: uniqueness is the database's, so the caller draws again.
  virtual Result<bool> assign_publisher_id(std::string_view registration_id,
                                           std::string_view id) = 0;
  virtual Result<void> insert_secret(const SecretRecord& secret) = 0;
  // Every secret of the publisher without an expiry, or expiring later than `at`, expires at `at`.
  virtual Result<void> expire_secrets(std::string_view registration_id, UnixMillis at) = 0;
  // The next change sequence value (greater than every one before, never reused).
  virtual Result<std::int64_t> next_publisher_seq() = 0;
  // Inserts or replaces the message (keyed by publisher_id, message_id).
  virtual Result<void> put_publisher_message(const MessageRecord& message) = 0;
  // Adds receivers to a targeted message (ones already there stay, with their read marks).
  virtual Result<void> add_message_receivers(std::string_view publisher_id,
                                             std::string_view message_id,
                                             const std::vector<std::string>& user_ids) = 0;
  // True iff the subscription is new.
  virtual Result<bool> put_subscription(std::string_view user_id, std::string_view publisher_id,
                                        UnixMillis at) = 0;
  // True iff there was one.
  virtual Result<bool> delete_subscription(std::string_view user_id,
                                           std::string_view publisher_id) = 0;
  // True iff the publisher was not yet named for the vehicle.
  virtual Result<bool> put_service_provider(std::string_view vehicle_id,
                                            std::string_view publisher_id, UnixMillis at) = 0;
  // True iff it was named.
  virtual Result<bool> delete_service_provider(std::string_view vehicle_id,
                                               std::string_view publisher_id) = 0;
  // Forgets every provider of the vehicle (its owner changed).
  virtual Result<void> delete_service_providers(std::string_view vehicle_id) = 0;
  virtual Result<void> replace_opt_outs(std::string_view user_id,
                                        const std::vector<OptOut>& opt_outs) = 0;
  virtual Result<void> put_message_reach(std::string_view publisher_id,
                                         std::string_view message_id, std::string_view reach) = 0;
  // The user's inbox has been synced up to `seq`; a lower seq than before changes nothing.
  virtual Result<void> advance_inbox_cursor(std::string_view user_id, std::int64_t seq,
                                            UnixMillis at) = 0;
  virtual Result<void> mark_read(std::string_view user_id, std::string_view publisher_id,
                                 std::string_view message_id, bool is_public, UnixMillis at) = 0;
};

}  // namespace paddock::publishers
