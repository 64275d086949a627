#pragma once
// sharing/live_feed: what the sharing service tells the live delivery side after each commit,
// in commit order: the feed events it appended and the follow/vehicle changes that decide who
// receives what. Implemented by feed::Hub; an interface so the domain never sees sockets.
// Depends on storage records and this module's visibility rules.
#include <string>
#include <utility>
#include <vector>

#include "sharing/visibility.hpp"
#include "storage/records.hpp"

namespace paddock::sharing {

struct FeedUpdate {
  std::vector<storage::EventRecord> events;         // appended in this commit, seq set
  std::vector<storage::FollowRecord> follows_set;   // current state of added/changed follows
  std::vector<storage::FollowRecord> follows_gone;  // removed follows (last known state)
  std::vector<std::pair<std::string, VisibilityPolicy>> policies;  // vehicle id -> policy
  std::vector<std::string> vehicles_gone;

  bool empty() const {
    return events.empty() && follows_set.empty() && follows_gone.empty() && policies.empty() &&
           vehicles_gone.empty();
  }
};

class LiveFeed {
 public:
  virtual ~LiveFeed() = default;
  // Called on the storage writer thread, after the commit, in commit order. Must return
  // quickly: the request that made the change is answered after it.
  virtual void apply(FeedUpdate update) = 0;
};

}  // namespace paddock::sharing
