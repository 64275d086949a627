#pragma once
// feed/cluster_feed: live delivery when several nodes share one database (PostgreSQL). Stands
// between the modules and this node's Hub, as their LiveFeed, LiveEvents and LiveNotices:
//  * Events are delivered from the log, never from this node's commits: on every "feed"
//    announcement (the store announces the log's head at each commit, on any node) it reads the
//    events after the last one it delivered and hands them to the hub in seq order. So one order
//    holds on every node, and it is the log's (cursor) order; a lost notification is only a delay,
//    since the next one (or a resync) reads everything after the last delivered seq.
//  * Follow, visibility and vehicle changes are applied to the local hub at once (this node's
//    requests see them without a round trip) and, as every node does, again when their
//    announcement arrives ("follow", "vehicle", "vehicle_gone", sent by sharing inside the job),
//    from the database's current state. An announcement travels in its job's transaction, so
//    it reaches every node before the "feed" of any later commit.
//  * A session's end (logout, link revoke) is announced, so its streams close on every node.
//  * Notices (publisher messages, live only) go to the other nodes when they fit in one
//    announcement; a larger one reaches only this node's streams, and the others' receivers
//    through their inbox sync.
//  * "resync" (announcements may have been missed) reloads the hub's index and catches up.
// Runs its reads on the store's listening thread, never on an I/O thread. Depends on feed's
// Hub, sharing's interfaces and storage's.
#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>

#include "events/live_events.hpp"
#include "events/live_notices.hpp"
#include "feed/hub.hpp"
#include "sharing/live_feed.hpp"
#include "storage/announcements.hpp"
#include "storage/store.hpp"

namespace paddock::feed {

class ClusterFeed final : public sharing::LiveFeed,
                          public events::LiveEvents,
                          public events::LiveNotices {
 public:
  ClusterFeed(storage::Store& store, Hub& hub);

  // Starts after the log's current head (what the hub loaded at start already covers the
  // follows; streams catch up on older events by cursor; when the database is away, at the head
  // it has once it answers) and registers the topics. Call before the store's announcement
  // handler is set.
  Result<void> start(storage::AnnouncementRouter& router);

  void apply(sharing::FeedUpdate update) override;
  void publish(std::vector<storage::EventRecord> events) override;
  void end_session(std::string user_id, std::string token_hash) override;
  void notify(events::LiveNotice notice) override;

  // The highest seq handed to the hub (tests).
  std::int64_t delivered() const { return delivered_.load(); }

 private:
  // On the listening thread: everything in the log after `delivered_`, in pages.
  void catch_up();
  void follow_changed(const std::string& payload);
  void vehicle_changed(const std::string& vehicle_id, bool gone);
  void notice_heard(const std::string& payload);

  storage::Store& store_;
  Hub& hub_;
  const std::string tag_;  // tells this node's own notices from others' (it delivered its own)
  std::mutex catch_up_mutex_;  // one catch-up at a time (resync and feed may race at start)
  std::atomic<std::int64_t> delivered_{0};
};

}  // namespace paddock::feed
