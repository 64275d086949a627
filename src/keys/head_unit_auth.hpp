#pragma once
// keys/head_unit_auth: the signed-request scheme a car's head unit authenticates with
// (docs/credentials.md, "Head-unit requests"):
//   Authorization: PaddockHeadUnit id="<head unit id>", created=<unix seconds>,
//                  signature="<base64url Ed25519 signature>"
// over the text
//   "paddock-head-unit-request:v1\n<id>\n<METHOD>\n<path[?query]>\n<created>"
// A signature is good for kHeadUnitRequestWindowSeconds either side of the server's clock. The
// routes that accept it only read, so a replay inside the window learns nothing new.
// Pure: parsing and the signing text; the key lookup is the service's. Depends on core.
#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace paddock::keys {

inline constexpr std::string_view kHeadUnitAuthScheme = "PaddockHeadUnit";
inline constexpr std::string_view kHeadUnitRequestDomain = "paddock-head-unit-request:v1";
inline constexpr std::int64_t kHeadUnitRequestWindowSeconds = 300;
inline constexpr std::size_t kMaxHeadUnitAuthorizationBytes = 512;

struct HeadUnitAuthorization {
  std::string head_unit_id;
  std::int64_t created = 0;  // unix seconds
  std::string signature;     // base64url, as sent
};

// True iff `authorization` names the PaddockHeadUnit scheme (case-insensitively).
bool is_head_unit_authorization(std::string_view authorization);
// Parses the three parameters, each exactly once, in any order, nothing else.
// Error: kHeadUnitAuthInvalid saying what is wrong.
Result<HeadUnitAuthorization> parse_head_unit_authorization(std::string_view authorization);
// The exact text the head unit signs.
std::string head_unit_signing_input(std::string_view head_unit_id, std::string_view method,
                                    std::string_view target, std::int64_t created);
// True iff `created` is inside the window around `now_seconds`.
bool head_unit_request_fresh(std::int64_t created, std::int64_t now_seconds);

}  // namespace paddock::keys
