// Fuzz target for the parsers Paddock owns and that read untrusted input: plates, VINs,
// regions, cursors, bearer tokens, head-unit Authorization headers, base64url, JSON request
// bodies, PROXY protocol headers and WebSocket client frames (framing, reassembly, close
// payloads, handshake keys), and the digital key documents a car reads (credentials, proofs,
// revocation lists: vehicle/credential; the head unit's signed reports: vehicle/report), and
// OCPP-J messages with the OCPP 1.6 schema validation behind them (ocpp/frame, ocpp/schema). Built
// two ways: with clang's libFuzzer (-DPADDOCK_LIBFUZZER=ON) for real fuzzing, and with the corpus
// driver in corpus_main.cpp so that `make test` replays the corpus plus bounded mutations with any
// compiler. Each parser must return a value or an error for every input: never crash, hang or
// throw.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "api/http_types.hpp"
#include "api/json_input.hpp"
#include "api/utf8.hpp"
#include "core/encoding.hpp"
#include "identity/tokens.hpp"
#include "keys/head_unit_auth.hpp"
#include "ocpp/frame.hpp"
#include "ocpp/schema.hpp"
#include "sharing/identification.hpp"
#include "sharing/sharing_service.hpp"
#include "transport/proxy_protocol.hpp"
#include "transport/websocket_frames.hpp"
#include "vehicle/credential.hpp"
#include "vehicle/decision.hpp"
#include "vehicle/report.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace paddock;
  std::string_view text(reinterpret_cast<const char*>(data), size);

  if (auto plate = sharing::normalize_plate_number(text)) {
    // Normalization is idempotent: a normalized plate normalizes to itself.
    auto again = sharing::normalize_plate_number(*plate);
    if (!again || *again != *plate) __builtin_trap();
  }
  if (auto vin = sharing::normalize_vin(text)) {
    if (vin->size() != 17) __builtin_trap();
  }
  (void)sharing::normalize_region(text);
  if (auto cursor = sharing::parse_cursor(text)) {
    if (*cursor < 0) __builtin_trap();
  }
  (void)identity::looks_like_token(identity::bearer_token(text));
  if (auto head_unit = keys::parse_head_unit_authorization(text)) {
    if (head_unit->head_unit_id.empty() || head_unit->signature.empty() ||
        text.size() > keys::kMaxHeadUnitAuthorizationBytes) {
      __builtin_trap();
    }
  }
  if (auto bytes = base64url_decode(text)) {
    if (base64url_encode(*bytes) != text) __builtin_trap();  // the encoding is canonical
  }
  {
    auto parsed = ocpp::parse_message(text);
    if (auto* message = std::get_if<ocpp::Message>(&parsed)) {
      if (auto* call = std::get_if<ocpp::Call>(message)) {
        (void)ocpp::SchemaSet::ocpp16().validate(call->action, ocpp::Direction::request,
                                                 call->payload);
        // What we send back parses to the same call: the codec round-trips.
        auto again = ocpp::parse_message(ocpp::serialize(*call));
        auto* same = std::get_if<ocpp::Message>(&again);
        if (!same || std::get<ocpp::Call>(*same).id != call->id) __builtin_trap();
      }
    } else if (std::get<ocpp::FrameFault>(parsed).id.size() > ocpp::kMaxMessageIdChars) {
      __builtin_trap();
    }
  }
  api::Request request;
  request.headers.add("Content-Type", "application/json");
  request.body = std::string(text);
  (void)api::parse_json_object(request);

  namespace pp = transport::proxy_protocol;
  pp::Header header = pp::parse(text);
  if (header.status == pp::Status::incomplete && size >= pp::kMaxHeaderBytes) __builtin_trap();
  if (header.status == pp::Status::complete) {
    if (header.length > size || header.length > pp::kMaxHeaderBytes) __builtin_trap();
    // A header delimits itself: the bytes after it never change what it says.
    pp::Header alone = pp::parse(text.substr(0, header.length));
    if (alone.status != pp::Status::complete || alone.length != header.length ||
        alone.source.has_value() != header.source.has_value()) {
      __builtin_trap();
    }
  }

  // WebSocket: frames from the front of the input, reassembled as the session does.
  namespace ws = transport::ws;
  std::span<const std::uint8_t> rest(data, size);
  ws::MessageAssembler assembler(1024);
  ws::ClientFrame frame;
  for (int frames = 0; frames < 64; ++frames) {
    std::size_t consumed = 0;
    if (ws::parse_client_frame(rest, 1024, frame, consumed) != ws::ParseResult::frame) break;
    if (consumed == 0 || consumed > rest.size() || frame.payload.size() > 1024) __builtin_trap();
    rest = rest.subspan(consumed);
    if (frame.opcode == ws::Opcode::close) {
      std::uint16_t code = 0;
      if (ws::check_close(frame.payload, code) == 0 && !frame.payload.empty() &&
          !ws::valid_close_code(code)) {
        __builtin_trap();
      }
      continue;
    }
    if (frame.opcode == ws::Opcode::ping || frame.opcode == ws::Opcode::pong) continue;
    bool complete = false;
    if (assembler.add(frame, complete) != 0) break;
    if (complete) {
      if (assembler.message().size() > 1024) __builtin_trap();
      if (assembler.opcode() == ws::Opcode::text && !api::is_valid_utf8(assembler.message())) {
        __builtin_trap();
      }
      assembler.clear();
    }
  }
  // Digital keys: the corpus holds a credential, a proof and a revocation list signed by the
  // all-0x01 seed below (kid "k1"), so mutations reach the claim parsers and the signature check.
  {
    namespace v = vehicle;
    v::init_sodium();
    static const v::PublicKey issuer = [] {
      const v::Bytes seed(32, 1);
      return v::public_key_of(*v::secret_key_from(seed));
    }();
    const std::vector<v::IssuerKey> keys = {{{'k', '1'}, issuer}};
    std::span<const std::uint8_t> bytes(data, size);
    if (auto credential = v::parse_credential(bytes)) {
      const auto& c = credential->claims;
      if (c.credential_id.size() < v::kMinCtiBytes || c.credential_id.size() > v::kMaxCtiBytes ||
          c.vehicle_id.empty() || c.rights.actions == 0) {
        __builtin_trap();
      }
      if (v::check_issuer(credential->sign1, {}) != v::Trust::unknown_issuer_key) __builtin_trap();
    }
    if (auto proof = v::parse_proof(bytes)) {
      if (proof->claims.challenge.has_value() == proof->claims.counter.has_value()) __builtin_trap();
    }
    (void)v::parse_revocations(bytes);
    if (auto report = v::parse_report(bytes)) {
      const auto& r = report->report;
      if (r.counter == 0 || r.entries.empty() || r.entries.size() > v::kMaxReportEntries ||
          r.vehicle_id.empty() || r.head_unit_id.empty()) {
        __builtin_trap();
      }
      // Signed by the all-0x01 seed: a mutated report must not verify under another key.
      if (v::verify_sign1(report->sign1, v::PublicKey{})) __builtin_trap();
    }
    // The car as a whole: the input as credential, proof and revocation list at once.
    v::Car car(keys, "veh_fuzz");
    (void)car.install_revocations(bytes);
    const v::Decision decision = car.decide({bytes, bytes, v::Action::unlock, 1'800'000'000, {}, {}});
    if (decision.allowed()) __builtin_trap();  // a credential is never its own proof
  }

  if (ws::check_handshake("13", text) == ws::HandshakeFault::none &&
      ws::accept_key(text).size() != 28) {
    __builtin_trap();
  }
  return 0;
}
