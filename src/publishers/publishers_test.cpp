// The publisher hub's pure rules: ids and their check digit, input rules, times, item ids, and
// the sealing of secrets under the server key.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <set>

#include "publishers/errors.hpp"
#include "publishers/publisher_id.hpp"
#include "publishers/push_limiter.hpp"
#include "publishers/rules.hpp"
#include "publishers/secret_sealer.hpp"

namespace paddock::publishers {
namespace {

TEST(PublisherId, MintedIdsHaveTheKindsPrefixSixteenDigitsAndAValidCheckDigit) {
  struct Row {
    const char* kind;
    const char* prefix;
  };
  const Row rows[] = {{"dealer", "DL"}, {"insurer", "IN"}, {"charging", "CH"},
                      {"repair", "RP"}, {"parking", "PK"}, {"other", "OT"}};
  std::set<std::string> seen;
  for (const auto& row : rows) {
    for (int i = 0; i < 50; ++i) {
      std::string id = mint_publisher_id(row.kind);
      ASSERT_EQ(id.size(), 18u) << id;
      EXPECT_EQ(id.substr(0, 2), row.prefix);
      EXPECT_TRUE(valid_publisher_id(id)) << id;
      seen.insert(id);
    }
  }
  EXPECT_EQ(seen.size(), 300u);
  EXPECT_FALSE(kind_prefix("bakery"));
}

TEST(PublisherId, TheCheckDigitCatchesTyposAndShapes) {
  // Luhn's own example: 7992739871 has check digit 3.
  EXPECT_EQ(luhn_check_digit("7992739871"), '3');
  std::string id = "DL" + std::string("123456789012345");
  id.push_back(luhn_check_digit(id.substr(2)));
  ASSERT_TRUE(valid_publisher_id(id));
  struct Row {
    const char* name;
    std::string text;
  };
  std::string one_digit_off = id;
  one_digit_off[5] = one_digit_off[5] == '9' ? '0' : static_cast<char>(one_digit_off[5] + 1);
  std::string swapped = id;
  std::swap(swapped[3], swapped[4]);  // '2' and '3': a transposition Luhn catches
  const Row rows[] = {
      {"one digit changed", one_digit_off},
      {"neighbours swapped", swapped},
      {"unknown prefix", "XX" + id.substr(2)},
      {"lower-case prefix", "dl" + id.substr(2)},
      {"too short", id.substr(0, 17)},
      {"too long", id + "0"},
      {"letter among digits", id.substr(0, 10) + "A" + id.substr(11)},
      {"empty", ""},
  };
  for (const auto& row : rows) EXPECT_FALSE(valid_publisher_id(row.text)) << row.name;
}

TEST(PublisherRules, Rfc3339Times) {
  struct Row {
    const char* text;
    std::optional<UnixMillis> millis;
  };
  const Row rows[] = {
      {"1970-01-01T00:00:00Z", 0},
      {"2026-11-28T12:00:00Z", 1795867200000},
      {"2026-11-28T12:00:00.25Z", 1795867200250},
      {"2026-11-28T13:00:00+01:00", 1795867200000},
      {"2026-11-28T11:30:00-00:30", 1795867200000},
      {"2026-11-28t12:00:00z", 1795867200000},
      {"2026-11-28T12:00:00", std::nullopt},
      {"2026-11-28 12:00:00Z", std::nullopt},
      {"2026-13-28T12:00:00Z", std::nullopt},
      {"2026-11-28T24:00:00Z", std::nullopt},
      {"2026-11-28T12:00:00.Z", std::nullopt},
      {"2026-11-28T12:00:00+0100", std::nullopt},
      {"2026-11-28T12:00:00Zjunk", std::nullopt},
      {"tomorrow", std::nullopt},
      {"", std::nullopt},
  };
  for (const auto& row : rows) EXPECT_EQ(parse_rfc3339(row.text), row.millis) << row.text;
}

TEST(PublisherRules, MessageIdsCategoriesAndItemIds) {
  EXPECT_TRUE(check_message_id("spring-offer_2026.v1~a").ok());
  EXPECT_FALSE(check_message_id("").ok());
  EXPECT_FALSE(check_message_id("with space").ok());
  EXPECT_FALSE(check_message_id("slash/inside").ok());
  EXPECT_FALSE(check_message_id(std::string(129, 'a')).ok());
  EXPECT_TRUE(check_message_id(std::string(128, 'a')).ok());
  EXPECT_TRUE(check_category("voucher").ok());
  auto unknown = check_category("astrology");
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().code, kUnknownCategory);
  EXPECT_EQ(unknown.error().field, "category");

  std::string pid = mint_publisher_id("dealer");
  std::string item = inbox_item_id(pid, "a-b-c");
  auto key = parse_inbox_item_id(item);
  ASSERT_TRUE(key);
  EXPECT_EQ(key->publisher_id, pid);
  EXPECT_EQ(key->message_id, "a-b-c");
  EXPECT_FALSE(parse_inbox_item_id(pid));
  EXPECT_FALSE(parse_inbox_item_id(pid + "-"));
  EXPECT_FALSE(parse_inbox_item_id("DL0000000000000001-x"));  // wrong check digit
  EXPECT_EQ(char_count("h\xc3\xa9llo"), 5u);
}

TEST(SecretSealer, SealsUnderItsKeyAndCreatesTheKeyFilePrivate) {
  auto dir =
      std::filesystem::temp_directory_path() / ("paddock-sealer-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  auto file = dir / "publisher-secrets.key";
  auto sealer = SecretSealer::open(file);
  ASSERT_TRUE(sealer.ok()) << sealer.error().detail;
  struct stat st {};
  ASSERT_EQ(::stat(file.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(st.st_size, 32);

  const std::string secret = "correct-horse";
  std::span<const std::uint8_t> bytes(reinterpret_cast<const std::uint8_t*>(secret.data()),
                                      secret.size());
  std::string sealed = sealer->seal(bytes);
  EXPECT_EQ(sealed.find(secret), std::string::npos);
  EXPECT_NE(sealer->seal(bytes), sealed);  // a fresh nonce each time
  auto opened = sealer->open_sealed(sealed);
  ASSERT_TRUE(opened);
  EXPECT_EQ(std::string(opened->begin(), opened->end()), secret);

  // The same file opens to the same key; another key opens nothing.
  auto again = SecretSealer::open(file);
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->open_sealed(sealed));
  SecretSealer other(Bytes(32, 1));
  EXPECT_FALSE(other.open_sealed(sealed));
  std::string tampered = sealed;
  tampered[tampered.size() / 2] = tampered[tampered.size() / 2] == 'A' ? 'B' : 'A';
  EXPECT_FALSE(sealer->open_sealed(tampered));
  EXPECT_FALSE(sealer->open_sealed("not base64url!"));

  std::filesystem::resize_file(file, 5);
  auto broken = SecretSealer::open(file);
  ASSERT_FALSE(broken.ok());
  EXPECT_EQ(broken.error().field, "publisher_key");
  std::filesystem::remove_all(dir);
}

TEST(PushLimiter, RateLimitRefillsAndTheDailyQuotaResetsAtMidnightUtc) {
  constexpr UnixMillis kDay = 24LL * 3600 * 1000;
  const UnixMillis noon = 20000 * kDay + kDay / 2;
  PushLimiter limiter({/*per_minute=*/3, /*daily_quota=*/5});
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(limiter.take("DL1", noon).ok()) << i;
  auto refused = limiter.take("DL1", noon);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, kPushRateLimited);
  EXPECT_EQ(refused.error().retry_after_seconds, 20);  // one token every 20 s
  EXPECT_TRUE(limiter.take("DL2", noon).ok());         // publishers are limited separately
  EXPECT_TRUE(limiter.take("DL1", noon + 20000).ok());
  EXPECT_TRUE(limiter.take("DL1", noon + 60000).ok());
  auto spent = limiter.take("DL1", noon + 120000);  // the sixth of the day
  ASSERT_FALSE(spent.ok());
  EXPECT_EQ(spent.error().code, kDailyQuotaExceeded);
  EXPECT_EQ(spent.error().retry_after_seconds, (kDay / 2 - 120000) / 1000);
  EXPECT_TRUE(limiter.take("DL1", 20001 * kDay).ok());  // a new UTC day
}

}  // namespace
}  // namespace paddock::publishers
