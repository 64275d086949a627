#pragma once
// transport/proxy_protocol: a pure decoder of the PROXY protocol header (haproxy's
// proxy-protocol.txt, versions 1 and 2) that a trusted load balancer sends before the client's
// bytes, naming the client it accepted. No I/O and no Boost: the server feeds it the bytes read
// so far and learns whether the header is complete, incomplete or invalid.
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace paddock::transport::proxy_protocol {

// A v1 line is at most 107 bytes, CRLF included (spec section 2.1).
inline constexpr std::size_t kMaxV1Bytes = 107;
// v2 allows a 64 KiB address block; a load balancer sends addresses plus a few TLVs, so anything
// longer than this is refused instead of buffered.
inline constexpr std::size_t kMaxHeaderBytes = 1024;

struct Endpoint {
  std::array<std::uint8_t, 16> address{};  // IPv4 in its IPv4-mapped IPv6 form
  std::uint16_t port = 0;
};

enum class Status {
  incomplete,  // a valid prefix of a header: read more (up to kMaxHeaderBytes)
  invalid,     // not a PROXY header, malformed, or too long: close the connection
  complete,
};

struct Header {
  Status status = Status::incomplete;
  std::size_t length = 0;  // bytes the header occupies when complete; what follows is the client's
  // The client the proxy names. Empty for v1 UNKNOWN, v2 LOCAL (the proxy's own health checks)
  // and v2 families without an IP address: the connection's own peer address stands then.
  std::optional<Endpoint> source;
};

// Decodes the header at the start of `bytes` (v1 if it starts with "PROXY ", v2 if with the
// 12-byte signature). Returns incomplete while `bytes` is a strict prefix of a possible header.
Header parse(std::string_view bytes);

}  // namespace paddock::transport::proxy_protocol
