#pragma once
// feed/frame: one feed event serialized once, in the two wire forms the streams send, and
// shared by every connection that receives it. Depends on storage records and events/kinds
// (the payload key of each kind).
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "storage/records.hpp"

namespace paddock::feed {

struct Frame {
  std::int64_t seq = 0;
  std::string vehicle_id;                   // empty when the event concerns no vehicle
  std::optional<std::string> target_device;  // set: only that device's streams receive it
  std::string json;  // {"cursor","type","vehicle_id","message"|"follow"}: a WebSocket text frame
  std::string sse;   // "id: <cursor>\ndata: <json>\n\n"
};
using FramePtr = std::shared_ptr<const Frame>;

FramePtr make_frame(const storage::EventRecord& event);

}  // namespace paddock::feed
