// Cases follow haproxy's proxy-protocol.txt: section 2.1 (v1, human-readable) and 2.2 (v2,
// binary). One row per case.
#include "transport/proxy_protocol.hpp"

#include <gtest/gtest.h>

#include <string>

namespace paddock::transport::proxy_protocol {
namespace {

const std::string kSignature("\r\n\r\n\0\r\nQUIT\n", 12);

std::array<std::uint8_t, 16> v4(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d) {
  return {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF, a, b, c, d};
}
const std::array<std::uint8_t, 16> kDocV6 = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0,
                                             0,    0,    0,    0,    0, 0, 0, 0x42};

// A v2 header: ver/cmd byte, family byte, then `block` with its 16-bit length.
std::string v2(std::uint8_t version_command, std::uint8_t family, const std::string& block) {
  std::string out = kSignature;
  out += static_cast<char>(version_command);
  out += static_cast<char>(family);
  out += static_cast<char>(block.size() >> 8);
  out += static_cast<char>(block.size() & 0xFF);
  return out + block;
}
std::string bytes(std::initializer_list<int> values) {
  std::string out;
  for (int v : values) out += static_cast<char>(v);
  return out;
}
const std::string kV4Block = bytes({203, 0, 113, 7, 10, 0, 0, 1, 0x13, 0x88, 0, 80});
std::string v6_block() {
  std::string out(kDocV6.begin(), kDocV6.end());
  out += std::string(16, '\0');  // destination ::
  return out + bytes({0xC3, 0x50, 0x01, 0xBB});
}

struct Row {
  const char* name;
  std::string input;
  Status status;
  std::size_t length;                                   // when complete
  std::optional<std::array<std::uint8_t, 16>> address;  // when complete
  std::uint16_t port = 0;
};

TEST(ProxyProtocolTest, DecodesOneRowPerCase) {
  const std::string tcp4 = "PROXY TCP4 203.0.113.7 10.0.0.1 5000 80\r\n";
  const std::string tcp6 = "PROXY TCP6 2001:db8::42 ::1 50000 443\r\n";
  const std::string all_f = "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff";
  const std::string longest = "PROXY UNKNOWN " + all_f + " " + all_f + " 65535 65535\r\n";
  const std::string widest = "PROXY TCP6 " + all_f + " " + all_f + " 65535 65535\r\n";
  std::array<std::uint8_t, 16> all_ones;
  all_ones.fill(0xFF);
  const Row rows[] = {
      // v1 (2.1)
      {"v1 TCP4", tcp4, Status::complete, tcp4.size(), v4(203, 0, 113, 7), 5000},
      {"v1 TCP4 followed by the request", tcp4 + "GET / HTTP/1.1\r\n", Status::complete,
       tcp4.size(), v4(203, 0, 113, 7), 5000},
      {"v1 TCP6", tcp6, Status::complete, tcp6.size(), kDocV6, 50000},
      {"v1 UNKNOWN alone", "PROXY UNKNOWN\r\n", Status::complete, 15, std::nullopt},
      {"v1 UNKNOWN ignores the rest of the line", "PROXY UNKNOWN ffff:: ::1 1 2\r\nGET",
       Status::complete, 30, std::nullopt},
      {"v1 empty input waits", "", Status::incomplete, 0, std::nullopt},
      {"v1 partial signature waits", "PRO", Status::incomplete, 0, std::nullopt},
      {"v1 line without its end waits", "PROXY TCP4 203.0.113.7 10.0.", Status::incomplete, 0,
       std::nullopt},
      {"v1 line longer than 107 bytes", "PROXY UNKNOWN " + std::string(100, 'x'), Status::invalid,
       0, std::nullopt},
      {"v1 CRLF past byte 107", "PROXY UNKNOWN " + std::string(93, 'x') + "\r\n", Status::invalid,
       0, std::nullopt},
      {"v1 bare LF", "PROXY TCP4 203.0.113.7 10.0.0.1 5000 80\n", Status::invalid, 0, std::nullopt},
      {"v1 lower case", "proxy TCP4 203.0.113.7 10.0.0.1 5000 80\r\n", Status::invalid, 0,
       std::nullopt},
      {"v1 unknown protocol", "PROXY UDP4 203.0.113.7 10.0.0.1 5000 80\r\n", Status::invalid, 0,
       std::nullopt},
      {"v1 TCP4 with an IPv6 address", "PROXY TCP4 2001:db8::42 ::1 5000 80\r\n", Status::invalid,
       0, std::nullopt},
      {"v1 TCP6 with an IPv4 address", "PROXY TCP6 203.0.113.7 10.0.0.1 5000 80\r\n",
       Status::invalid, 0, std::nullopt},
      {"v1 bad address", "PROXY TCP4 203.0.113.256 10.0.0.1 5000 80\r\n", Status::invalid, 0,
       std::nullopt},
      {"v1 host name", "PROXY TCP4 example.com 10.0.0.1 5000 80\r\n", Status::invalid, 0,
       std::nullopt},
      {"v1 port past 65535", "PROXY TCP4 203.0.113.7 10.0.0.1 65536 80\r\n", Status::invalid, 0,
       std::nullopt},
      {"v1 signed port", "PROXY TCP4 203.0.113.7 10.0.0.1 +500 80\r\n", Status::invalid, 0,
       std::nullopt},
      {"v1 missing port", "PROXY TCP4 203.0.113.7 10.0.0.1 5000\r\n", Status::invalid, 0,
       std::nullopt},
      {"v1 extra field", "PROXY TCP4 203.0.113.7 10.0.0.1 5000 80 9\r\n", Status::invalid, 0,
       std::nullopt},
      {"v1 double space", "PROXY TCP4  203.0.113.7 10.0.0.1 5000 80\r\n", Status::invalid, 0,
       std::nullopt},
      {"v1 empty line", "PROXY \r\n", Status::invalid, 0, std::nullopt},
      {"plain HTTP is not a header", "GET / HTTP/1.1\r\n\r\n", Status::invalid, 0, std::nullopt},
      {"v1 the longest line (107 bytes)", longest, Status::complete, 107, std::nullopt},
      {"v1 the widest TCP6 line", widest, Status::complete, widest.size(), all_ones, 65535},
      // v2 (2.2)
      {"v2 PROXY TCP over IPv4", v2(0x21, 0x11, kV4Block), Status::complete, 28, v4(203, 0, 113, 7),
       5000},
      {"v2 followed by the request", v2(0x21, 0x11, kV4Block) + "GET", Status::complete, 28,
       v4(203, 0, 113, 7), 5000},
      {"v2 PROXY TCP over IPv6", v2(0x21, 0x21, v6_block()), Status::complete, 52, kDocV6, 50000},
      {"v2 TLVs after the addresses are skipped",
       v2(0x21, 0x11, kV4Block + bytes({0x04, 0x00, 0x01, 0x00})), Status::complete, 32,
       v4(203, 0, 113, 7), 5000},
      {"v2 LOCAL keeps the proxy's address", v2(0x20, 0x00, ""), Status::complete, 16,
       std::nullopt},
      {"v2 LOCAL ignores an address block", v2(0x20, 0x11, kV4Block), Status::complete, 28,
       std::nullopt},
      {"v2 PROXY UNSPEC", v2(0x21, 0x00, ""), Status::complete, 16, std::nullopt},
      {"v2 PROXY UNIX stream", v2(0x21, 0x31, std::string(216, '\0')), Status::complete, 232,
       std::nullopt},
      {"v2 partial signature waits", kSignature.substr(0, 7), Status::incomplete, 0, std::nullopt},
      {"v2 fixed part incomplete", v2(0x21, 0x11, kV4Block).substr(0, 15), Status::incomplete, 0,
       std::nullopt},
      {"v2 address block incomplete", v2(0x21, 0x11, kV4Block).substr(0, 27), Status::incomplete, 0,
       std::nullopt},
      {"v2 wrong signature", "\r\n\r\nX", Status::invalid, 0, std::nullopt},
      {"v2 version 1", v2(0x11, 0x11, kV4Block), Status::invalid, 0, std::nullopt},
      {"v2 unknown command", v2(0x22, 0x11, kV4Block), Status::invalid, 0, std::nullopt},
      {"v2 IPv4 block too short", v2(0x21, 0x11, kV4Block.substr(0, 11)), Status::invalid, 0,
       std::nullopt},
      {"v2 IPv6 block too short", v2(0x21, 0x21, v6_block().substr(0, 35)), Status::invalid, 0,
       std::nullopt},
      {"v2 UDP over IPv4 cannot describe TCP", v2(0x21, 0x12, kV4Block), Status::invalid, 0,
       std::nullopt},
      {"v2 unassigned family", v2(0x21, 0x41, kV4Block), Status::invalid, 0, std::nullopt},
      {"v2 longer than the bound is refused before it arrives",
       v2(0x21, 0x11, kV4Block + std::string(kMaxHeaderBytes, '\0')).substr(0, 40), Status::invalid,
       0, std::nullopt},
  };
  for (const auto& row : rows) {
    Header h = parse(row.input);
    EXPECT_EQ(h.status, row.status) << row.name;
    if (row.status != Status::complete || h.status != Status::complete) continue;
    EXPECT_EQ(h.length, row.length) << row.name;
    ASSERT_EQ(h.source.has_value(), row.address.has_value()) << row.name;
    if (h.source) {
      EXPECT_EQ(h.source->address, *row.address) << row.name;
      EXPECT_EQ(h.source->port, row.port) << row.name;
    }
  }
}

TEST(ProxyProtocolTest, EveryPrefixOfAValidHeaderIsIncomplete) {
  for (const std::string& header :
       {std::string("PROXY TCP4 203.0.113.7 10.0.0.1 5000 80\r\n"), v2(0x21, 0x11, kV4Block)}) {
    for (std::size_t n = 0; n < header.size(); ++n) {
      EXPECT_EQ(parse(header.substr(0, n)).status, Status::incomplete) << n;
    }
    EXPECT_EQ(parse(header).status, Status::complete);
  }
}

}  // namespace
}  // namespace paddock::transport::proxy_protocol
