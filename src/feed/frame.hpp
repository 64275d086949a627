#pragma once
// feed/frame: one feed event serialized once and shared by every connection that receives it
// (the transport frames the same bytes for WebSocket and SSE). Depends on storage records and events/kinds
// (the payload key of each kind).
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "storage/records.hpp"

namespace paddock::feed {

// The seq of a frame outside the feed log (a live notice): it moves no cursor.
inline constexpr std::int64_t kNotInLog = -1;

struct Frame {
  std::int64_t seq = 0;  // the feed cursor, or kNotInLog
  std::optional<std::string> target_device;  // set: only that device's streams receive it
  std::string json;  // {"cursor","type","vehicle_id","message"|"follow"}
};
using FramePtr = std::shared_ptr<const Frame>;

FramePtr make_frame(const storage::EventRecord& event);

}  // namespace paddock::feed
