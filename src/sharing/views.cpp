#include "sharing/views.hpp"

#include <algorithm>

#include <boost/json/array.hpp>
#include <boost/json/serializer.hpp>

#include "sharing/visibility.hpp"

namespace paddock::sharing {

namespace {

// `value` as a JSON string, escaped by Boost.JSON's serializer, appended to `out`. Most strings
// (ids, type names, most texts) have nothing to escape: those are copied between quotes, as the
// serializer would write them, without running it.
void append_json_string(std::string& out, std::string_view value) {
  bool plain = std::all_of(value.begin(), value.end(), [](char c) {
    return static_cast<unsigned char>(c) >= 0x20 && c != '"' && c != '\\';
  });
  if (plain) {
    out += '"';
    out += value;
    out += '"';
    return;
  }
  boost::json::serializer serializer;
  serializer.reset(value);
  char buffer[256];
  while (!serializer.done()) out += serializer.read(buffer, sizeof buffer);
}

// `author_key` is {"author_id", id} for members, {"author_role", role} else.
std::string message_text(const storage::MessageRecord& m, std::string_view author_key,
                         std::string_view author_value) {
  // Written by the API's serializer when accepted (attributes_json): an object's text. Anything
  // else (a row written by hand) shows as no attributes rather than as broken JSON.
  std::string_view attributes = m.attributes;
  if (attributes.size() < 2 || attributes.front() != '{' || attributes.back() != '}') {
    attributes = "{}";
  }
  std::string out;
  out.reserve(192 + m.text.size() + attributes.size());
  out += "{\"id\":";
  append_json_string(out, m.id);
  out += ",\"vehicle_id\":";
  append_json_string(out, m.vehicle_id);
  out += ",\"seq\":";
  out += std::to_string(m.seq);
  out += ",\"type\":";
  append_json_string(out, type_name(static_cast<MessageType>(m.type)));
  out += ",\"text\":";
  append_json_string(out, m.text);
  out += ",\"attributes\":";
  out += attributes;
  out += ",\"";
  out += author_key;
  out += "\":";
  append_json_string(out, author_value);
  out += ",\"created_at\":\"";
  out += format_rfc3339(m.created_at);
  out += "\",\"updated_at\":";
  if (m.updated_at) {
    out += '"';
    out += format_rfc3339(*m.updated_at);
    out += '"';
  } else {
    out += "null";
  }
  out += '}';
  return out;
}

}  // namespace

std::string message_json(const storage::MessageRecord& m) {
  return message_text(m, "author_id", m.author_id);
}

std::string public_message_json(const storage::MessageRecord& m, std::string_view owner_id) {
  return message_text(m, "author_role", m.author_id == owner_id ? "owner" : "authorized_user");
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
