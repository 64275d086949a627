#include "transport/websocket_frames.hpp"

#include "api/utf8.hpp"

#include <boost/uuid/detail/sha1.hpp>
#include <sodium.h>

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

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

HandshakeFault check_handshake(std::string_view version, std::string_view key) {
  if (trim(version) != "13") return HandshakeFault::bad_version;
  // 16 bytes encode to 22 base64 characters and "==": the last character carries 2 bits, so
  // its low 4 bits must be zero for the encoding to be canonical.
  // libsodium's decoder refuses non-canonical input (stray bits, wrong padding).
  key = trim(key);
  if (key.size() != 24) return HandshakeFault::bad_key;
  std::uint8_t nonce[16];
  std::size_t decoded = 0;
  const char* end = nullptr;
  if (sodium_base642bin(nonce, sizeof nonce, key.data(), key.size(), nullptr, &decoded, &end,
                        sodium_base64_VARIANT_ORIGINAL) != 0 ||
      decoded != sizeof nonce || end != key.data() + key.size()) {
    return HandshakeFault::bad_key;
  }
  return HandshakeFault::none;
}

std::string accept_key(std::string_view key) {
  static constexpr std::string_view kGuid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
  boost::uuids::detail::sha1 sha1;
  key = trim(key);
  sha1.process_bytes(key.data(), key.size());
  sha1.process_bytes(kGuid.data(), kGuid.size());
  boost::uuids::detail::sha1::digest_type digest;
  sha1.get_digest(digest);
  std::uint8_t bytes[20];
  for (int i = 0; i < 5; ++i) {
    for (int b = 0; b < 4; ++b)
      bytes[i * 4 + b] = static_cast<std::uint8_t>(digest[i] >> (24 - 8 * b));
  }
  char text[sodium_base64_ENCODED_LEN(sizeof bytes, sodium_base64_VARIANT_ORIGINAL)];
  sodium_bin2base64(text, sizeof text, bytes, sizeof bytes, sodium_base64_VARIANT_ORIGINAL);
  return text;
}

std::string select_subprotocol(std::string_view offered, const std::vector<std::string>& declared) {
  while (!offered.empty()) {
    auto comma = offered.find(',');
    std::string_view token = trim(offered.substr(0, comma));
    for (const auto& name : declared) {
      if (token == name) return name;  // tokens are case-sensitive (§4.1, §11.5)
    }
    if (comma == std::string_view::npos) break;
    offered.remove_prefix(comma + 1);
  }
  return {};
}


bool valid_close_code(std::uint16_t code) {
  return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1011) ||
         (code >= 3000 && code <= 4999);
}

std::uint16_t check_close(std::string_view payload, std::uint16_t& code) {
  code = 0;
  if (payload.empty()) return 0;
  if (payload.size() == 1) return kCloseProtocolError;
  std::uint16_t sent = static_cast<std::uint16_t>((static_cast<std::uint8_t>(payload[0]) << 8) |
                                                  static_cast<std::uint8_t>(payload[1]));
  if (!valid_close_code(sent)) return kCloseProtocolError;
  if (!api::is_valid_utf8(payload.substr(2))) return kCloseInvalidData;
  code = sent;
  return 0;
}

std::uint16_t MessageAssembler::add(ClientFrame& frame, bool& complete) {
  complete = false;
  if (frame.opcode == Opcode::continuation) {
    if (!in_progress_) return kCloseProtocolError;
  } else {
    if (in_progress_) return kCloseProtocolError;
    opcode_ = frame.opcode;
    message_.clear();
    in_progress_ = true;
  }
  if (message_.size() + frame.payload.size() > max_message_) return kCloseTooBig;
  if (message_.empty()) {
    message_.swap(frame.payload);  // the common single-frame message: no copy
  } else {
    message_ += frame.payload;
  }
  if (!frame.fin) return 0;
  in_progress_ = false;
  if (opcode_ == Opcode::text && !api::is_valid_utf8(message_)) return kCloseInvalidData;
  complete = true;
  return 0;
}

void MessageAssembler::clear() {
  std::string().swap(message_);
  in_progress_ = false;
}

}  // namespace paddock::transport::ws
