#pragma once
// feed/hub: live fan-out. Mirrors, in memory, who follows which vehicle with which types and
// role (kept current by sharing's FeedUpdates, applied in commit order), and pushes each
// committed event, serialized once, to the queues of the connections entitled to it.
// Depends on sharing's LiveFeed interface and visibility rules, storage's interface (to load
// its index at start), and feed's frames and subscribers. Knows nothing of sockets.
#include <memory>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "feed/subscriber.hpp"
#include "sharing/live_feed.hpp"
#include "storage/store.hpp"

namespace paddock::feed {

class Hub final : public sharing::LiveFeed {
 public:
  explicit Hub(storage::Store& store);

  // Builds the follow index from the database. Call once before serving.
  void load();

  void apply(const sharing::FeedUpdate& update) override;

  void subscribe(const std::shared_ptr<Subscriber>& subscriber);
  void unsubscribe(const Subscriber* subscriber);
  std::size_t subscriber_count() const;

 private:
  struct Entry {
    sharing::TypeSet types = 0;  // selected by the follower
    sharing::Role role = sharing::Role::stranger;
    bool muted = false;
  };
  // Types `entry` may receive on a vehicle with `policy`.
  static sharing::TypeSet admitted(const Entry& entry, const sharing::VisibilityPolicy& policy);
  void set_follow(const storage::FollowRecord& follow);
  const sharing::VisibilityPolicy& policy_of(const std::string& vehicle_id);
  void deliver(const std::string& user_id, const FramePtr& frame);

  storage::Store& store_;
  mutable std::shared_mutex mutex_;
  std::unordered_map<std::string, std::unordered_map<std::string, Entry>> follows_;  // vehicle→user
  std::unordered_map<std::string, sharing::VisibilityPolicy> policies_;
  std::unordered_map<std::string, std::vector<std::shared_ptr<Subscriber>>> subscribers_;  // user
  std::size_t subscriber_count_ = 0;
};

}  // namespace paddock::feed
