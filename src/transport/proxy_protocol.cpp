#include "transport/proxy_protocol.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <cstring>

namespace paddock::transport::proxy_protocol {
namespace {

constexpr std::string_view kV1Prefix = "PROXY ";
constexpr std::string_view kV2Signature{"\r\n\r\n\0\r\nQUIT\n", 12};
constexpr std::size_t kV2FixedBytes = 16;  // signature, version/command, family, length

Header invalid() { return {Status::invalid, 0, std::nullopt}; }
Header incomplete() { return {Status::incomplete, 0, std::nullopt}; }

// True iff `bytes` could still become `expected` (it is a prefix of it, or starts with it).
bool matches_prefix(std::string_view bytes, std::string_view expected) {
  auto n = std::min(bytes.size(), expected.size());
  return bytes.substr(0, n) == expected.substr(0, n);
}

// Dotted-quad or RFC 4291 text as inet_pton reads it, nothing else (no names, no zone ids).
bool parse_address(std::string_view text, bool ipv6, std::array<std::uint8_t, 16>& out) {
  char buffer[INET6_ADDRSTRLEN] = {};
  if (text.empty() || text.size() >= sizeof buffer) return false;
  std::memcpy(buffer, text.data(), text.size());
  out = {};
  if (ipv6) {
    in6_addr v6{};
    if (inet_pton(AF_INET6, buffer, &v6) != 1) return false;
    std::memcpy(out.data(), &v6, 16);
  } else {
    in_addr v4{};
    if (inet_pton(AF_INET, buffer, &v4) != 1) return false;
    out[10] = out[11] = 0xFF;
    std::memcpy(out.data() + 12, &v4, 4);
  }
  return true;
}

// A decimal port 0..65535 (v1 section 2.1).
bool parse_port(std::string_view text, std::uint16_t& out) {
  if (text.empty() || text.size() > 5) return false;
  unsigned value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    value = value * 10 + static_cast<unsigned>(c - '0');
  }
  if (value > 65535) return false;
  out = static_cast<std::uint16_t>(value);
  return true;
}

// "PROXY TCP4 <src> <dst> <sport> <dport>\r\n", "PROXY TCP6 ...", or "PROXY UNKNOWN ...\r\n";
// fields separated by exactly one space.
Header parse_v1(std::string_view bytes) {
  if (!matches_prefix(bytes, kV1Prefix)) return invalid();
  std::string_view window = bytes.substr(0, kMaxV1Bytes);
  auto lf = window.find('\n');
  if (lf == std::string_view::npos) {
    return window.size() < kMaxV1Bytes ? incomplete() : invalid();
  }
  if (lf < kV1Prefix.size() + 1 || window[lf - 1] != '\r') return invalid();
  std::string_view line = window.substr(kV1Prefix.size(), lf - 1 - kV1Prefix.size());

  std::string_view fields[6];
  std::size_t count = 0;
  while (count < 6) {
    auto space = line.find(' ');
    fields[count++] = line.substr(0, space);
    if (space == std::string_view::npos) break;
    line.remove_prefix(space + 1);
  }
  Header header{Status::complete, lf + 1, std::nullopt};
  // The receiver ignores whatever follows UNKNOWN (section 2.1).
  if (fields[0] == "UNKNOWN") return header;
  if (count != 5 || (fields[0] != "TCP4" && fields[0] != "TCP6")) return invalid();
  const bool ipv6 = fields[0] == "TCP6";
  Endpoint source;
  std::array<std::uint8_t, 16> destination;
  std::uint16_t destination_port = 0;
  if (!parse_address(fields[1], ipv6, source.address) ||
      !parse_address(fields[2], ipv6, destination) || !parse_port(fields[3], source.port) ||
      !parse_port(fields[4], destination_port)) {
    return invalid();
  }
  header.source = source;
  return header;
}

std::uint16_t big_endian16(std::string_view bytes, std::size_t at) {
  return static_cast<std::uint16_t>((static_cast<std::uint8_t>(bytes[at]) << 8) |
                                    static_cast<std::uint8_t>(bytes[at + 1]));
}

// Signature, then version 2 with command LOCAL (0x20) or PROXY (0x21), the address family and
// transport byte, a 16-bit length and that many bytes of addresses and TLVs (section 2.2).
Header parse_v2(std::string_view bytes) {
  if (!matches_prefix(bytes, kV2Signature)) return invalid();
  if (bytes.size() < kV2FixedBytes) return incomplete();
  const auto version_command = static_cast<std::uint8_t>(bytes[12]);
  if (version_command >> 4 != 2) return invalid();
  const int command = version_command & 0x0F;
  if (command > 1) return invalid();
  const auto family = static_cast<std::uint8_t>(bytes[13]);
  const std::size_t total = kV2FixedBytes + big_endian16(bytes, 14);
  if (total > kMaxHeaderBytes) return invalid();
  if (bytes.size() < total) return incomplete();
  std::string_view block = bytes.substr(kV2FixedBytes, total - kV2FixedBytes);

  Header header{Status::complete, total, std::nullopt};
  // LOCAL: the proxy speaks for itself (health checks); the address block is ignored.
  if (command == 0) return header;
  Endpoint source;
  switch (family) {
    case 0x00:  // UNSPEC: the receiver uses the connection's own addresses
    case 0x31:  // UNIX stream: no IP address to use either
      return header;
    case 0x11:  // TCP over IPv4: src 4, dst 4, sport 2, dport 2; TLVs may follow
      if (block.size() < 12) return invalid();
      source.address[10] = source.address[11] = 0xFF;
      std::memcpy(source.address.data() + 12, block.data(), 4);
      source.port = big_endian16(block, 8);
      break;
    case 0x21:  // TCP over IPv6: src 16, dst 16, sport 2, dport 2
      if (block.size() < 36) return invalid();
      std::memcpy(source.address.data(), block.data(), 16);
      source.port = big_endian16(block, 32);
      break;
    default:  // datagram transports and unassigned values cannot describe this TCP connection
      return invalid();
  }
  header.source = source;
  return header;
}

}  // namespace

Header parse(std::string_view bytes) {
  if (bytes.empty()) return incomplete();
  if (bytes.front() == kV1Prefix.front()) return parse_v1(bytes);
  if (bytes.front() == kV2Signature.front()) return parse_v2(bytes);
  return invalid();
}

}  // namespace paddock::transport::proxy_protocol
