#include "feed/frame.hpp"

namespace paddock::feed {

FramePtr make_frame(const storage::EventRecord& e) {
  auto frame = std::make_shared<Frame>();
  frame->seq = e.seq;
  frame->vehicle_id = e.vehicle_id;
  // Ids and event types are from fixed alphabets and the payload is JSON already, so plain
  // concatenation yields valid JSON without a second serialization pass.
  const char* payload_key = e.type.rfind("message.", 0) == 0 ? "message" : "follow";
  std::string cursor = std::to_string(e.seq);
  std::string& json = frame->json;
  json.reserve(e.payload.size() + e.vehicle_id.size() + 80);
  json.append("{\"cursor\":\"").append(cursor).append("\",\"type\":\"").append(e.type);
  json.append("\",\"vehicle_id\":\"").append(e.vehicle_id).append("\",\"");
  json.append(payload_key).append("\":").append(e.payload).append("}");
  frame->sse.reserve(json.size() + cursor.size() + 16);
  frame->sse.append("id: ").append(cursor).append("\ndata: ").append(json).append("\n\n");
  return frame;
}

}  // namespace paddock::feed
