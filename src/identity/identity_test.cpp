#include <gtest/gtest.h>

#include <future>
#include <thread>

#include "core/encoding.hpp"
#include "core/post_queue_for_tests.hpp"
#include "identity/errors.hpp"
#include "identity/identity_service.hpp"
#include "identity/login_limiter.hpp"
#include "identity/passwords.hpp"
#include "identity/tokens.hpp"

namespace paddock::identity {
namespace {

TEST(Username, NormalizationRules) {
  struct Row { const char* name; const char* input; const char* expect; };  // expect null: error
  for (Row row : {Row{"plain", "ada", "ada"}, Row{"upper is folded", "Ada.Lovelace", "ada.lovelace"},
                  Row{"digits dash underscore", "a-b_9", "a-b_9"}, Row{"too short", "ab", nullptr},
                  Row{"too long", "abcdefghijklmnopqrstuvwxyz0123456", nullptr},
                  Row{"space", "ada l", nullptr}, Row{"slash", "a/b", nullptr},
                  Row{"non-ascii", "adé", nullptr}}) {
    auto r = normalize_username(row.input);
    if (row.expect) {
      ASSERT_TRUE(r.ok()) << row.name;
      EXPECT_EQ(*r, row.expect) << row.name;
    } else {
      ASSERT_FALSE(r.ok()) << row.name;
      EXPECT_EQ(r.error().field, "username") << row.name;
    }
  }
}

TEST(Password, LengthRules) {
  EXPECT_EQ(check_password("short").error().code, kPasswordTooShort);
  EXPECT_TRUE(check_password("long enough pass").ok());
  // Ten code points written in multi-byte UTF-8 count as ten, not as thirty bytes.
  EXPECT_TRUE(check_password("ééééééééé\xc3\xa9").ok());
  EXPECT_EQ(check_password("ééééé").error().code, kPasswordTooShort);
  EXPECT_EQ(check_password(std::string(1025, 'x')).error().code, Errc::invalid_field);
}

TEST(DisplayName, Rules) {
  EXPECT_TRUE(normalize_display_name("Ada Lovelace").ok());
  EXPECT_TRUE(normalize_display_name("粤语 名字").ok());
  EXPECT_FALSE(normalize_display_name("").ok());
  EXPECT_FALSE(normalize_display_name("tab\there").ok());
  EXPECT_FALSE(normalize_display_name(std::string(65, 'x')).ok());
}

TEST(Tokens, AreOpaqueAndOnlyTheirHashIsKept) {
  ASSERT_TRUE(init_crypto());
  auto a = issue_token();
  auto b = issue_token();
  EXPECT_NE(a.token, b.token);
  EXPECT_TRUE(looks_like_token(a.token));
  EXPECT_EQ(a.hash, hash_token(a.token));
  EXPECT_EQ(a.hash.size(), 64u);
  EXPECT_EQ(a.hash.find(a.token), std::string::npos);
  EXPECT_FALSE(looks_like_token("pdk_short"));
  EXPECT_FALSE(looks_like_token(std::string("xyz_") + std::string(43, 'a')));
}

TEST(Tokens, BearerHeaderParsing) {
  EXPECT_EQ(bearer_token("Bearer abc"), "abc");
  EXPECT_EQ(bearer_token("bearer   abc "), "abc");
  EXPECT_EQ(bearer_token("Basic abc"), "");
  EXPECT_EQ(bearer_token("Bearer"), "");
}

TEST(LoginLimiter, LimitsPerUserAndForgivesOnSuccess) {
  LoginLimiter limiter({3, 100, 60});
  UnixMillis t = 1'000'000;
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(limiter.retry_after("ada", "1.2.3.4", t), 0);
    limiter.record_failure("ada", "1.2.3.4", t);
  }
  int wait = limiter.retry_after("ada", "1.2.3.4", t + 1000);
  EXPECT_GT(wait, 0);
  EXPECT_LE(wait, 60);
  EXPECT_EQ(limiter.retry_after("bob", "1.2.3.4", t), 0) << "other users are unaffected";
  EXPECT_EQ(limiter.retry_after("ada", "1.2.3.4", t + 61'000), 0) << "the window slides";
  limiter.record_failure("ada", "1.2.3.4", t + 61'000);
  limiter.record_success("ada");
  EXPECT_EQ(limiter.retry_after("ada", "1.2.3.4", t + 62'000), 0);
}

TEST(LoginLimiter, LimitsPerAddressAcrossUsernames) {
  LoginLimiter limiter({100, 2, 60});
  limiter.record_failure("a1", "9.9.9.9", 0);
  limiter.record_failure("a2", "9.9.9.9", 0);
  EXPECT_GT(limiter.retry_after("a3", "9.9.9.9", 10), 0);
  EXPECT_EQ(limiter.retry_after("a3", "8.8.8.8", 10), 0);
}

TEST(PasswordHasher, HashesWithArgon2idAndVerifiesOffThread) {
  ASSERT_TRUE(init_crypto());
  WorkPool pool(1, "hash");
  PasswordHasher hasher(HashStrength::min, pool);
  std::promise<Result<std::string>> hashed;
  hasher.hash("correct horse battery", [&](Result<std::string> r) { hashed.set_value(r); });
  auto hash = hashed.get_future().get();
  ASSERT_TRUE(hash.ok());
  EXPECT_EQ(hash->rfind("$argon2id$", 0), 0u);
  EXPECT_TRUE(PasswordHasher::verify_now(*hash, "correct horse battery"));
  EXPECT_FALSE(PasswordHasher::verify_now(*hash, "wrong horse battery"));

  std::promise<bool> unknown;
  hasher.verify(std::nullopt, "anything at all",
                [&](Result<bool> r) { unknown.set_value(r.ok() && r.value()); });
  EXPECT_FALSE(unknown.get_future().get());
}

TEST(PasswordHasher, CompletionsComeBackToTheCallingThread) {
  ASSERT_TRUE(init_crypto());
  WorkPool pool(1, "hash");
  PasswordHasher hasher(HashStrength::min, pool);
  PostQueueForTests queue;  // this thread's event loop, as an I/O thread has one
  std::thread::id hashed_on, verified_on;
  bool verified = false;
  hasher.hash("correct horse battery", [&](Result<std::string> r) {
    EXPECT_TRUE(r.ok());
    hashed_on = std::this_thread::get_id();
    hasher.verify(r.value(), "correct horse battery", [&](Result<bool> v) {
      verified = v.ok() && v.value();
      verified_on = std::this_thread::get_id();
    });
  });
  ASSERT_TRUE(queue.run_one());
  EXPECT_EQ(hashed_on, std::this_thread::get_id());
  ASSERT_TRUE(queue.run_one());
  EXPECT_EQ(verified_on, std::this_thread::get_id());
  EXPECT_TRUE(verified);
}

}  // namespace
}  // namespace paddock::identity
