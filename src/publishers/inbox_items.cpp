#include "publishers/inbox_items.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "publishers/rules.hpp"

namespace paddock::publishers {
namespace {

bool is_live(const MessageRecord& m, UnixMillis now) {
  return !m.withdrawn && (!m.expires_at || *m.expires_at > now);
}

}  // namespace

boost::json::object inbox_item(const MessageRecord& m, std::string_view publisher_name,
                               std::string_view publisher_kind, UnixMillis now,
                               std::optional<bool> read) {
  boost::json::object item{
      {"id", inbox_item_id(m.publisher_id, m.message_id)},
      {"publisher",
       boost::json::object{
           {"id", m.publisher_id}, {"name", publisher_name}, {"kind", publisher_kind}}},
      {"message_id", m.message_id},
      {"cursor", std::to_string(m.seq)},
  };
  if (!is_live(m, now)) {
    // A receiver only needs to drop it; the content is not repeated.
    item["state"] = m.withdrawn ? "withdrawn" : "expired";
    return item;
  }
  item["state"] = "active";
  item["audience"] = m.is_public ? "public" : "targeted";
  item["category"] = m.category;
  item["title"] = m.title;
  item["body"] = m.body;
  boost::system::error_code ec;
  auto data = boost::json::parse(m.data, ec);
  item["data"] = ec ? boost::json::value(boost::json::object{}) : std::move(data);
  item["expires_at"] = m.expires_at ? boost::json::value(format_rfc3339(*m.expires_at)) : nullptr;
  item["version"] = m.version;
  item["updated_at"] = format_rfc3339(m.updated_at);
  if (read) item["read"] = *read;
  return item;
}

std::string live_frame(const MessageRecord& m, std::string_view publisher_name,
                       std::string_view publisher_kind, UnixMillis now) {
  boost::json::object frame{
      {"cursor", nullptr},
      {"type", is_live(m, now) ? "publisher.message" : "publisher.withdrawn"},
      {"vehicle_id", nullptr},
      {"inbox_cursor", std::to_string(m.seq)},
      {"item", inbox_item(m, publisher_name, publisher_kind, now)},
  };
  return boost::json::serialize(frame);
}

}  // namespace paddock::publishers
