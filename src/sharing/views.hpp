#pragma once
// sharing/views: the JSON shapes of messages and follows, shared by API responses and feed
// events so that a message looks the same wherever a client meets it. Depends on core,
// storage records, this module's visibility names and Boost.JSON.
#include <boost/json/object.hpp>

#include <string>

#include "storage/records.hpp"

namespace paddock::sharing {

boost::json::object message_view(const storage::MessageRecord& m);
// `nickname` is the followed vehicle's, shown to the follower.
boost::json::object follow_view(const storage::FollowRecord& f, const std::string& nickname);
// A deleted message: only what identifies it.
boost::json::object deleted_message_view(const storage::MessageRecord& m);

}  // namespace paddock::sharing
