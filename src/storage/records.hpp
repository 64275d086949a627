#pragma once
// storage/records: the rows the domain keeps, as plain values shared by the modules' repository
// interfaces and their backends. No SQL, no behaviour beyond naming a FollowStatus. Depends on
// core only.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/clock.hpp"

namespace paddock::storage {

struct UserRecord {
  std::string id;
  std::string username;  // lower-cased; unique
  std::string display_name;
  std::string password_hash;  // libsodium crypto_pwhash_str output (Argon2id, self-describing)
  UnixMillis created_at = 0;
};

struct SessionRecord {
  std::string token_hash;  // hex BLAKE2b-256 of the bearer token; the token itself is never kept
  std::string user_id;
  UnixMillis created_at = 0;
  UnixMillis expires_at = 0;
};

struct DeviceRecord {
  std::string id;
  std::string user_id;
  std::string name;
  std::string kind;
  std::string public_key;  // Ed25519, base64url
  bool primary = false;
  std::optional<UnixMillis> verified_at;
  UnixMillis created_at = 0;
};

}  // namespace paddock::storage

namespace paddock::storage {

struct VehicleRecord {
  std::string id;
  std::string owner_id;
  std::optional<std::string> vin;           // normalized
  std::optional<std::string> plate_number;  // normalized
  std::optional<std::string> plate_region;  // normalized ISO 3166
  std::optional<std::string> plate_key;     // "<REGION>:<NUMBER>", the lookup key
  std::string nickname;
  std::string visibility;  // sharing::VisibilityPolicy::encode()
  bool requires_approval = false;
  std::int64_t last_message_seq = 0;
  UnixMillis created_at = 0;
};

struct MemberRecord {  // an authorized user of a vehicle
  std::string vehicle_id;
  std::string user_id;
  UnixMillis added_at = 0;
};

struct MessageRecord {
  std::string id;
  std::string vehicle_id;
  std::int64_t seq = 0;  // per vehicle, from 1
  int type = 0;          // sharing::MessageType
  std::string text;
  std::string attributes;  // JSON object text
  std::string author_id;
  UnixMillis created_at = 0;
  std::optional<UnixMillis> updated_at;
};

// A follow's state. The database and the JSON keep the names ("pending", ...); code uses the
// enum. `removed` is never stored: it is what a follower is told when a follow ends.
enum class FollowStatus { pending, active, blocked, removed };

inline std::string_view follow_status_name(FollowStatus s) {
  constexpr std::string_view kNames[] = {"pending", "active", "blocked", "removed"};
  return kNames[static_cast<int>(s)];
}

// Unknown text reads as blocked: a damaged row must not grant access.
inline FollowStatus parse_follow_status(std::string_view name) {
  if (name == "pending") return FollowStatus::pending;
  if (name == "active") return FollowStatus::active;
  if (name == "removed") return FollowStatus::removed;
  return FollowStatus::blocked;
}

struct FollowRecord {
  std::string id;
  std::string vehicle_id;
  std::string follower_id;
  FollowStatus status = FollowStatus::pending;
  unsigned types = 0;  // bit set of sharing::MessageType the follower selected
  bool approved = false;
  bool muted = false;
  UnixMillis created_at = 0;
};

// One entry of the feed log (events/event_log.hpp). Vehicle events (no target_user) reach that
// vehicle's followers; personal events reach target_user only, and, when target_device is
// set, only that device's streams. A personal event may concern no vehicle at all.
struct EventRecord {
  std::int64_t seq = 0;  // global, increasing; the feed cursor
  std::optional<std::string> vehicle_id;
  std::optional<std::string> target_user;
  std::optional<std::string> target_device;
  std::string type;                  // a registered kind (events/kinds.hpp): message.created, ...
  std::optional<int> message_type;   // for message events
  std::optional<std::string> message_id;
  std::string payload;               // JSON of the message or follow
  UnixMillis created_at = 0;
  // Personal events only: not delivered from the log once this has passed (a push between
  // terminals with a ttl). Absent: kept for good.
  std::optional<UnixMillis> expires_at;
};

}  // namespace paddock::storage
