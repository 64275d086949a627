#include "transport/websocket_frames.hpp"

namespace paddock::transport::ws {

std::size_t server_header(Opcode opcode, std::uint64_t size, Header& out) {
  out[0] = static_cast<std::uint8_t>(0x80 | static_cast<std::uint8_t>(opcode));  // FIN
  if (size < 126) {
    out[1] = static_cast<std::uint8_t>(size);
    return 2;
  }
  if (size <= 0xFFFF) {
    out[1] = 126;
    out[2] = static_cast<std::uint8_t>(size >> 8);
    out[3] = static_cast<std::uint8_t>(size);
    return 4;
  }
  out[1] = 127;
  for (int i = 0; i < 8; ++i) out[2 + i] = static_cast<std::uint8_t>(size >> (56 - 8 * i));
  return 10;
}

std::string server_frame(Opcode opcode, std::string_view payload) {
  Header header;
  std::size_t n = server_header(opcode, payload.size(), header);
  std::string frame(reinterpret_cast<const char*>(header.data()), n);
  frame.append(payload);
  return frame;
}

std::string close_payload(std::uint16_t code, std::string_view reason) {
  std::string payload;
  payload += static_cast<char>(code >> 8);
  payload += static_cast<char>(code & 0xFF);
  payload.append(reason.substr(0, 123));
  return payload;
}

ParseResult parse_client_frame(std::span<const std::uint8_t> data, std::size_t max_payload,
                               ClientFrame& out, std::size_t& consumed) {
  if (data.size() < 2) return ParseResult::incomplete;
  const bool fin = data[0] & 0x80;
  const std::uint8_t reserved = data[0] & 0x70;
  const std::uint8_t opcode = data[0] & 0x0F;
  const bool masked = data[1] & 0x80;
  std::uint64_t length = data[1] & 0x7F;
  // No extensions are negotiated, so reserved bits must be clear; clients must mask.
  if (reserved != 0 || !masked) return ParseResult::protocol_error;
  const bool control = opcode >= 0x8;
  if ((opcode > 0x2 && opcode < 0x8) || opcode > 0xA) return ParseResult::protocol_error;
  if (control && (!fin || length > 125)) return ParseResult::protocol_error;

  std::size_t at = 2;
  if (length == 126) {
    if (data.size() < 4) return ParseResult::incomplete;
    length = (std::uint64_t{data[2]} << 8) | data[3];
    at = 4;
  } else if (length == 127) {
    if (data.size() < 10) return ParseResult::incomplete;
    length = 0;
    for (int i = 0; i < 8; ++i) length = (length << 8) | data[2 + i];
    at = 10;
  }
  if (length > max_payload) return ParseResult::too_big;
  if (data.size() < at + 4 + length) return ParseResult::incomplete;
  const std::uint8_t* mask = &data[at];
  at += 4;
  out.opcode = static_cast<Opcode>(opcode);
  out.fin = fin;
  out.payload.resize(length);
  for (std::size_t i = 0; i < length; ++i) {
    out.payload[i] = static_cast<char>(data[at + i] ^ mask[i % 4]);
  }
  consumed = at + length;
  return ParseResult::frame;
}

}  // namespace paddock::transport::ws
