#pragma once
// events/event_log: the feed log, as the interface a storage backend implements. Modules
// append events (sharing today; devices, keys and publishers later); the feed reads them back
// by cursor and the hub pushes them live. Owns the log's contracts; depends on core and the
// plain records in storage/records.hpp.
//
// ORDERING CONTRACT (every backend must honour it; the conformance suite checks it):
//  * append_event assigns a seq greater than every seq ever assigned before (never reused,
//    even after deletes); the seq is the feed cursor.
//  * Visibility is prefix-closed: once a reader can see the event with seq s, it can see every
//    surviving event with a smaller seq. An event with a later cursor never becomes visible
//    before an earlier one. (SQLite gets this from its single writer. A backend with
//    concurrent writers, such as PostgreSQL with a sequence, must serialize appends, e.g. by
//    taking the seq under a lock held until commit, or hold back readers to the oldest
//    in-flight seq.) Without it a client that advanced its cursor past s would miss an
//    earlier event committed after it read.
//  * last_event_seq() is the highest seq ever assigned and committed; it never decreases.
#include <optional>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "storage/records.hpp"

namespace paddock::events {

using storage::EventRecord;

class EventLogReads {
 public:
  virtual ~EventLogReads() = default;
  // Vehicle events (no target user) of the vehicle with seq > after whose message type bit is
  // in `types`, by seq, at most `limit`. Filtering here, not after, is what keeps a merged
  // feed page free of gaps.
  virtual Result<std::vector<EventRecord>> vehicle_events_after(std::string_view vehicle_id,
                                                                std::int64_t after, unsigned types,
                                                                int limit) = 0;
  // Events addressed to the user with seq > after, by seq, at most `limit`: those that target
  // no device, plus, iff `device_id` is given, those that target that device. Events whose
  // expires_at has passed when this reads are left out (in the query, so a page never skips).
  virtual Result<std::vector<EventRecord>> personal_events_after(
      std::string_view user_id, std::optional<std::string_view> device_id, std::int64_t after,
      int limit) = 0;
  virtual Result<std::int64_t> last_event_seq() = 0;
  // Every event (vehicle and personal) with seq > after, by seq, at most `limit`: what a node
  // sharing the database with others delivers live after another node's commit.
  virtual Result<std::vector<EventRecord>> events_after(std::int64_t after, int limit) = 0;
};

class EventLogWrites : public EventLogReads {
 public:
  // Appends and returns the event's seq (see the ordering contract above).
  virtual Result<std::int64_t> append_event(const EventRecord& event) = 0;
  // Drops the events of a message (its data must not outlive it).
  virtual Result<void> delete_message_events(std::string_view message_id) = 0;
  // Drops the vehicle events (not the personal ones) of a vehicle.
  virtual Result<void> delete_vehicle_events(std::string_view vehicle_id) = 0;
};

}  // namespace paddock::events
