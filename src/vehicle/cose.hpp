#pragma once
// vehicle/cose: COSE_Sign1 (RFC 9052 §4.2, tag 18) with EdDSA/Ed25519, the strict CBOR reader
// under it, and the module's byte helpers. Depends on libcbor and libsodium only: this module is
// what a car's head unit embeds, so it never includes anything else from Paddock.
#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace paddock::vehicle {

using Bytes = std::vector<std::uint8_t>;
using PublicKey = std::array<std::uint8_t, 32>;
using SecretKey = std::array<std::uint8_t, 64>;  // libsodium's seed || public key

inline constexpr std::size_t kMaxCoseBytes = 4096;       // credential, proof
inline constexpr std::size_t kMaxListBytes = 256 * 1024;  // revocation list
inline constexpr int kMaxCborDepth = 8;
inline constexpr std::size_t kMaxKidBytes = 64;
inline constexpr std::int64_t kAlgEdDSA = -8;

enum class CodecError {
  none,
  too_large,
  not_cbor,         // not well-formed, indefinite length, too deep, or trailing bytes
  not_cose_sign1,   // not tag 18 over [bstr, map, bstr, bstr(64)]
  bad_header,       // unsupported alg, unknown or duplicate header label, non-empty unprotected
  bad_payload,      // payload not a map with integer keys, or a duplicate key
  bad_claim,        // a claim of the wrong type or out of range, or an unknown private claim
  missing_claim,
};
std::string_view to_string(CodecError error);

// A value or the precise reason there is none.
template <class T>
struct Result {
  std::optional<T> value;
  CodecError error = CodecError::none;
  Result(T v) : value(std::move(v)) {}
  Result(CodecError e) : error(e) {}
  explicit operator bool() const { return value.has_value(); }
  T& operator*() { return *value; }
  const T& operator*() const { return *value; }
  T* operator->() { return &*value; }
  const T* operator->() const { return &*value; }
};

// A parsed COSE_Sign1; the signature is not checked yet.
struct Sign1 {
  std::optional<Bytes> kid;                 // protected label 4
  std::optional<std::string> content_type;  // protected label 3
  Bytes protected_bytes;
  Bytes payload;
  Bytes signature;
};

// Returns true iff `data` is exactly one well-formed CBOR item with definite lengths only, at most
// kMaxCborDepth deep, every declared length fitting in the bytes that remain. Run before libcbor
// so that a short hostile header never makes it allocate for a huge declared array.
bool strictly_well_formed(std::span<const std::uint8_t> data);

// Parses a tagged COSE_Sign1 whose protected header has alg EdDSA and optionally kid (4) and
// content type (3), nothing else, and whose unprotected header is empty.
Result<Sign1> parse_sign1(std::span<const std::uint8_t> data, std::size_t max_bytes);

// RFC 9052 §4.4: ["Signature1", protected, external_aad = h'', payload], encoded deterministically.
Bytes sig_structure(std::span<const std::uint8_t> protected_bytes,
                    std::span<const std::uint8_t> payload);

// Returns true iff the Sign1's signature verifies under `key`.
bool verify_sign1(const Sign1& sign1, const PublicKey& key);

// Encodes and signs a COSE_Sign1 with protected {1: -8, [3: content_type], [4: kid]}.
Bytes sign1(std::span<const std::uint8_t> payload, std::optional<std::span<const std::uint8_t>> kid,
            std::optional<std::string_view> content_type, const SecretKey& key);

// Unpadded base64url (RFC 4648 §5); decode returns nullopt on anything else.
std::string base64url(std::span<const std::uint8_t> bytes);
std::optional<Bytes> from_base64url(std::string_view text);

// Ed25519 keys: a 32-byte seed or a 64-byte libsodium secret key; nullopt on any other size.
std::optional<SecretKey> secret_key_from(std::span<const std::uint8_t> seed_or_secret);
PublicKey public_key_of(const SecretKey& key);

bool init_sodium();

}  // namespace paddock::vehicle
