#pragma once
// sharing/views: the JSON shapes of messages and follows, shared by API responses and feed
// events so that a message looks the same wherever a client meets it. Depends on core,
// storage records, this module's visibility names and Boost.JSON.
#include <boost/json/object.hpp>

#include <string>
#include <string_view>

#include "storage/records.hpp"

namespace paddock::sharing {

// A message's JSON text, written directly rather than built as a boost::json::object and
// serialized: every post renders it twice (the feed event, the response). The stored
// attributes are the text the API serialized when it accepted them, so they go in as they are.
//
// As its vehicle's members see it: with author_id.
std::string message_json(const storage::MessageRecord& m);
// As followers and strangers (and the shared feed frame) see it: author_role ("owner" if the
// author owns the vehicle when this is rendered, else "authorized_user") instead of
// author_id, so that reading a public message never reveals a member's user id.
std::string public_message_json(const storage::MessageRecord& m, std::string_view owner_id);
// `nickname` is the followed vehicle's, shown to the follower.
boost::json::object follow_view(const storage::FollowRecord& f, const std::string& nickname);
// A deleted message: only what identifies it.
boost::json::object deleted_message_view(const storage::MessageRecord& m);

}  // namespace paddock::sharing
