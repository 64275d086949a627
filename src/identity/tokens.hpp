#pragma once
// identity/tokens: opaque bearer tokens. A token is "pdk_" + 256 random bits (base64url); the
// database keeps only its BLAKE2b-256 hash, so a leaked database yields no usable token.
// Depends on core and libsodium.
#include <string>
#include <string_view>

namespace paddock::identity {

struct IssuedToken {
  std::string token;  // give to the client once
  std::string hash;   // keep
};

IssuedToken issue_token();

// Hex BLAKE2b-256 of the token.
std::string hash_token(std::string_view token);

// Cheap shape check so that garbage never reaches the database.
bool looks_like_token(std::string_view token);

// Extracts the token from an Authorization header value ("Bearer <token>", scheme
// case-insensitive). Returns an empty view when the header has another form.
std::string_view bearer_token(std::string_view authorization);

}  // namespace paddock::identity
