#include "api/utf8.hpp"
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
  struct Row {
    const char* name;
    std::vector<std::uint8_t> data;
    ParseResult expected;
  };
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

TEST(WebSocketHandshake, ChecksVersionAndKey) {
  struct Row {
    const char* name;
    const char* version;
    const char* key;
    HandshakeFault expected;
  };
  const std::vector<Row> rows = {
      {"RFC 6455 §1.3 example", "13", "dGhlIHNhbXBsZSBub25jZQ==", HandshakeFault::none},
      {"surrounding spaces", " 13 ", " dGhlIHNhbXBsZSBub25jZQ== ", HandshakeFault::none},
      {"version 8", "8", "dGhlIHNhbXBsZSBub25jZQ==", HandshakeFault::bad_version},
      {"no version", "", "dGhlIHNhbXBsZSBub25jZQ==", HandshakeFault::bad_version},
      {"no key", "13", "", HandshakeFault::bad_key},
      {"not base64", "13", "not a base64 nonce!!!!==", HandshakeFault::bad_key},
      {"15 bytes", "13", "dGhlIHNhbXBsZSBub25jZQ", HandshakeFault::bad_key},
      {"17 bytes", "13", "dGhlIHNhbXBsZSBub25jZQAA", HandshakeFault::bad_key},
      {"non-canonical last char", "13", "dGhlIHNhbXBsZSBub25jZR==", HandshakeFault::bad_key},
  };
  for (const auto& row : rows) {
    EXPECT_EQ(check_handshake(row.version, row.key), row.expected) << row.name;
  }
}

TEST(WebSocketHandshake, AcceptKeyIsTheRfcExample) {
  // RFC 6455 §1.3.
  EXPECT_EQ(accept_key("dGhlIHNhbXBsZSBub25jZQ=="), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
}

TEST(WebSocketHandshake, SelectsTheFirstOfferedSubprotocolTheRouteDeclares) {
  const std::vector<std::string> ocpp = {"ocpp1.6", "ocpp2.0.1"};
  EXPECT_EQ(select_subprotocol("ocpp2.0.1, ocpp1.6", ocpp), "ocpp2.0.1");
  EXPECT_EQ(select_subprotocol("chat,ocpp1.6", ocpp), "ocpp1.6");
  EXPECT_EQ(select_subprotocol("OCPP1.6", ocpp), "");  // tokens are case-sensitive
  EXPECT_EQ(select_subprotocol("chat", ocpp), "");
  EXPECT_EQ(select_subprotocol("", ocpp), "");
  EXPECT_EQ(select_subprotocol("ocpp1.6", {}), "");  // a route that declares none
}

TEST(WebSocketMessages, ValidatesUtf8) {
  struct Row {
    const char* name;
    std::string text;
    bool valid;
  };
  const std::vector<Row> rows = {
      {"ascii", "hello", true},
      {"empty", "", true},
      {"two-byte", "\xC3\xA9", true},
      {"three-byte", "\xE2\x82\xAC", true},
      {"four-byte", "\xF0\x9F\x98\x80", true},
      {"lone continuation", "\x80", false},
      {"truncated", "\xE2\x82", false},
      {"overlong slash", "\xC0\xAF", false},
      {"overlong three-byte", "\xE0\x80\xAF", false},
      {"surrogate", "\xED\xA0\x80", false},
      {"past U+10FFFF", "\xF4\x90\x80\x80", false},
      {"0xFF", "a\xFF", false},
  };
  for (const auto& row : rows) EXPECT_EQ(api::is_valid_utf8(row.text), row.valid) << row.name;
}

TEST(WebSocketMessages, ChecksClosePayloads) {
  // RFC 6455 §7.4: what a peer may put in a close frame.
  struct Row {
    const char* name;
    std::string payload;
    std::uint16_t failure;
    std::uint16_t code;
  };
  auto with_code = [](int code, std::string reason = {}) {
    return std::string{static_cast<char>(code >> 8), static_cast<char>(code & 0xFF)} + reason;
  };
  const std::vector<Row> rows = {
      {"empty", "", 0, 0},
      {"1000", with_code(1000, "bye"), 0, 1000},
      {"1003", with_code(1003), 0, 1003},
      {"1011", with_code(1011), 0, 1011},
      {"3000", with_code(3000), 0, 3000},
      {"4999", with_code(4999), 0, 4999},
      {"one byte", std::string(1, '\x03'), kCloseProtocolError, 0},
      {"999", with_code(999), kCloseProtocolError, 0},
      {"1004 reserved", with_code(1004), kCloseProtocolError, 0},
      {"1005 not on the wire", with_code(1005), kCloseProtocolError, 0},
      {"1006 not on the wire", with_code(1006), kCloseProtocolError, 0},
      {"1015 not on the wire", with_code(1015), kCloseProtocolError, 0},
      {"1012 unassigned", with_code(1012), kCloseProtocolError, 0},
      {"5000", with_code(5000), kCloseProtocolError, 0},
      {"reason not UTF-8", with_code(1000, "\xFF"), kCloseInvalidData, 0},
  };
  for (const auto& row : rows) {
    std::uint16_t code = 77;
    EXPECT_EQ(check_close(row.payload, code), row.failure) << row.name;
    if (row.failure == 0) {
      EXPECT_EQ(code, row.code) << row.name;
    }
  }
}

ClientFrame data_frame(Opcode opcode, bool fin, std::string payload) {
  ClientFrame f;
  f.opcode = opcode;
  f.fin = fin;
  f.payload = std::move(payload);
  return f;
}

TEST(WebSocketMessages, ReassemblesFragments) {
  MessageAssembler assembler(64);
  bool complete = true;
  auto f1 = data_frame(Opcode::binary, false, "ab");
  ASSERT_EQ(assembler.add(f1, complete), 0);
  EXPECT_FALSE(complete);
  auto f2 = data_frame(Opcode::continuation, false, "cd");
  ASSERT_EQ(assembler.add(f2, complete), 0);
  auto f3 = data_frame(Opcode::continuation, true, "e");
  ASSERT_EQ(assembler.add(f3, complete), 0);
  ASSERT_TRUE(complete);
  EXPECT_EQ(assembler.opcode(), Opcode::binary);
  EXPECT_EQ(assembler.message(), "abcde");
  assembler.clear();
  auto single = data_frame(Opcode::text, true, "hi");
  ASSERT_EQ(assembler.add(single, complete), 0);
  ASSERT_TRUE(complete);
  EXPECT_EQ(assembler.opcode(), Opcode::text);
  EXPECT_EQ(assembler.message(), "hi");
}

TEST(WebSocketMessages, RefusesWhatSection5_4Forbids) {
  struct Row {
    const char* name;
    std::vector<ClientFrame> frames;
    std::uint16_t expected;
  };
  const std::vector<Row> rows = {
      {"continuation with nothing to continue",
       {data_frame(Opcode::continuation, true, "x")},
       kCloseProtocolError},
      {"text inside an unfinished message",
       {data_frame(Opcode::text, false, "a"), data_frame(Opcode::text, true, "b")},
       kCloseProtocolError},
      {"fragments over the limit",
       {data_frame(Opcode::text, false, std::string(40, 'a')),
        data_frame(Opcode::continuation, true, std::string(40, 'b'))},
       kCloseTooBig},
      {"invalid UTF-8 text", {data_frame(Opcode::text, true, "\xC0\xAF")}, kCloseInvalidData},
      {"UTF-8 split across fragments is fine",
       {data_frame(Opcode::text, false, "\xE2\x82"),
        data_frame(Opcode::continuation, true, "\xAC")},
       0},
      {"binary need not be UTF-8", {data_frame(Opcode::binary, true, "\xFF")}, 0},
  };
  for (auto row : rows) {
    MessageAssembler assembler(64);
    std::uint16_t result = 0;
    bool complete = false;
    for (auto& frame : row.frames) {
      result = assembler.add(frame, complete);
      if (result != 0) break;
    }
    EXPECT_EQ(result, row.expected) << row.name;
  }
}

}  // namespace
}  // namespace paddock::transport::ws
