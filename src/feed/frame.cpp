#include "feed/frame.hpp"

#include "events/kinds.hpp"

namespace paddock::feed {

FramePtr make_frame(const storage::EventRecord& e) {
  auto frame = std::make_shared<Frame>();
  frame->seq = e.seq;
  frame->target_device = e.target_device;
  // Ids and event types are from fixed alphabets and the payload is JSON already, so plain
  // concatenation yields valid JSON without a second serialization pass.
  std::string_view payload_key = events::payload_key(e.type);
  std::string cursor = std::to_string(e.seq);
  std::string& json = frame->json;
  json.reserve(e.payload.size() + (e.vehicle_id ? e.vehicle_id->size() : 4) + 80);
  json.append("{\"cursor\":\"").append(cursor).append("\",\"type\":\"").append(e.type);
  // An event that concerns no vehicle (a user's or a device's own) says so with null.
  if (e.vehicle_id) {
    json.append("\",\"vehicle_id\":\"").append(*e.vehicle_id).append("\",\"");
  } else {
    json.append("\",\"vehicle_id\":null,\"");
  }
  json.append(payload_key).append("\":").append(e.payload).append("}");
  return frame;
}

}  // namespace paddock::feed
