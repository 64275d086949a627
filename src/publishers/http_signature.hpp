#pragma once
// publishers/http_signature: HTTP Message Signatures (RFC 9421) for requests, as a pure unit:
// parsing Signature-Input and Signature (RFC 8941 structured fields), building the signature
// base, checking Content-Digest (RFC 9530, sha-256) against the body, and verifying
// hmac-sha256 and ed25519 signatures. Who may sign and which components a signature must cover
// is policy and lives in the publisher service. No I/O. Depends on core and libsodium.
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/encoding.hpp"
#include "core/result.hpp"

namespace paddock::publishers {

// What a signature is computed over. Header names are asked for in lower case; `header` returns
// the field's value (several lines of one field joined with ", ", RFC 9421 section 2.1) or
// nullopt when absent.
struct SignedRequest {
  std::string_view method;     // as sent, e.g. "POST"
  std::string_view scheme;     // "http" or "https"
  std::string_view authority;  // the Host header
  std::string_view path;       // raw request path, not decoded
  std::string_view query;      // raw, without '?'; empty when none
  std::function<std::optional<std::string>(std::string_view name)> header;
};

// One signature's parameters (RFC 9421 section 2.3) and covered component identifiers.
struct SignatureParams {
  std::vector<std::string> components;  // in order, e.g. "@method", "content-digest"
  std::optional<std::int64_t> created;
  std::optional<std::int64_t> expires;
  std::optional<std::string> nonce;
  std::optional<std::string> keyid;
  std::optional<std::string> alg;
  std::optional<std::string> tag;
  std::string serialized;  // the inner list as RFC 8941 serializes it: @signature-params' value

  bool covers(std::string_view component) const;
};

struct ParsedSignature {
  std::string label;
  SignatureParams params;
  Bytes signature;
};

// Parses both fields and returns the first signature (in Signature-Input's order) whose label
// also appears in Signature. Errors: kSignatureMalformed (not RFC 8941, a component with
// parameters, a parameter of the wrong type, no label in both fields).
Result<ParsedSignature> parse_signature(std::string_view signature_input,
                                        std::string_view signature);

// The signature base (RFC 9421 section 2.5). Supports the derived components @method,
// @target-uri, @authority, @scheme, @request-target, @path and @query, and header fields.
// Error kSignatureIncomplete naming a covered header the request lacks or a component this
// server does not derive.
Result<std::string> signature_base(const SignedRequest& request, const SignatureParams& params);

// Content-Digest (RFC 9530): ok iff the field is a valid dictionary with a sha-256 member equal
// to SHA-256(body). Errors: kSignatureMalformed (not a dictionary; no sha-256 member),
// kDigestMismatch (the body differs).
Result<void> check_content_digest(std::string_view field, std::string_view body);
// "sha-256=:<base64>:" for `body` (tests and signers).
std::string content_digest(std::string_view body);

bool verify_hmac_sha256(std::span<const std::uint8_t> key, std::string_view base,
                        std::span<const std::uint8_t> signature);
bool verify_ed25519(std::span<const std::uint8_t> public_key, std::string_view base,
                    std::span<const std::uint8_t> signature);

// Standard base64 with padding (RFC 4648 section 4), as RFC 8941 byte sequences use.
std::optional<Bytes> base64_decode(std::string_view text);
std::string base64_encode(std::span<const std::uint8_t> bytes);

}  // namespace paddock::publishers
