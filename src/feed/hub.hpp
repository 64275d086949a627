#pragma once
// feed/hub: live fan-out. Mirrors, in memory, who follows which vehicle with which types and
// role (kept current by sharing's FeedUpdates, applied in commit order), and pushes each
// committed event, serialized once, to the queues of the connections entitled to it. Updates
// are handed to the hub's own fan-out thread, so neither the storage writer nor the request
// that posted waits for delivery; one thread keeps them in commit order.
// Personal events go to the target user's connections; one that targets a device goes only to
// the connections that serve that device. Notices (events/live_notices.hpp) go to the users they
// name, or to every connected user but the excluded ones, walking only the connected.
// Depends on sharing's LiveFeed interface and visibility rules, storage's interface (to load
// its index at start), and feed's frames and subscribers. Knows nothing of sockets.
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/work_pool.hpp"
#include "events/live_events.hpp"
#include "events/live_notices.hpp"
#include "feed/subscriber.hpp"
#include "sharing/live_feed.hpp"
#include "storage/store.hpp"

namespace paddock::feed {

class Hub final : public sharing::LiveFeed, public events::LiveEvents, public events::LiveNotices {
 public:
  explicit Hub(storage::Store& store);

  // Builds the follow index from the database. Call once before serving; afterwards the hub
  // learns everything from FeedUpdates (with several nodes: through feed/cluster_feed). Error:
  // storage_unavailable.
  Result<void> load();
  // Reads the index again and replaces the one in use, behind everything queued before: for a
  // node that may have missed other nodes' announcements (storage "resync").
  Result<void> reload();

  // Queues the update for the fan-out thread and returns.
  void apply(sharing::FeedUpdate update) override;
  // Queues other modules' events behind everything applied before (one order for all).
  void publish(std::vector<storage::EventRecord> events) override;
  void end_session(std::string user_id, std::string token_hash) override;
  // Queues a frame outside the feed log (events/live_notices.hpp) behind everything before.
  void notify(events::LiveNotice notice) override;
  // Told, on the fan-out thread, which users a counted notice (LiveNotice::counted_as) reached
  // on this node's streams, each once however many streams they have. The views last for the
  // call only (it runs under the hub's read lock, so it must be quick: count and hand off).
  using ReachHandler =
      std::function<void(const std::string& counted_as, std::span<const std::string_view> users)>;
  // Takes effect behind everything queued before; an empty handler stops the reports (at
  // shutdown, before what the handler uses goes).
  void on_reach(ReachHandler handler);
  // Blocks until every update queued so far has been applied and delivered.
  void drain();
  // How many vehicles' delivery lists the hub holds (behind everything queued so far): for
  // tests and diagnostics.
  std::size_t delivery_lists_held();

  // Says that from now on the hub is handed every log event after `seq`, in seq order: this
  // node's commits alone (SQLite), or the cluster feed's reads of the log. Streams may then
  // start at the hub's position without reading the log. Queued behind everything before.
  void delivers_after(std::int64_t seq);
  // The seq through which every log event has been handed to the streams subscribed at the
  // time; nullopt until delivers_after() has taken effect. It only grows.
  std::optional<std::int64_t> delivered_through() const;

  // Where a stream without a cursor starts: past delivered_through() and past every event this
  // node committed, even one the fan-out thread has yet to deliver (its writer answered the
  // client already: a stream opened after a 201 must not replay that post). nullopt until
  // delivers_after() has taken effect. On several nodes, another node's commit counts once its
  // events reach this hub.
  std::optional<std::int64_t> start_position() const;
  // This node committed the log through `seq`: the cluster feed's own commits, whose events
  // reach the hub later, from the log. Events handed to apply() count by themselves.
  void committed(std::int64_t seq);

  // Returns delivered_through() as of the subscription: every log event after it reaches the
  // subscriber (if it may see it); none up to it will.
  std::optional<std::int64_t> subscribe(const std::shared_ptr<Subscriber>& subscriber);
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
  // The user's streams here, or null when they have none.
  const std::vector<std::shared_ptr<Subscriber>>* streams_of(std::string_view user_id) const;
  // Queues `frame` on `streams`, honouring target_device; returns on how many it was queued.
  static std::size_t deliver(const std::vector<std::shared_ptr<Subscriber>>& streams,
                             const FramePtr& frame);
  // A vehicle's connected followers' streams with the types each may receive: what an event
  // on the vehicle walks, instead of a hash lookup per follower. On the fan-out thread, under
  // the read lock; rebuilt when anything changed since (a follow, a policy, a stream).
  struct Delivery {
    Subscriber* subscriber;  // valid while built_at is current: a stream leaving changes it
    sharing::TypeSet types;
  };
  struct DeliveryList {
    std::uint64_t built_at = 0;
    std::vector<Delivery> to;
  };

  void apply_now(const sharing::FeedUpdate& update);  // on the fan-out thread
  // Queues `task` on the fan-out thread through the pool's hook, so that it keeps its place
  // among the calling thread's other hand-overs even inside a PostBatch (core/thread_post): the
  // writer's completions (an event, then a revoked session) reach the hub in commit order. What
  // waits for its task (drain, delivery_lists_held) posts directly instead.
  void on_fanout(std::function<void()> task) { fanout_.hook()(std::move(task)); }
  // Drops the lists that went stale, once the generation has moved at least as many times as
  // there are lists (so the walk costs O(1) per change): a vehicle that posted once to
  // thousands of followers online must not keep their list for good. Fan-out thread, under the
  // read lock.
  void drop_stale_lists();

  storage::Store& store_;
  mutable std::shared_mutex mutex_;
  struct TextHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  // user → entry; looked up with the views that key subscribers_.
  using Followers = std::unordered_map<std::string, Entry, TextHash, std::equal_to<>>;
  const std::vector<Delivery>& delivery_list(const std::string& vehicle_id,
                                             const Followers& follows,
                                             const sharing::VisibilityPolicy& policy);
  std::unordered_map<std::string, Followers> follows_;  // vehicle → user
  std::unordered_map<std::string, sharing::VisibilityPolicy> policies_;
  // user → the user's streams. The key views the user id of one of them (the first), so a
  // connected user's id is held once, by its Subscriber; unsubscribe() moves the key on.
  std::unordered_map<std::string_view, std::vector<std::shared_ptr<Subscriber>>> subscribers_;
  std::size_t subscriber_count_ = 0;
  // Moves (under the write lock) with every change to follows_, policies_ or subscribers_.
  std::uint64_t generation_ = 1;
  std::unordered_map<std::string, DeliveryList> delivery_lists_;  // fan-out thread only
  std::uint64_t lists_swept_at_ = 0;  // the generation of the last drop_stale_lists() walk
  // The highest seq handed to the streams (fan-out thread). delivered_through_ publishes it
  // once delivers_after() said that nothing after it can be missing (kUnknown before); it is
  // stored under the read lock, so a subscription, under the write lock, sees it exactly.
  std::int64_t last_applied_ = 0;
  static constexpr std::int64_t kUnknown = -1;
  std::atomic<std::int64_t> delivered_through_{kUnknown};
  // The highest seq handed to apply() or committed(), on the committing thread (start_position).
  std::atomic<std::int64_t> committed_through_{0};
  ReachHandler on_reach_;  // used on the fan-out thread only
  WorkPool fanout_{1, "fanout"};  // last member: stops (and drains) before the maps above go away
};

}  // namespace paddock::feed
