#pragma once
// feed/event_stream: what the transport pumps to a WebSocket or SSE client: frames ready to
// send, a wake-up when more arrive, and a reason when the stream must end. Depends on frame
// and session (for its Waker).
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "feed/frame.hpp"
#include "session/session.hpp"

namespace paddock::feed {

class EventStream {
 public:
  virtual ~EventStream() = default;
  // Appends up to `max` frames to send next. Returns false iff the stream has ended; then
  // end_reason() says why (for the close frame) and nothing more will come.
  virtual bool next(std::vector<FramePtr>& out, std::size_t max) = 0;
  // `wake` is called (from any thread) when next() has something new; it must only schedule.
  virtual void set_wakeup(session::Waker wake) = 0;
  virtual std::string end_reason() const = 0;
  // Cursor of the last frame handed out by next() (where a reconnect should resume).
  virtual std::int64_t position() const = 0;
};

}  // namespace paddock::feed
