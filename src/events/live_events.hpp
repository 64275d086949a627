#pragma once
// events/live_events: where a module hands the feed events it just committed, for live
// delivery. Called from a write's on_commit step (storage::Store::write), so on the writer and
// in commit order; it must only enqueue. Implemented by feed::Hub. Sharing hands its events
// together with its follow changes (sharing/live_feed.hpp); every other module that emits
// events (keys, linking, publishers) uses this. Depends on storage records only.
#include <vector>

#include "storage/records.hpp"

namespace paddock::events {

class LiveEvents {
 public:
  virtual ~LiveEvents() = default;
  // `events` were appended in one commit, seq set, in seq order.
  virtual void publish(std::vector<storage::EventRecord> events) = 0;
  // The user's session with this token hash was revoked: the live streams it opened end now
  // (a stream that was opened with it must not go on receiving after its credential died).
  virtual void end_session(std::string user_id, std::string token_hash) = 0;
};

}  // namespace paddock::events
