// SharingService, the per-user feed (from the event log), its cursor, and the service itself.
#include <algorithm>
#include <charconv>

#include "sharing/access.hpp"
#include "sharing/errors.hpp"
#include "sharing/event_kinds.hpp"

namespace paddock::sharing {

using storage::EventRecord;
using storage::FollowStatus;

Result<std::int64_t> parse_cursor(std::string_view text) {
  if (text.empty()) return std::int64_t{0};
  std::int64_t value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || ptr != text.data() + text.size() || value < 0 || text.size() > 19) {
    return make_error(kInvalidCursor,
                      "the cursor is not one this server issued; use the cursor of the last "
                      "event you received",
                      "cursor");
  }
  return value;
}

SharingService::SharingService(storage::Store& store, LiveFeed& live) : store_(store), live_(live) {
  events::register_kinds(kSharingEventKinds);
}

Result<std::int64_t> SharingService::feed_head() {
  return store_.reads().events().last_event_seq();
}

Result<FeedPage> SharingService::feed(const std::string& user_id, std::int64_t cursor, int limit,
                                      std::optional<std::string> device_id) {
  auto& r = store_.reads();
  // The head is read first: events committed while this page is assembled are left for the
  // next page (or the live stream) rather than risk a gap.
  PADDOCK_ASSIGN(head, r.events().last_event_seq());
  if (cursor > head) {
    return make_error(kInvalidCursor, "the cursor is ahead of this server's feed", "cursor");
  }
  FeedPage page;
  PADDOCK_ASSIGN(follows, r.sharing().follows_of_user(user_id));
  for (const auto& f : follows) {
    if (f.status == FollowStatus::blocked || f.muted) continue;
    PADDOCK_ASSIGN(v, r.sharing().vehicle_by_id(f.vehicle_id));
    if (!v) continue;
    TypeSet allowed =
        VisibilityPolicy::decode(v->visibility).visible_to(role_of_follow(f)) & f.types;
    if (allowed == 0) continue;
    PADDOCK_ASSIGN(events, r.events().vehicle_events_after(f.vehicle_id, cursor, allowed, limit));
    page.events.insert(page.events.end(), std::make_move_iterator(events.begin()),
                       std::make_move_iterator(events.end()));
  }
  std::optional<std::string_view> device;
  if (device_id) device = *device_id;
  PADDOCK_ASSIGN(personal, r.events().personal_events_after(user_id, device, cursor, limit));
  page.events.insert(page.events.end(), std::make_move_iterator(personal.begin()),
                     std::make_move_iterator(personal.end()));
  std::sort(page.events.begin(), page.events.end(),
            [](const EventRecord& a, const EventRecord& b) { return a.seq < b.seq; });
  std::erase_if(page.events, [head = head](const EventRecord& e) { return e.seq > head; });
  if (static_cast<int>(page.events.size()) >= limit) {
    page.events.resize(static_cast<std::size_t>(limit));
    page.next_cursor = page.events.back().seq;
  } else {
    page.next_cursor = head;
  }
  return page;
}

}  // namespace paddock::sharing
