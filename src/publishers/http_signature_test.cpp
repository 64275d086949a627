// RFC 9421 verification: parsing, the signature base, Content-Digest, and both algorithms,
// checked against the RFC's own test vectors (Appendix B.2.5 hmac-sha256, B.2.6 ed25519).
#include "publishers/http_signature.hpp"

#include <gtest/gtest.h>
#include <sodium.h>

#include <map>

#include "publishers/errors.hpp"

namespace paddock::publishers {
namespace {

// RFC 9421 Appendix B.2: POST /foo?param=Value&Pet=dog on example.com.
SignedRequest rfc_request(const std::map<std::string, std::string>* headers) {
  SignedRequest r;
  r.method = "POST";
  r.scheme = "https";
  r.authority = "example.com";
  r.path = "/foo";
  r.query = "param=Value&Pet=dog";
  r.header = [headers](std::string_view name) -> std::optional<std::string> {
    auto it = headers->find(std::string(name));
    if (it == headers->end()) return std::nullopt;
    return it->second;
  };
  return r;
}

const std::map<std::string, std::string> kRfcHeaders = {
    {"date", "Tue, 20 Apr 2021 02:07:55 GMT"},
    {"content-type", "application/json"},
    {"content-digest",
     "sha-512=:WZDPaVn/"
     "7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:"},
    {"content-length", "18"},
};

TEST(HttpSignature, RfcB25HmacSha256Verifies) {
  auto parsed = parse_signature(
      R"(sig-b25=("date" "@authority" "content-type");created=1618884473;keyid="test-shared-secret")",
      "sig-b25=:pxcQw6G3AjtMBQjwo8XzkZf/bws5LelbaMk5rGIGtE8=:");
  ASSERT_TRUE(parsed.ok()) << parsed.error().detail;
  EXPECT_EQ(parsed->label, "sig-b25");
  EXPECT_EQ(parsed->params.keyid, "test-shared-secret");
  EXPECT_EQ(parsed->params.created, 1618884473);
  auto base = signature_base(rfc_request(&kRfcHeaders), parsed->params);
  ASSERT_TRUE(base.ok());
  EXPECT_EQ(*base,
            "\"date\": Tue, 20 Apr 2021 02:07:55 GMT\n"
            "\"@authority\": example.com\n"
            "\"content-type\": application/json\n"
            "\"@signature-params\": (\"date\" \"@authority\" \"content-type\")"
            ";created=1618884473;keyid=\"test-shared-secret\"");
  auto key = base64_decode(
      "uzvJfB4u3N0Jy4T7NZ75MDVcr8zSTInedJtkgcu46YW4XByzNJjxBdtjUkdJPBtbmHhIDi6pcl8jsasjlTMtDQ==");
  ASSERT_TRUE(key);
  EXPECT_TRUE(verify_hmac_sha256(*key, *base, parsed->signature));
  Bytes wrong = *key;
  wrong[0] ^= 1;
  EXPECT_FALSE(verify_hmac_sha256(wrong, *base, parsed->signature));
}

TEST(HttpSignature, RfcB26Ed25519Verifies) {
  // The RFC's test-key-ed25519 private key (PKCS#8); its last 32 bytes are the seed.
  auto der = base64_decode("MC4CAQAwBQYDK2VwBCIEIJ+DYvh6SEqVTm50DFtMDoQikTmiCqirVv9mWG9qfSnF");
  ASSERT_TRUE(der && der->size() == 48);
  std::uint8_t pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES];
  crypto_sign_seed_keypair(pk, sk, der->data() + 16);
  // The public key as the RFC publishes it (Appendix B.1.4, JWK "x").
  EXPECT_EQ(base64url_encode(pk), "JrQLj5P_89iXES9-vFgrIy29clF9CC_oPPsw3c5D0bs");
  auto parsed = parse_signature(
      R"(sig-b26=("date" "@method" "@path" "@authority" "content-type" "content-length");created=1618884473;keyid="test-key-ed25519")",
      "sig-b26=:"
      "wqcAqbmYJ2ji2glfAMaRy4gruYYnx2nEFN2HN6jrnDnQCK1u02Gb04v9EDgwUPiu4A0w6vuQv5lIp5WPpBKRCw==:");
  ASSERT_TRUE(parsed.ok()) << parsed.error().detail;
  auto base = signature_base(rfc_request(&kRfcHeaders), parsed->params);
  ASSERT_TRUE(base.ok());
  EXPECT_TRUE(verify_ed25519(pk, *base, parsed->signature));
  // The same signature over another path does not verify.
  auto moved = rfc_request(&kRfcHeaders);
  moved.path = "/bar";
  EXPECT_FALSE(verify_ed25519(pk, *signature_base(moved, parsed->params), parsed->signature));
}

TEST(HttpSignature, DerivedComponentsOfTheTargetUri) {
  auto parsed = parse_signature(
      R"(s=("@method" "@target-uri" "@path" "@query" "@request-target" "@scheme");nonce="n1";alg="hmac-sha256")",
      "s=:AAAA:");
  ASSERT_TRUE(parsed.ok()) << parsed.error().detail;
  auto base = signature_base(rfc_request(&kRfcHeaders), parsed->params);
  ASSERT_TRUE(base.ok());
  EXPECT_EQ(*base,
            "\"@method\": POST\n"
            "\"@target-uri\": https://example.com/foo?param=Value&Pet=dog\n"
            "\"@path\": /foo\n"
            "\"@query\": ?param=Value&Pet=dog\n"
            "\"@request-target\": /foo?param=Value&Pet=dog\n"
            "\"@scheme\": https\n"
            "\"@signature-params\": (\"@method\" \"@target-uri\" \"@path\" \"@query\" "
            "\"@request-target\" \"@scheme\");nonce=\"n1\";alg=\"hmac-sha256\"");
}

TEST(HttpSignature, ParsingRefusesWhatIsNotAStructuredField) {
  struct Row {
    const char* name;
    const char* input;
    const char* signature;
  };
  const Row rows[] = {
      {"not a dictionary", "sig1", "sig1=:AAAA:"},
      {"unterminated list", R"(sig1=("@method")", "sig1=:AAAA:"},
      {"component not a string", R"(sig1=(method))", "sig1=:AAAA:"},
      {"component with parameters", R"(sig1=("content-type";sf))", "sig1=:AAAA:"},
      {"created not an integer", R"(sig1=("@method");created="1")", "sig1=:AAAA:"},
      {"keyid not a string", R"(sig1=("@method");keyid=k)", "sig1=:AAAA:"},
      {"no common label", R"(sig1=("@method"))", "sig2=:AAAA:"},
      {"signature not bytes", R"(sig1=("@method"))", "sig1=\"AAAA\""},
      {"bad base64", R"(sig1=("@method"))", "sig1=:A$A:"},
      {"trailing comma", R"(sig1=("@method"),)", "sig1=:AAAA:"},
      {"duplicate component", R"(sig1=("@method" "@method"))", "sig1=:AAAA:"},
      {"uppercase key", R"(Sig1=("@method"))", "Sig1=:AAAA:"},
  };
  for (const auto& row : rows) {
    auto parsed = parse_signature(row.input, row.signature);
    ASSERT_FALSE(parsed.ok()) << row.name;
    EXPECT_EQ(parsed.error().code, kSignatureMalformed) << row.name;
  }
}

TEST(HttpSignature, SignatureParamsKeepTheSendersParameterOrder) {
  auto parsed = parse_signature(
      R"(a=("x"), sig1=( "@method"  "@path" );keyid="k\"q";created=5;alg="ed25519";nonce="z";flag, b=:AAAA:)",
      "sig1=:AAAA:");
  ASSERT_TRUE(parsed.ok()) << parsed.error().detail;
  EXPECT_EQ(parsed->params.serialized,
            R"(("@method" "@path");keyid="k\"q";created=5;alg="ed25519";nonce="z";flag)");
  EXPECT_EQ(parsed->params.keyid, "k\"q");
}

TEST(HttpSignature, MissingCoveredHeaderIsIncomplete) {
  auto parsed = parse_signature(R"(s=("x-missing"))", "s=:AAAA:");
  ASSERT_TRUE(parsed.ok());
  auto base = signature_base(rfc_request(&kRfcHeaders), parsed->params);
  ASSERT_FALSE(base.ok());
  EXPECT_EQ(base.error().code, kSignatureIncomplete);
}

TEST(HttpSignature, ContentDigestChecksTheBody) {
  // RFC 9530 Appendix B.1's sha-256 of {"hello": "world"}.
  EXPECT_EQ(content_digest("{\"hello\": \"world\"}"),
            "sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:");
  EXPECT_TRUE(check_content_digest(content_digest("abc"), "abc").ok());
  EXPECT_TRUE(check_content_digest("sha-512=:AAAA:, " + content_digest("abc"), "abc").ok());
  EXPECT_EQ(check_content_digest(content_digest("abc"), "abd").error().code, kDigestMismatch);
  EXPECT_EQ(check_content_digest("sha-512=:AAAA:", "abc").error().code, kSignatureMalformed);
  EXPECT_EQ(check_content_digest("sha-256", "abc").error().code, kSignatureMalformed);
  EXPECT_EQ(check_content_digest("sha-256=:!!:", "abc").error().code, kSignatureMalformed);
}

}  // namespace
}  // namespace paddock::publishers
