#pragma once
// sharing/sharing_service: vehicle sharing accounts (CN109873749A): vehicles registered by VIN
// and/or plate, their authorized users, the typed message library, follow requests with a
// prompt and a confirmation, follower management, and the per-user feed. One facade; each job
// lives in a file of its own (vehicles.cpp, messages.cpp, follows.cpp, feed.cpp).
// Owns vehicles, members, messages and follows (sharing_repository.hpp), the
// "follow_confirmation" single-use secrets and the event kinds in event_kinds.hpp.
// Depends on core, identity's tokens, storage's unit-of-work interface, the event log
// (events/), and this module's rules; tells a LiveFeed about every committed change, in commit
// order. Every storage fault comes back as storage_unavailable.
#include <optional>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "sharing/live_feed.hpp"
#include "sharing/visibility.hpp"
#include "storage/store.hpp"

namespace paddock::sharing {

struct PlateInput {
  std::string number;
  std::string region;
};

// Fields a client may set on a vehicle; absent ones keep their value (or default on create).
struct VehicleInput {
  std::optional<std::string> vin;
  std::optional<PlateInput> plate;
  std::optional<std::string> nickname;
  std::vector<std::pair<MessageType, Audience>> visibility;
  std::optional<bool> requires_approval;
};

struct VehicleDetails {
  storage::VehicleRecord vehicle;
  std::vector<storage::MemberRecord> authorized_users;
  int follower_count = 0;
  Role role = Role::stranger;
};

struct NewMessage {
  std::string type;
  std::string text;
  std::string attributes;  // JSON object text, already checked by the caller
};

struct MessageEdit {
  std::optional<std::string> text;
  std::optional<std::string> attributes;
};

struct Identification {
  std::optional<std::string> vin;
  std::optional<PlateInput> plate;
};

struct FollowPrompt {
  std::string vehicle_id;
  std::string nickname;
  TypeSet visible_types = 0;
  int follower_count = 0;
  bool requires_approval = false;
  std::string confirmation_token;
  UnixMillis expires_at = 0;
};

struct MessagePage {
  std::vector<storage::MessageRecord> messages;
  bool reader_is_member = false;  // members see author ids; others see the author's role
  std::string owner_id;
};

enum class Moderation { approve, reject, block };

struct FeedPage {
  std::vector<storage::EventRecord> events;
  std::int64_t next_cursor = 0;
};

inline constexpr std::size_t kMaxMessageChars = 4000;
inline constexpr std::size_t kMaxAttributesBytes = 16 * 1024;
inline constexpr int kConfirmationTtlSeconds = 300;
// The single-use secret purpose of follow confirmations (key: the token's hash).
inline constexpr std::string_view kConfirmationPurpose = "follow_confirmation";

// What another module does when a vehicle changes hands (e.g. keys revokes the old owner's keys
// and removes the head units). Runs inside the transfer's write job after the owner changed, so
// both commit or neither; an error rolls the transfer back. Events it appends (seq set) go to
// the live feed after the commit.
class VehicleTransferHook {
 public:
  virtual ~VehicleTransferHook() = default;
  virtual Result<void> on_vehicle_transferred(storage::Writes& w, const std::string& vehicle_id,
                                              const std::string& old_owner_id,
                                              std::vector<storage::EventRecord>& events) = 0;
};

class SharingService {
 public:
  SharingService(storage::Store& store, LiveFeed& live);
  // Set once at start, before requests; not owned.
  void set_transfer_hook(VehicleTransferHook* hook) { transfer_hook_ = hook; }

  // Vehicles. Errors: invalid_field, identification_taken, not_found, forbidden.
  void create_vehicle(const std::string& user_id, VehicleInput input,
                      Callback<storage::VehicleRecord> done);
  Result<VehicleDetails> vehicle(const std::string& user_id, const std::string& vehicle_id);
  Result<std::vector<storage::VehicleRecord>> vehicles_of(const std::string& user_id);
  void update_vehicle(const std::string& user_id, const std::string& vehicle_id,
                      VehicleInput patch, Callback<storage::VehicleRecord> done);
  void delete_vehicle(const std::string& user_id, const std::string& vehicle_id,
                      Callback<bool> done);
  void transfer_vehicle(const std::string& user_id, const std::string& vehicle_id,
                        const std::string& new_owner_id, Callback<storage::VehicleRecord> done);

  // Authorized users (owner only).
  void put_authorized_user(const std::string& user_id, const std::string& vehicle_id,
                           const std::string& member_id,
                           Callback<std::vector<storage::MemberRecord>> done);
  void delete_authorized_user(const std::string& user_id, const std::string& vehicle_id,
                              const std::string& member_id, Callback<bool> done);

  // The message library (owner and authorized users write; readers see what their role may).
  void post_message(const std::string& user_id, const std::string& vehicle_id, NewMessage message,
                    Callback<storage::MessageRecord> done);
  void edit_message(const std::string& user_id, const std::string& vehicle_id,
                    const std::string& message_id, MessageEdit edit,
                    Callback<storage::MessageRecord> done);
  void delete_message(const std::string& user_id, const std::string& vehicle_id,
                      const std::string& message_id, Callback<bool> done);
  // A page of the library as the caller's role may read it. Error: not_found (also for a
  // user the owner blocked).
  Result<MessagePage> messages(const std::string& user_id, const std::string& vehicle_id,
                               std::int64_t after, int limit, TypeSet requested);

  // Following. A blocked user's requests answer not_found, exactly like an unknown vehicle.
  void request_follow(const std::string& user_id, Identification id, std::optional<TypeSet> types,
                      Callback<FollowPrompt> done);
  // The same prompt for a vehicle named by id (a vehicle page shared by QR code, links/).
  void request_follow_of_vehicle(const std::string& user_id, const std::string& vehicle_id,
                                 Callback<FollowPrompt> done);
  void confirm_follow(const std::string& user_id, const std::string& token,
                      Callback<storage::FollowRecord> done);
  Result<std::vector<storage::FollowRecord>> followers(const std::string& user_id,
                                                       const std::string& vehicle_id);
  void moderate_follower(const std::string& user_id, const std::string& vehicle_id,
                         const std::string& follow_id, Moderation action,
                         Callback<storage::FollowRecord> done);
  void remove_follower(const std::string& user_id, const std::string& vehicle_id,
                       const std::string& follow_id, Callback<bool> done);
  Result<std::vector<storage::FollowRecord>> follows_of(const std::string& user_id);
  void update_follow(const std::string& user_id, const std::string& follow_id,
                     std::optional<TypeSet> types, std::optional<bool> muted,
                     Callback<storage::FollowRecord> done);
  void unfollow(const std::string& user_id, const std::string& follow_id, Callback<bool> done);

  // The caller's feed after `cursor`, oldest first: the vehicle events their follows admit
  // and their personal events. Personal events that target a device are included iff
  // `device_id` names it (the caller checked that it is theirs); events for their other
  // devices never are. Error: invalid_cursor (from the future).
  Result<FeedPage> feed(const std::string& user_id, std::int64_t cursor, int limit,
                        std::optional<std::string> device_id = std::nullopt);
  Result<std::int64_t> feed_head();

  // Nickname of a vehicle (for follow views); empty when gone or unreadable.
  std::string nickname_of(const std::string& vehicle_id);

 private:
  // The prompt once the vehicle is found (request_follow and request_follow_of_vehicle).
  void prompt_follow(const std::string& user_id, const storage::VehicleRecord& vehicle,
                     std::optional<TypeSet> types, Callback<FollowPrompt> done);
  template <class T>
  struct Outcome {
    T value;
    FeedUpdate update;
  };
  // Runs `job` in the writer; after its commit, applies its FeedUpdate to the live feed (on the
  // writer, in commit order) and then completes with its value on the caller's thread.
  template <class T>
  void commit(std::function<Result<Outcome<T>>(storage::Writes&)> job, Callback<T> done);

  storage::Store& store_;
  LiveFeed& live_;
  VehicleTransferHook* transfer_hook_ = nullptr;
};

// Reads a cursor as given by a client ("" means none). Error: invalid_cursor.
Result<std::int64_t> parse_cursor(std::string_view text);

}  // namespace paddock::sharing
