#pragma once
// transport/websocket_frames: RFC 6455 for the server side: the opening handshake's checks and
// answer, framing, message reassembly and the close rules. Paddock frames the stream itself so
// that a backlog of events leaves in one gathered write (one system call) instead of one write
// per event, the hot path of fan-out. Pure functions over bytes; no I/O.
#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "session/session.hpp"
#include <vector>

namespace paddock::transport::ws {

enum class Opcode : std::uint8_t {
  continuation = 0x0,
  text = 0x1,
  binary = 0x2,
  close = 0x8,
  ping = 0x9,
  pong = 0xA,
};

// Close codes we send (RFC 6455 §7.4.1); those a handler uses too are session's.
inline constexpr std::uint16_t kCloseNormal = session::kCloseNormal;
inline constexpr std::uint16_t kCloseGoingAway = session::kCloseGoingAway;
inline constexpr std::uint16_t kCloseProtocolError = session::kCloseProtocolError;
inline constexpr std::uint16_t kCloseInvalidData = 1007;  // e.g. a text message not UTF-8
inline constexpr std::uint16_t kClosePolicy = session::kClosePolicy;
inline constexpr std::uint16_t kCloseTooBig = 1009;

inline constexpr std::size_t kMaxHeader = 10;
using Header = std::array<std::uint8_t, kMaxHeader>;

// Writes the header of an unmasked, final server frame into `out`; returns its length (2-10).
std::size_t server_header(Opcode opcode, std::uint64_t payload_size, Header& out);
// A whole server frame (header + payload): for control frames and one-off messages.
std::string server_frame(Opcode opcode, std::string_view payload);
// The payload of a close frame: the code, then the reason cut to fit 123 bytes.
std::string close_payload(std::uint16_t code, std::string_view reason);

struct ClientFrame {
  Opcode opcode = Opcode::text;
  bool fin = true;
  std::string payload;  // unmasked
};

enum class ParseResult {
  incomplete,      // need more bytes
  frame,           // `out` and `consumed` are set
  protocol_error,  // unmasked, reserved bits or opcode, fragmented or oversized control frame
  too_big,         // payload larger than the limit
};

// Parses one client frame (which must be masked) from the front of `data`.
ParseResult parse_client_frame(std::span<const std::uint8_t> data, std::size_t max_payload,
                               ClientFrame& out, std::size_t& consumed);

// --- Opening handshake (RFC 6455 §4.2) ---

enum class HandshakeFault {
  none,
  bad_version,  // Sec-WebSocket-Version missing or not 13: answer 426 naming 13 (§4.4)
  bad_key,      // Sec-WebSocket-Key missing or not the base64 of 16 bytes (§4.1): answer 400
};
HandshakeFault check_handshake(std::string_view version, std::string_view key);
// Sec-WebSocket-Accept for `key`: base64(SHA-1(key + the RFC's GUID)).
std::string accept_key(std::string_view key);
// The subprotocol to answer with: the first one the client offers (`offered`, the
// comma-separated Sec-WebSocket-Protocol values) that the route declares; empty iff none.
std::string select_subprotocol(std::string_view offered, const std::vector<std::string>& declared);

// --- Messages and closes (RFC 6455 §5.4, §5.5.1, §7.4) ---

// True iff `text` is well-formed UTF-8 (RFC 3629: no overlongs, surrogates or values past
// U+10FFFF), as §8.1 requires of a text message.


// True iff a peer may send `code` in a close frame (§7.4.1/§7.4.2): 1000-1003, 1007-1011 and
// 3000-4999. 1004-1006, 1015 and the rest are reserved or never sent on the wire.
bool valid_close_code(std::uint16_t code);

// Checks a close frame's payload (§5.5.1): empty, or a valid code and a UTF-8 reason. Returns 0
// and sets `code` (0 when the payload is empty) iff it is well-formed, otherwise the close code
// to fail the connection with (1002 or 1007).
std::uint16_t check_close(std::string_view payload, std::uint16_t& code);

// Reassembles data frames into messages (§5.4): at most one fragmented message in progress,
// interleaved control frames are the caller's business.
class MessageAssembler {
 public:
  explicit MessageAssembler(std::size_t max_message) : max_message_(max_message) {}
  // Takes a text, binary or continuation frame. Returns 0 and sets `complete` iff the frame was
  // accepted (`complete`: a whole message is in message()/opcode()); otherwise the close code:
  // 1002 for a continuation with nothing to continue or a new message inside an unfinished
  // one, 1009 past the size limit, 1007 for a text message that is not UTF-8.
  std::uint16_t add(ClientFrame& frame, bool& complete);
  Opcode opcode() const { return opcode_; }
  std::string& message() { return message_; }
  // True while a fragmented message has begun and not ended.
  bool in_progress() const { return in_progress_; }
  // Forgets the completed message (frees its memory).
  void clear();

 private:
  std::size_t max_message_;
  std::string message_;
  Opcode opcode_ = Opcode::text;
  bool in_progress_ = false;
};

}  // namespace paddock::transport::ws
