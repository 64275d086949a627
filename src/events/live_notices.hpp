#pragma once
// events/live_notices: frames delivered live only, outside the feed log. A module whose
// receivers catch up through a store of their own (the publisher hub's inbox, with its own
// cursor) hands the hub a notice instead of appending feed events: it costs no row per
// receiver, carries no feed cursor (streams do not advance theirs for it, SSE gives it no id),
// and reaches the named users' streams, or every connected user's but the excluded. Called from
// a write's on_commit step, so in commit order; it must only enqueue. Implemented by
// feed::Hub. Depends on nothing.
#include <string>
#include <vector>

namespace paddock::events {

struct LiveNotice {
  std::string json;                 // the whole frame, serialized once
  bool everyone = false;            // every connected user ...
  std::vector<std::string> except;  // ... but these (sorted)
  std::vector<std::string> users;   // when !everyone: exactly these
  // Optional: what reaching a user counts toward (a publisher message); the hub then tells its
  // reach handler which users the frame reached. One word, no spaces.
  std::string counted_as;
};

class LiveNotices {
 public:
  virtual ~LiveNotices() = default;
  virtual void notify(LiveNotice notice) = 0;
};

}  // namespace paddock::events
