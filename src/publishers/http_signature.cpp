#include "publishers/http_signature.hpp"

#include <sodium.h>

#include <algorithm>

#include "publishers/errors.hpp"

namespace paddock::publishers {
namespace {

// An RFC 8941 bare item; only the types signature fields use.
struct Bare {
  enum class Type { integer, string, token, bytes, boolean } type = Type::boolean;
  std::int64_t integer = 0;
  std::string text;  // string or token
  Bytes bytes;
  bool flag = true;
};
struct Param {
  std::string key;
  Bare value;
};
struct Member {
  std::string key;
  bool inner_list = false;
  Bare item;                // when !inner_list
  std::vector<Bare> items;  // when inner_list (items' own parameters are kept apart)
  std::vector<bool> item_has_params;
  std::vector<Param> params;
};

// A strict RFC 8941 section 4.2 parser over one field value.
class Parser {
 public:
  explicit Parser(std::string_view in) : in_(in) {}

  std::optional<std::vector<Member>> dictionary() {
    std::vector<Member> out;
    skip_sp();
    if (done()) return out;
    while (true) {
      auto key = parse_key();
      if (!key) return std::nullopt;
      Member m;
      m.key = std::move(*key);
      if (peek() == '=') {
        ++pos_;
        if (peek() == '(') {
          m.inner_list = true;
          if (!parse_inner_list(m)) return std::nullopt;
        } else {
          auto item = parse_bare();
          if (!item) return std::nullopt;
          m.item = std::move(*item);
          if (!parse_params(m.params)) return std::nullopt;
        }
      } else {
        m.item = Bare{};  // a key alone is boolean true
        if (!parse_params(m.params)) return std::nullopt;
      }
      // A later member with the same key overrides the earlier one (section 4.2.2).
      auto same =
          std::find_if(out.begin(), out.end(), [&](const Member& o) { return o.key == m.key; });
      if (same != out.end()) out.erase(same);
      out.push_back(std::move(m));
      skip_ows();
      if (done()) return out;
      if (peek() != ',') return std::nullopt;
      ++pos_;
      skip_ows();
      if (done()) return std::nullopt;  // trailing comma
    }
  }

 private:
  bool done() const { return pos_ >= in_.size(); }
  char peek() const { return done() ? '\0' : in_[pos_]; }
  void skip_sp() {
    while (peek() == ' ') ++pos_;
  }
  void skip_ows() {
    while (peek() == ' ' || peek() == '\t') ++pos_;
  }
  static bool lcalpha(char c) { return c >= 'a' && c <= 'z'; }
  static bool digit(char c) { return c >= '0' && c <= '9'; }

  std::optional<std::string> parse_key() {
    char c = peek();
    if (!lcalpha(c) && c != '*') return std::nullopt;
    std::size_t start = pos_;
    while (!done()) {
      c = peek();
      if (!lcalpha(c) && !digit(c) && c != '_' && c != '-' && c != '.' && c != '*') break;
      ++pos_;
    }
    return std::string(in_.substr(start, pos_ - start));
  }

  bool parse_params(std::vector<Param>& params) {
    while (peek() == ';') {
      ++pos_;
      skip_sp();
      auto key = parse_key();
      if (!key) return false;
      Param p{std::move(*key), Bare{}};
      if (peek() == '=') {
        ++pos_;
        auto value = parse_bare();
        if (!value) return false;
        p.value = std::move(*value);
      }
      auto same = std::find_if(params.begin(), params.end(),
                               [&](const Param& o) { return o.key == p.key; });
      if (same != params.end()) params.erase(same);
      params.push_back(std::move(p));
    }
    return true;
  }

  bool parse_inner_list(Member& m) {
    ++pos_;  // '('
    while (true) {
      skip_sp();
      if (peek() == ')') {
        ++pos_;
        return parse_params(m.params);
      }
      auto item = parse_bare();
      if (!item) return false;
      std::vector<Param> item_params;
      if (!parse_params(item_params)) return false;
      m.items.push_back(std::move(*item));
      m.item_has_params.push_back(!item_params.empty());
      if (peek() != ' ' && peek() != ')') return false;
    }
  }

  std::optional<Bare> parse_bare() {
    char c = peek();
    Bare b;
    if (c == '-' || digit(c)) {
      bool negative = c == '-';
      if (negative) ++pos_;
      std::size_t start = pos_;
      while (digit(peek())) ++pos_;
      std::size_t n = pos_ - start;
      if (n == 0 || n > 15 || peek() == '.') return std::nullopt;  // decimals are not used here
      b.type = Bare::Type::integer;
      for (char d : in_.substr(start, n)) b.integer = b.integer * 10 + (d - '0');
      if (negative) b.integer = -b.integer;
      return b;
    }
    if (c == '"') {
      ++pos_;
      b.type = Bare::Type::string;
      while (true) {
        if (done()) return std::nullopt;
        char ch = in_[pos_++];
        if (ch == '\\') {
          if (done()) return std::nullopt;
          char esc = in_[pos_++];
          if (esc != '"' && esc != '\\') return std::nullopt;
          b.text.push_back(esc);
        } else if (ch == '"') {
          return b;
        } else if (ch < 0x20 || ch > 0x7e) {
          return std::nullopt;
        } else {
          b.text.push_back(ch);
        }
      }
    }
    if (c == ':') {
      ++pos_;
      std::size_t end = in_.find(':', pos_);
      if (end == std::string_view::npos) return std::nullopt;
      auto bytes = base64_decode(in_.substr(pos_, end - pos_));
      if (!bytes) return std::nullopt;
      pos_ = end + 1;
      b.type = Bare::Type::bytes;
      b.bytes = std::move(*bytes);
      return b;
    }
    if (c == '?') {
      ++pos_;
      char v = peek();
      if (v != '0' && v != '1') return std::nullopt;
      ++pos_;
      b.type = Bare::Type::boolean;
      b.flag = v == '1';
      return b;
    }
    if ((c >= 'A' && c <= 'Z') || lcalpha(c) || c == '*') {
      std::size_t start = pos_;
      static constexpr std::string_view kTchar = "!#$%&'*+-.^_`|~:/";
      while (!done()) {
        char t = peek();
        if (!(std::isalnum(static_cast<unsigned char>(t)) ||
              kTchar.find(t) != std::string_view::npos)) {
          break;
        }
        ++pos_;
      }
      b.type = Bare::Type::token;
      b.text = std::string(in_.substr(start, pos_ - start));
      return b;
    }
    return std::nullopt;
  }

  std::string_view in_;
  std::size_t pos_ = 0;
};

std::string serialize_string(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

std::string serialize_bare(const Bare& b) {
  switch (b.type) {
    case Bare::Type::integer:
      return std::to_string(b.integer);
    case Bare::Type::string:
      return serialize_string(b.text);
    case Bare::Type::token:
      return b.text;
    case Bare::Type::bytes:
      return ":" + base64_encode(b.bytes) + ":";
    case Bare::Type::boolean:
      return b.flag ? "?1" : "?0";
  }
  return {};
}

Error malformed(std::string detail) { return make_error(kSignatureMalformed, std::move(detail)); }

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

bool SignatureParams::covers(std::string_view component) const {
  return std::find(components.begin(), components.end(), component) != components.end();
}

Result<ParsedSignature> parse_signature(std::string_view signature_input,
                                        std::string_view signature) {
  auto inputs = Parser(signature_input).dictionary();
  if (!inputs) return malformed("Signature-Input is not an RFC 8941 dictionary");
  auto signatures = Parser(signature).dictionary();
  if (!signatures) return malformed("Signature is not an RFC 8941 dictionary");
  for (const auto& input : *inputs) {
    auto sig = std::find_if(signatures->begin(), signatures->end(),
                            [&](const Member& s) { return s.key == input.key; });
    if (sig == signatures->end()) continue;
    if (!input.inner_list)
      return malformed("Signature-Input " + input.key + " is not an inner list");
    if (sig->inner_list || sig->item.type != Bare::Type::bytes) {
      return malformed("Signature " + input.key + " is not a byte sequence");
    }
    ParsedSignature out;
    out.label = input.key;
    out.signature = sig->item.bytes;
    SignatureParams& p = out.params;
    std::string serialized = "(";
    for (std::size_t i = 0; i < input.items.size(); ++i) {
      const Bare& item = input.items[i];
      if (item.type != Bare::Type::string) return malformed("a covered component is not a string");
      if (input.item_has_params[i]) {
        return malformed("component parameters (" + item.text + ";...) are not supported");
      }
      if (p.covers(item.text)) return malformed("component " + item.text + " is covered twice");
      p.components.push_back(item.text);
      if (i > 0) serialized.push_back(' ');
      serialized += serialize_string(item.text);
    }
    serialized.push_back(')');
    for (const auto& param : input.params) {
      serialized += ";" + param.key;
      if (!(param.value.type == Bare::Type::boolean && param.value.flag)) {
        serialized += "=" + serialize_bare(param.value);
      }
      auto want = [&](Bare::Type type) -> Result<void> {
        if (param.value.type != type)
          return malformed("parameter " + param.key + " has the wrong type");
        return {};
      };
      if (param.key == "created" || param.key == "expires") {
        PADDOCK_TRY(want(Bare::Type::integer));
        (param.key == "created" ? p.created : p.expires) = param.value.integer;
      } else if (param.key == "nonce" || param.key == "keyid" || param.key == "alg" ||
                 param.key == "tag") {
        PADDOCK_TRY(want(Bare::Type::string));
        auto& slot = param.key == "nonce"   ? p.nonce
                     : param.key == "keyid" ? p.keyid
                     : param.key == "alg"   ? p.alg
                                            : p.tag;
        slot = param.value.text;
      }
      // Unknown parameters are signed over (they are in `serialized`) and otherwise ignored.
    }
    p.serialized = std::move(serialized);
    return out;
  }
  return malformed("no label appears in both Signature-Input and Signature");
}

Result<std::string> signature_base(const SignedRequest& r, const SignatureParams& params) {
  std::string base;
  for (const auto& c : params.components) {
    std::string value;
    if (c == "@method") {
      value = r.method;
    } else if (c == "@target-uri") {
      value = std::string(r.scheme) + "://" + lower(r.authority) + std::string(r.path);
      if (!r.query.empty()) value += "?" + std::string(r.query);
    } else if (c == "@authority") {
      value = lower(r.authority);
    } else if (c == "@scheme") {
      value = lower(r.scheme);
    } else if (c == "@request-target") {
      value = std::string(r.path);
      if (!r.query.empty()) value += "?" + std::string(r.query);
    } else if (c == "@path") {
      value = r.path.empty() ? "/" : std::string(r.path);
    } else if (c == "@query") {
      value = "?" + std::string(r.query);
    } else if (!c.empty() && c[0] == '@') {
      return make_error(kSignatureIncomplete, "component " + c + " is not supported");
    } else {
      if (c != lower(c)) return malformed("header component " + c + " is not lower case");
      auto field = r.header ? r.header(c) : std::nullopt;
      if (!field) return make_error(kSignatureIncomplete, "covered header " + c + " is missing");
      value = std::move(*field);
    }
    base += serialize_string(c) + ": " + value + "\n";
  }
  base += "\"@signature-params\": " + params.serialized;
  return base;
}

std::string content_digest(std::string_view body) {
  std::uint8_t hash[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(hash, reinterpret_cast<const unsigned char*>(body.data()), body.size());
  return "sha-256=:" + base64_encode(hash) + ":";
}

Result<void> check_content_digest(std::string_view field, std::string_view body) {
  auto members = Parser(field).dictionary();
  if (!members) return malformed("Content-Digest is not an RFC 8941 dictionary");
  auto sha = std::find_if(members->begin(), members->end(),
                          [](const Member& m) { return m.key == "sha-256"; });
  if (sha == members->end() || sha->inner_list || sha->item.type != Bare::Type::bytes) {
    return malformed("Content-Digest has no sha-256 byte sequence");
  }
  std::uint8_t hash[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(hash, reinterpret_cast<const unsigned char*>(body.data()), body.size());
  if (sha->item.bytes.size() != sizeof hash ||
      sodium_memcmp(sha->item.bytes.data(), hash, sizeof hash) != 0) {
    return make_error(kDigestMismatch, "the body's SHA-256 differs from Content-Digest");
  }
  return {};
}

bool verify_hmac_sha256(std::span<const std::uint8_t> key, std::string_view base,
                        std::span<const std::uint8_t> signature) {
  if (signature.size() != crypto_auth_hmacsha256_BYTES) return false;
  // libsodium's fixed-size key API would hash longer keys differently from RFC 2104; the
  // streaming one follows RFC 2104 for any key length.
  crypto_auth_hmacsha256_state state;
  crypto_auth_hmacsha256_init(&state, key.data(), key.size());
  crypto_auth_hmacsha256_update(&state, reinterpret_cast<const unsigned char*>(base.data()),
                                base.size());
  std::uint8_t mac[crypto_auth_hmacsha256_BYTES];
  crypto_auth_hmacsha256_final(&state, mac);
  return sodium_memcmp(mac, signature.data(), sizeof mac) == 0;
}

bool verify_ed25519(std::span<const std::uint8_t> public_key, std::string_view base,
                    std::span<const std::uint8_t> signature) {
  if (public_key.size() != crypto_sign_PUBLICKEYBYTES || signature.size() != crypto_sign_BYTES) {
    return false;
  }
  return crypto_sign_verify_detached(signature.data(),
                                     reinterpret_cast<const unsigned char*>(base.data()),
                                     base.size(), public_key.data()) == 0;
}

std::optional<Bytes> base64_decode(std::string_view text) {
  Bytes out(text.size() * 3 / 4 + 3);
  std::size_t len = 0;
  const char* end = nullptr;
  if (sodium_base642bin(out.data(), out.size(), text.data(), text.size(), nullptr, &len, &end,
                        sodium_base64_VARIANT_ORIGINAL) != 0 ||
      end != text.data() + text.size()) {
    return std::nullopt;
  }
  out.resize(len);
  return out;
}

std::string base64_encode(std::span<const std::uint8_t> bytes) {
  std::string out(sodium_base64_ENCODED_LEN(bytes.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(out.data(), out.size(), bytes.data(), bytes.size(),
                    sodium_base64_VARIANT_ORIGINAL);
  out.resize(std::char_traits<char>::length(out.c_str()));
  return out;
}

}  // namespace paddock::publishers
