#include "transport/websocket_frames.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace paddock::transport::ws {
namespace {

std::vector<std::uint8_t> bytes(std::initializer_list<int> list) {
  std::vector<std::uint8_t> out;
  for (int b : list) out.push_back(static_cast<std::uint8_t>(b));
  return out;
}

TEST(WebSocketFrames, ParsesTheRfcMaskedHelloExample) {
  // RFC 6455 §5.7: a single-frame masked text message containing "Hello".
  auto data = bytes({0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58});
  ClientFrame frame;
  std::size_t consumed = 0;
  ASSERT_EQ(parse_client_frame(data, 1024, frame, consumed), ParseResult::frame);
  EXPECT_EQ(frame.opcode, Opcode::text);
  EXPECT_TRUE(frame.fin);
  EXPECT_EQ(frame.payload, "Hello");
  EXPECT_EQ(consumed, data.size());
}

TEST(WebSocketFrames, AsksForMoreUntilTheFrameIsWhole) {
  auto data = bytes({0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58});
  ClientFrame frame;
  std::size_t consumed = 0;
  for (std::size_t n = 0; n < data.size(); ++n) {
    EXPECT_EQ(parse_client_frame({data.data(), n}, 1024, frame, consumed), ParseResult::incomplete)
        << n;
  }
}

TEST(WebSocketFrames, RejectsWhatTheRfcForbids) {
  struct Row { const char* name; std::vector<std::uint8_t> data; ParseResult expected; };
  const std::vector<Row> rows = {
      {"unmasked client frame", bytes({0x81, 0x05, 'H', 'e', 'l', 'l', 'o'}),
       ParseResult::protocol_error},
      {"reserved bit", bytes({0xC1, 0x80, 0, 0, 0, 0}), ParseResult::protocol_error},
      {"reserved opcode", bytes({0x83, 0x80, 0, 0, 0, 0}), ParseResult::protocol_error},
      {"fragmented ping", bytes({0x09, 0x80, 0, 0, 0, 0}), ParseResult::protocol_error},
      {"long ping", bytes({0x89, 0xFE, 0x00, 0x7E}), ParseResult::protocol_error},
      {"over the limit", bytes({0x82, 0xFE, 0x10, 0x00}), ParseResult::too_big},
  };
  for (const auto& row : rows) {
    ClientFrame frame;
    std::size_t consumed = 0;
    EXPECT_EQ(parse_client_frame(row.data, 1024, frame, consumed), row.expected) << row.name;
  }
}

TEST(WebSocketFrames, ServerHeadersUseTheShortestLength) {
  Header h;
  EXPECT_EQ(server_header(Opcode::text, 5, h), 2u);
  EXPECT_EQ(h[0], 0x81);
  EXPECT_EQ(h[1], 5);
  EXPECT_EQ(server_header(Opcode::text, 300, h), 4u);
  EXPECT_EQ(h[1], 126);
  EXPECT_EQ((h[2] << 8) | h[3], 300);
  EXPECT_EQ(server_header(Opcode::binary, 70000, h), 10u);
  EXPECT_EQ(h[1], 127);
  EXPECT_EQ(server_frame(Opcode::pong, "hi"), std::string("\x8A\x02hi", 4));
}

TEST(WebSocketFrames, ClosePayloadCarriesCodeAndClippedReason) {
  std::string p = close_payload(kClosePolicy, std::string(200, 'r'));
  ASSERT_EQ(p.size(), 125u);
  EXPECT_EQ(static_cast<unsigned char>(p[0]), 0x03);
  EXPECT_EQ(static_cast<unsigned char>(p[1]), 0xF0);  // 1008
}

}  // namespace
}  // namespace paddock::transport::ws
