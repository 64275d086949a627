#include "identity/tokens.hpp"

#include <sodium.h>

#include "core/encoding.hpp"
#include "core/text.hpp"

namespace paddock::identity {
namespace {
constexpr std::string_view kPrefix = "pdk_";
constexpr std::size_t kTokenLength = 4 + 43;  // prefix + 32 bytes in unpadded base64url
}  // namespace

IssuedToken issue_token() {
  std::string token(kPrefix);
  token += base64url_encode(random_bytes(32));
  return IssuedToken{token, hash_token(token)};
}

std::string hash_token(std::string_view token) {
  unsigned char digest[32];
  crypto_generichash(digest, sizeof digest, reinterpret_cast<const unsigned char*>(token.data()),
                     token.size(), nullptr, 0);
  return hex_encode(digest);
}

bool looks_like_token(std::string_view token) {
  return token.size() == kTokenLength && token.substr(0, kPrefix.size()) == kPrefix &&
         is_base64url(token.substr(kPrefix.size()));
}

std::string_view bearer_token(std::string_view authorization) {
  constexpr std::string_view kScheme = "bearer ";
  if (authorization.size() <= kScheme.size()) return {};
  if (ascii_lower(authorization.substr(0, kScheme.size())) != kScheme) return {};
  auto token = authorization.substr(kScheme.size());
  while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
  while (!token.empty() && token.back() == ' ') token.remove_suffix(1);
  return token;
}

}  // namespace paddock::identity
