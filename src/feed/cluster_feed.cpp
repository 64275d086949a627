#include "feed/cluster_feed.hpp"

#include <charconv>
#include <string_view>

#include "core/ids.hpp"
#include "core/log.hpp"
#include "sharing/visibility.hpp"

namespace paddock::feed {
namespace {

using storage::next_word;

constexpr int kCatchUpPage = 1000;
constexpr std::int64_t kHeadUnknown = -1;

bool parse_count(std::string_view text, std::size_t& out) {
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && ptr == text.data() + text.size();
}

}  // namespace

ClusterFeed::ClusterFeed(storage::Store& store, Hub& hub)
    : store_(store), hub_(hub), tag_(new_id("node")) {}

Result<void> ClusterFeed::start(storage::AnnouncementRouter& router) {
  // Unreadable (the database is away at start): the first catch-up starts at the head then;
  // no stream could have been served before it anyway.
  auto head = store_.reads().events().last_event_seq();
  delivered_ = head ? *head : kHeadUnknown;
  if (head) hub_.delivers_after(*head);
  router.on("feed", [this](const std::string&) { catch_up(); });
  router.on("follow", [this](const std::string& payload) { follow_changed(payload); });
  router.on("vehicle", [this](const std::string& id) { vehicle_changed(id, false); });
  router.on("vehicle_gone", [this](const std::string& id) { vehicle_changed(id, true); });
  router.on("end_session", [this](const std::string& payload) {
    std::string_view rest = payload;
    std::string user_id(next_word(rest));
    hub_.end_session(std::move(user_id), std::string(rest));
  });
  router.on("notice", [this](const std::string& payload) { notice_heard(payload); });
  router.on_resync([this](const std::string&) {
    if (auto reloaded = hub_.reload(); !reloaded) {
      log::event(log::Level::warn, "feed: could not reload the follow index after a resync",
                 {{"error", reloaded.error().detail}});
    }
    catch_up();
  });
  return {};
}

void ClusterFeed::apply(sharing::FeedUpdate update) {
  for (const auto& e : update.events) hub_.committed(e.seq);
  update.events.clear();  // delivered from the log (catch_up)
  if (!update.empty()) hub_.apply(std::move(update));
}

void ClusterFeed::publish(std::vector<storage::EventRecord> events) {
  // Delivered from the log (catch_up), in the one order every node shares; meanwhile a stream
  // opened here starts past them.
  for (const auto& e : events) hub_.committed(e.seq);
}

void ClusterFeed::end_session(std::string user_id, std::string token_hash) {
  storage::announce_later(store_, "end_session", user_id + " " + token_hash);
  hub_.end_session(std::move(user_id), std::move(token_hash));
}

void ClusterFeed::notify(events::LiveNotice notice) {
  // "ORIGIN E|U COUNT ID... COUNTED_AS JSON": everyone but the ids, or exactly the ids; what
  // reaching a user counts toward ("-" for nothing), since each node counts its own streams.
  const auto& ids = notice.everyone ? notice.except : notice.users;
  std::string payload = tag_;
  payload.append(notice.everyone ? " E " : " U ").append(std::to_string(ids.size()));
  for (const auto& id : ids) payload.append(" ").append(id);
  payload.append(" ").append(notice.counted_as.empty() ? "-" : notice.counted_as);
  payload.append(" ").append(notice.json);
  if (payload.size() + 7 <= storage::kMaxAnnouncementBytes) {
    storage::announce_later(store_, "notice", std::move(payload));
  } else {
    log::event(log::Level::info, "feed: a notice too large to announce reaches this node only",
               {{"bytes", std::to_string(payload.size())}});
  }
  hub_.notify(std::move(notice));
}

void ClusterFeed::notice_heard(const std::string& payload) {
  std::string_view rest = payload;
  if (next_word(rest) == tag_) return;
  events::LiveNotice notice;
  notice.everyone = next_word(rest) == "E";
  std::size_t count = 0;
  if (!parse_count(next_word(rest), count)) return;
  auto& ids = notice.everyone ? notice.except : notice.users;
  for (std::size_t i = 0; i < count && !rest.empty(); ++i) ids.emplace_back(next_word(rest));
  if (auto counted_as = next_word(rest); counted_as != "-") notice.counted_as = counted_as;
  notice.json = std::string(rest);
  hub_.notify(std::move(notice));
}

void ClusterFeed::catch_up() {
  std::lock_guard lock(catch_up_mutex_);
  if (delivered_ == kHeadUnknown) {
    auto head = store_.reads().events().last_event_seq();
    if (!head) return;
    delivered_ = *head;
    hub_.delivers_after(*head);
    return;
  }
  for (;;) {
    auto page = store_.reads().events().events_after(delivered_, kCatchUpPage);
    if (!page) {
      // The next announcement (or the resync after a reconnection) tries again from here.
      log::event(log::Level::warn, "feed: could not read new events from the log",
                 {{"error", page.error().detail}});
      return;
    }
    if (page->empty()) return;
    const bool more = static_cast<int>(page->size()) == kCatchUpPage;
    delivered_ = page->back().seq;
    hub_.publish(std::move(*page));
    if (!more) return;
  }
}

void ClusterFeed::follow_changed(const std::string& payload) {
  std::string_view rest = payload;
  storage::FollowRecord last_known;
  last_known.id = std::string(next_word(rest));
  last_known.vehicle_id = std::string(next_word(rest));
  last_known.follower_id = std::string(rest);
  auto current = store_.reads().sharing().follow_by_id(last_known.id);
  if (!current) return;  // the resync after the database returns reloads everything
  sharing::FeedUpdate update;
  if (*current && (*current)->status != storage::FollowStatus::blocked) {
    update.follows_set.push_back(**current);
  } else {
    update.follows_gone.push_back(std::move(last_known));
  }
  hub_.apply(std::move(update));
}

void ClusterFeed::vehicle_changed(const std::string& vehicle_id, bool gone) {
  sharing::FeedUpdate update;
  if (!gone) {
    auto vehicle = store_.reads().sharing().vehicle_by_id(vehicle_id);
    if (!vehicle) return;
    gone = !vehicle->has_value();
    if (!gone) {
      update.policies.emplace_back(vehicle_id,
                                   sharing::VisibilityPolicy::decode((*vehicle)->visibility));
    }
  }
  if (gone) update.vehicles_gone.push_back(vehicle_id);
  hub_.apply(std::move(update));
}

}  // namespace paddock::feed
