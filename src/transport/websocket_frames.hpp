#pragma once
// transport/websocket_frames: RFC 6455 framing for the server side of an established
// WebSocket. Beast performs the opening handshake; after it, Paddock frames the stream itself
// so that a backlog of events leaves in one gathered write (one system call) instead of one
// write per event, the hot path of fan-out. Pure functions over bytes; no I/O.
#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace paddock::transport::ws {

enum class Opcode : std::uint8_t {
  continuation = 0x0,
  text = 0x1,
  binary = 0x2,
  close = 0x8,
  ping = 0x9,
  pong = 0xA,
};

// Close codes we send (RFC 6455 §7.4.1).
inline constexpr std::uint16_t kCloseNormal = 1000;
inline constexpr std::uint16_t kCloseGoingAway = 1001;
inline constexpr std::uint16_t kCloseProtocolError = 1002;
inline constexpr std::uint16_t kClosePolicy = 1008;
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

}  // namespace paddock::transport::ws
