#include "sharing/views.hpp"

#include <boost/json/array.hpp>
#include <boost/json/parse.hpp>

#include "sharing/visibility.hpp"

namespace paddock::sharing {

namespace {

// `author` is the author's field: {"author_id", id} for members, {"author_role", role} else.
boost::json::object message_object(const storage::MessageRecord& m, std::string_view author_key,
                                   std::string_view author_value) {
  boost::system::error_code ec;
  boost::json::value attributes = boost::json::parse(m.attributes, ec);
  if (ec || !attributes.is_object()) attributes = boost::json::object();
  boost::json::object o{{"id", m.id},
                        {"vehicle_id", m.vehicle_id},
                        {"seq", m.seq},
                        {"type", type_name(static_cast<MessageType>(m.type))},
                        {"text", m.text},
                        {"attributes", std::move(attributes)},
                        {author_key, author_value},
                        {"created_at", format_rfc3339(m.created_at)}};
  o["updated_at"] = m.updated_at ? boost::json::value(format_rfc3339(*m.updated_at))
                                 : boost::json::value(nullptr);
  return o;
}

}  // namespace

boost::json::object message_view(const storage::MessageRecord& m) {
  return message_object(m, "author_id", m.author_id);
}

boost::json::object public_message_view(const storage::MessageRecord& m,
                                        std::string_view owner_id) {
  return message_object(m, "author_role", m.author_id == owner_id ? "owner" : "authorized_user");
}

boost::json::object deleted_message_view(const storage::MessageRecord& m) {
  return {{"id", m.id},
          {"vehicle_id", m.vehicle_id},
          {"seq", m.seq},
          {"type", type_name(static_cast<MessageType>(m.type))}};
}

boost::json::object follow_view(const storage::FollowRecord& f, const std::string& nickname) {
  boost::json::array types;
  for (auto& name : type_names(f.types)) types.emplace_back(name);
  return {{"id", f.id},
          {"vehicle_id", f.vehicle_id},
          {"nickname", nickname},
          {"follower_id", f.follower_id},
          {"status", storage::follow_status_name(f.status)},
          {"approved", f.approved},
          {"muted", f.muted},
          {"types", std::move(types)},
          {"created_at", format_rfc3339(f.created_at)}};
}

}  // namespace paddock::sharing
