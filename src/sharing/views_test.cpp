// sharing/views: a message's JSON text, written by hand, is the JSON it promises.
#include "sharing/views.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "sharing/visibility.hpp"

namespace paddock::sharing {
namespace {

storage::MessageRecord message() {
  storage::MessageRecord m;
  m.id = "msg_01";
  m.vehicle_id = "veh_01";
  m.seq = 42;
  m.type = static_cast<int>(MessageType::trip);
  // A quote, a backslash, a newline, a control character, non-ASCII text and a slash.
  m.text = "Parked \"here\" \\ level 2\n\x01 粤B·12345 </script>";
  // Stored as the API stores them: Boost.JSON's text of the object it accepted.
  m.attributes = boost::json::serialize(boost::json::parse(
      R"({"spot":{"level":2,"ev":true},"tags":["a","b"],"price":1.5})"));
  m.author_id = "usr_owner";
  m.created_at = 1'795'456'800'123;
  return m;
}

TEST(MessageJson, IsTheMessagesJsonInTheViewsOrder) {
  const std::string text = message_json(message());
  const boost::json::value expected = {
      {"id", "msg_01"},
      {"vehicle_id", "veh_01"},
      {"seq", 42},
      {"type", "trip"},
      {"text", "Parked \"here\" \\ level 2\n\x01 粤B·12345 </script>"},
      {"attributes",
       {{"spot", {{"level", 2}, {"ev", true}}}, {"tags", {"a", "b"}}, {"price", 1.5}}},
      {"author_id", "usr_owner"},
      {"created_at", "2026-11-23T18:00:00.123Z"},
      {"updated_at", nullptr}};
  EXPECT_EQ(boost::json::parse(text), expected) << text;
  // Key for key and byte for byte what Boost.JSON writes for the same object: the order clients
  // and the feed's frames have always had, and its escaping of the text.
  EXPECT_EQ(text, boost::json::serialize(expected));
}

// Strings with nothing to escape skip the serializer; every byte must still come out as
// Boost.JSON writes it, escaped or not.
TEST(MessageJson, EveryByteOfATextIsWrittenAsBoostJsonWritesIt) {
  auto m = message();
  for (int byte = 0; byte < 256; ++byte) {
    const std::string alone(1, static_cast<char>(byte));
    std::string between = "a";
    between += static_cast<char>(byte);
    between += 'b';
    for (const std::string& text : {alone, between}) {
      m.text = text;
      const std::string written = message_json(m);
      const std::string key = "\"text\":";
      auto at = written.find(key) + key.size();
      auto end = written.find(",\"attributes\":", at);
      EXPECT_EQ(written.substr(at, end - at), boost::json::serialize(boost::json::string(text)))
          << "byte " << byte;
    }
  }
}

TEST(MessageJson, ThePublicViewNamesTheAuthorsRoleNotTheirId) {
  auto m = message();
  m.updated_at = 1'795'456'900'000;
  auto as_owner = boost::json::parse(public_message_json(m, "usr_owner")).as_object();
  EXPECT_EQ(as_owner["author_role"], "owner");
  EXPECT_FALSE(as_owner.contains("author_id"));
  EXPECT_EQ(as_owner["updated_at"], "2026-11-23T18:01:40.000Z");
  auto as_member = boost::json::parse(public_message_json(m, "usr_someone_else")).as_object();
  EXPECT_EQ(as_member["author_role"], "authorized_user");
  EXPECT_EQ(public_message_json(m, "usr_owner").find("usr_owner"), std::string::npos);
}

TEST(MessageJson, AttributesThatAreNotAnObjectsTextShowAsNone) {
  for (const char* stored : {"", "{", "[1]", "null", "x"}) {
    auto m = message();
    m.attributes = stored;
    auto parsed = boost::json::parse(message_json(m)).as_object();
    EXPECT_EQ(parsed["attributes"], boost::json::object()) << stored;
  }
}

}  // namespace
}  // namespace paddock::sharing
