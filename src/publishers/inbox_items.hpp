#pragma once
// publishers/inbox_items: how a message looks to a receiver, the same on the stream and in the
// inbox page: who sent it, the current state (active, or withdrawn/expired without content), the
// inbox cursor of that state. Depends on the repository records and Boost.JSON.
#include <boost/json/object.hpp>
#include <string>

#include "publishers/publisher_repository.hpp"

namespace paddock::publishers {

// The item; `read` is added only when known (the inbox knows it, a live frame does not).
boost::json::object inbox_item(const MessageRecord& m, std::string_view publisher_name,
                               std::string_view publisher_kind, UnixMillis now,
                               std::optional<bool> read = std::nullopt);
// The live frame for a change: {"cursor":null,"type":"publisher.message"|"publisher.withdrawn",
// "vehicle_id":null,"inbox_cursor","item"}. "cursor" is null: the frame is not in the feed log.
std::string live_frame(const MessageRecord& m, std::string_view publisher_name,
                       std::string_view publisher_kind, UnixMillis now);

}  // namespace paddock::publishers
