#include "feed/hub.hpp"

#include <algorithm>
#include <future>
#include <mutex>

#include "sharing/access.hpp"

namespace paddock::feed {

using sharing::Role;
using sharing::TypeSet;
using sharing::VisibilityPolicy;

namespace {
// How far ahead of its push a subscriber's lines, and then its ring slot, are asked for.
constexpr std::size_t kSubscriberAhead = 12;
constexpr std::size_t kSlotAhead = 6;
}  // namespace

Hub::Hub(storage::Store& store) : store_(store) {}

Result<void> Hub::load() {
  auto& reads = store_.reads().sharing();
  PADDOCK_ASSIGN(visibilities, reads.all_vehicle_visibilities());
  PADDOCK_ASSIGN(follows, reads.all_live_follows());
  std::unique_lock lock(mutex_);
  ++generation_;
  for (const auto& [vehicle_id, text] : visibilities) {
    policies_[vehicle_id] = VisibilityPolicy::decode(text);
  }
  for (const auto& f : follows) set_follow(f);
  return {};
}

Result<void> Hub::reload() {
  auto& reads = store_.reads().sharing();
  PADDOCK_ASSIGN(visibilities, reads.all_vehicle_visibilities());
  PADDOCK_ASSIGN(follows, reads.all_live_follows());
  using Visibilities = std::vector<std::pair<std::string, std::string>>;
  auto fresh = std::make_shared<std::pair<Visibilities, std::vector<storage::FollowRecord>>>(
      std::move(visibilities), std::move(follows));
  on_fanout([this, fresh] {
    std::unique_lock lock(mutex_);
    ++generation_;
    follows_.clear();
    policies_.clear();
    for (const auto& [vehicle_id, text] : fresh->first) {
      policies_[vehicle_id] = VisibilityPolicy::decode(text);
    }
    for (const auto& f : fresh->second) set_follow(f);
  });
  return {};
}

TypeSet Hub::admitted(const Entry& entry, const VisibilityPolicy& policy) {
  if (entry.muted) return 0;
  return policy.visible_to(entry.role) & entry.types;
}

void Hub::set_follow(const storage::FollowRecord& f) {
  Entry e;
  e.types = f.types;
  e.muted = f.muted;
  e.role = sharing::role_of_follow(f);
  follows_[f.vehicle_id][f.follower_id] = e;
}

void Hub::apply(sharing::FeedUpdate update) {
  for (const auto& e : update.events) committed(e.seq);
  auto shared = std::make_shared<sharing::FeedUpdate>(std::move(update));
  on_fanout([this, shared] { apply_now(*shared); });
}

void Hub::publish(std::vector<storage::EventRecord> events) {
  sharing::FeedUpdate update;
  update.events = std::move(events);
  apply(std::move(update));
}

void Hub::notify(events::LiveNotice notice) {
  auto shared = std::make_shared<events::LiveNotice>(std::move(notice));
  on_fanout([this, shared] {
    auto frame = std::make_shared<Frame>();
    frame->seq = kNotInLog;
    frame->json = std::move(shared->json);
    const bool counted = on_reach_ && !shared->counted_as.empty();
    std::vector<std::string_view> reached;
    std::shared_lock lock(mutex_);
    if (!shared->everyone) {
      for (const auto& user_id : shared->users) {
        const auto* streams = streams_of(user_id);
        if (streams && deliver(*streams, frame) > 0 && counted) reached.emplace_back(user_id);
      }
    } else {
      // Cost: the connected users, never the registered ones.
      if (counted) reached.reserve(subscribers_.size());
      for (const auto& [user_id, subs] : subscribers_) {
        if (std::binary_search(shared->except.begin(), shared->except.end(), user_id)) continue;
        for (const auto& s : subs) s->push(frame);
        if (counted && !subs.empty()) reached.emplace_back(user_id);
      }
    }
    if (counted && !reached.empty()) on_reach_(shared->counted_as, reached);
  });
}

void Hub::on_reach(ReachHandler handler) {
  on_fanout([this, handler = std::move(handler)]() mutable { on_reach_ = std::move(handler); });
}

void Hub::drain() {
  std::promise<void> done;
  fanout_.post([&done] { done.set_value(); });
  done.get_future().wait();
}

void Hub::apply_now(const sharing::FeedUpdate& update) {
  if (!update.follows_set.empty() || !update.follows_gone.empty() || !update.policies.empty() ||
      !update.vehicles_gone.empty()) {
    std::unique_lock lock(mutex_);
    ++generation_;
    for (const auto& [vehicle_id, policy] : update.policies) policies_[vehicle_id] = policy;
    for (const auto& f : update.follows_gone) {
      auto it = follows_.find(f.vehicle_id);
      if (it != follows_.end()) it->second.erase(f.follower_id);
    }
    for (const auto& f : update.follows_set) {
      if (f.status == storage::FollowStatus::blocked) continue;
      set_follow(f);
    }
    for (const auto& vehicle_id : update.vehicles_gone) {
      follows_.erase(vehicle_id);
      policies_.erase(vehicle_id);
      delivery_lists_.erase(vehicle_id);
    }
  }
  if (update.events.empty()) return;
  std::shared_lock lock(mutex_);
  drop_stale_lists();
  for (const auto& event : update.events) {
    last_applied_ = std::max(last_applied_, event.seq);
    if (event.target_user) {
      // Serialized only for a user with a stream here: most events find nobody online.
      if (const auto* streams = streams_of(*event.target_user)) {
        deliver(*streams, make_frame(event));
      }
      continue;
    }
    if (!event.vehicle_id || !event.message_type) continue;
    auto followers = follows_.find(*event.vehicle_id);
    auto policy = policies_.find(*event.vehicle_id);
    if (followers == follows_.end() || policy == policies_.end()) continue;
    const TypeSet type_bit = 1u << static_cast<unsigned>(*event.message_type);
    FramePtr frame;  // made for the first follower that takes it
    const auto& to = delivery_list(*event.vehicle_id, followers->second, policy->second);
    const std::size_t count = to.size();
    for (std::size_t i = 0; i < count; ++i) {
      // The misses of the pushes a few entries ahead overlap this one's (Subscriber::prefetch).
      if (i + kSubscriberAhead < count) to[i + kSubscriberAhead].subscriber->prefetch();
      if (i + kSlotAhead < count) to[i + kSlotAhead].subscriber->prefetch_slot();
      const Delivery& d = to[i];
      if (!(d.types & type_bit)) continue;
      if (!frame) frame = make_frame(event);
      d.subscriber->push(frame);
    }
  }
  // Before the read lock goes: a stream subscribing after this sees the new position, one
  // that subscribed before got the frames.
  if (delivered_through_.load(std::memory_order_relaxed) != kUnknown) {
    delivered_through_.store(last_applied_, std::memory_order_release);
  }
}

void Hub::delivers_after(std::int64_t seq) {
  on_fanout([this, seq] {
    std::unique_lock lock(mutex_);
    // Events applied before this (none, in practice) count too: a stream must never start
    // below a frame it was not given.
    last_applied_ = std::max(last_applied_, seq);
    delivered_through_.store(last_applied_, std::memory_order_release);
  });
}

void Hub::committed(std::int64_t seq) {
  std::int64_t known = committed_through_.load(std::memory_order_relaxed);
  while (seq > known && !committed_through_.compare_exchange_weak(known, seq)) {
  }
}

std::optional<std::int64_t> Hub::start_position() const {
  auto delivered = delivered_through();
  if (!delivered) return std::nullopt;
  return std::max(*delivered, committed_through_.load());
}

std::optional<std::int64_t> Hub::delivered_through() const {
  std::int64_t through = delivered_through_.load(std::memory_order_acquire);
  if (through == kUnknown) return std::nullopt;
  return through;
}

void Hub::drop_stale_lists() {
  constexpr std::uint64_t kLeastChanges = 64;  // a few lists are not worth a walk each change
  const std::uint64_t changes = generation_ - lists_swept_at_;
  if (changes < std::max<std::uint64_t>(delivery_lists_.size(), kLeastChanges)) return;
  lists_swept_at_ = generation_;
  std::erase_if(delivery_lists_, [this](const auto& entry) {
    return entry.second.built_at != generation_;  // rebuilt at its next event anyway
  });
}

std::size_t Hub::delivery_lists_held() {
  std::promise<std::size_t> held;
  fanout_.post([this, &held] { held.set_value(delivery_lists_.size()); });
  return held.get_future().get();
}

const std::vector<Hub::Delivery>& Hub::delivery_list(const std::string& vehicle_id,
                                                     const Followers& follows,
                                                     const VisibilityPolicy& policy) {
  auto& list = delivery_lists_[vehicle_id];
  if (list.built_at == generation_) return list.to;
  list.to.clear();  // keeps its capacity: churn rebuilds without allocating
  list.built_at = generation_;
  auto add = [&list](const std::vector<std::shared_ptr<Subscriber>>& subs, TypeSet types) {
    if (types == 0) return;
    // A vehicle's events name no device: every stream of the follower gets them.
    for (const auto& s : subs) list.to.push_back({s.get(), types});
  };
  // Walk whichever side is smaller: a popular vehicle with few followers online costs only
  // its connected followers, a busy server with a small vehicle only its followers.
  if (subscribers_.size() < follows.size()) {
    for (const auto& [user_id, subs] : subscribers_) {
      auto entry = follows.find(user_id);
      if (entry != follows.end()) add(subs, admitted(entry->second, policy));
    }
  } else {
    for (const auto& [user_id, entry] : follows) {
      auto subs = subscribers_.find(std::string_view(user_id));
      if (subs != subscribers_.end()) add(subs->second, admitted(entry, policy));
    }
  }
  return list.to;
}

void Hub::end_session(std::string user_id, std::string token_hash) {
  if (token_hash.empty()) return;
  // On the fan-out thread, after every event queued before the revocation was delivered.
  on_fanout([this, user_id = std::move(user_id), token_hash = std::move(token_hash)] {
    std::shared_lock lock(mutex_);
    auto it = subscribers_.find(user_id);
    if (it == subscribers_.end()) return;
    for (const auto& s : it->second) {
      if (s->session() == token_hash) s->end("session revoked");
    }
  });
}

const std::vector<std::shared_ptr<Subscriber>>* Hub::streams_of(std::string_view user_id) const {
  auto it = subscribers_.find(user_id);
  return it == subscribers_.end() ? nullptr : &it->second;
}

std::size_t Hub::deliver(const std::vector<std::shared_ptr<Subscriber>>& streams,
                         const FramePtr& frame) {
  std::size_t pushed = 0;
  for (const auto& s : streams) {
    // A device's event is for that device's streams alone; a stream that names no device
    // gets the user's events that name none.
    if (frame->target_device && frame->target_device != s->device_id()) continue;
    s->push(frame);
    ++pushed;
  }
  return pushed;
}

std::optional<std::int64_t> Hub::subscribe(const std::shared_ptr<Subscriber>& subscriber) {
  std::unique_lock lock(mutex_);
  ++generation_;
  subscribers_[subscriber->user_id()].push_back(subscriber);
  ++subscriber_count_;
  return delivered_through();
}

void Hub::unsubscribe(const Subscriber* subscriber) {
  std::unique_lock lock(mutex_);
  ++generation_;
  auto it = subscribers_.find(subscriber->user_id());
  if (it == subscribers_.end()) return;
  auto& list = it->second;
  auto gone = std::remove_if(list.begin(), list.end(),
                             [subscriber](const auto& s) { return s.get() == subscriber; });
  subscriber_count_ -= static_cast<std::size_t>(list.end() - gone);
  list.erase(gone, list.end());
  if (list.empty()) {
    subscribers_.erase(it);
  } else if (it->first.data() == subscriber->user_id().data()) {
    // The key viewed the leaving subscriber's id: view one that stays.
    auto node = subscribers_.extract(it);
    node.key() = node.mapped().front()->user_id();
    subscribers_.insert(std::move(node));
  }
}

std::size_t Hub::subscriber_count() const {
  std::shared_lock lock(mutex_);
  return subscriber_count_;
}

}  // namespace paddock::feed
