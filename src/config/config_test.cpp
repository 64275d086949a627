#include "config/config.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace paddock::config {
namespace {

class ConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    unsetenv("PADDOCK_LISTEN");
    unsetenv("PADDOCK_MAX_BODY_BYTES");
    unsetenv("PADDOCK_CONFIG");
    file_ = std::filesystem::temp_directory_path() /
            ("paddock-config-" + std::to_string(::getpid()) + ".toml");
  }
  void TearDown() override {
    unsetenv("PADDOCK_LISTEN");
    std::filesystem::remove(file_);
  }
  void write(const std::string& text) { std::ofstream(file_) << text; }
  std::filesystem::path file_;
};

TEST_F(ConfigTest, DefaultsAreUsable) {
  auto c = load("", {});
  ASSERT_TRUE(c.ok()) << c.error().detail;
  EXPECT_EQ(c->listen, "127.0.0.1:8080");
  EXPECT_EQ(c->limits.max_body_bytes, 1u << 20);
}

TEST_F(ConfigTest, FlagBeatsEnvironmentBeatsFileBeatsDefault) {
  write("listen = \"127.0.0.1:1111\"\n[limits]\nmax_body_bytes = 2048\n");
  auto from_file = load(file_.string(), {});
  ASSERT_TRUE(from_file.ok());
  EXPECT_EQ(from_file->listen, "127.0.0.1:1111");
  EXPECT_EQ(from_file->limits.max_body_bytes, 2048u);

  setenv("PADDOCK_LISTEN", "127.0.0.1:2222", 1);
  auto from_env = load(file_.string(), {});
  ASSERT_TRUE(from_env.ok());
  EXPECT_EQ(from_env->listen, "127.0.0.1:2222");

  auto from_flag = load(file_.string(), {{"LISTEN", "127.0.0.1:3333"}});
  ASSERT_TRUE(from_flag.ok());
  EXPECT_EQ(from_flag->listen, "127.0.0.1:3333");
  EXPECT_EQ(from_flag->limits.max_body_bytes, 2048u);
}

TEST_F(ConfigTest, RejectsUnusableValuesNamingTheSetting) {
  setenv("PADDOCK_MAX_BODY_BYTES", "lots", 1);
  auto c = load("", {});
  unsetenv("PADDOCK_MAX_BODY_BYTES");
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().field, "PADDOCK_MAX_BODY_BYTES");

  auto bad_format = load("", {{"LOG_FORMAT", "xml"}});
  ASSERT_FALSE(bad_format.ok());
  EXPECT_EQ(bad_format.error().field, "log_format");
}

TEST_F(ConfigTest, TheDatabaseIsSqliteByDefaultOrAPostgresqlUri) {
  auto defaults = load("", {});
  ASSERT_TRUE(defaults.ok());
  EXPECT_EQ(defaults->database, "") << "empty: SQLite in data_dir";
  write("database = \"postgresql://paddock@db.internal/paddock\"\n");
  auto from_file = load(file_.string(), {});
  ASSERT_TRUE(from_file.ok()) << from_file.error().detail;
  EXPECT_EQ(from_file->database, "postgresql://paddock@db.internal/paddock");
  auto wrong = load("", {{"DATABASE", "mysql://somewhere"}});
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.error().field, "database");
}

TEST_F(ConfigTest, ReportsBrokenTomlFile) {
  write("listen = \n");
  auto c = load(file_.string(), {});
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.error().detail.find(file_.string()), std::string::npos);
}

TEST_F(ConfigTest, ConnectionLimitsAndTrustedProxiesFromEachSource) {
  unsetenv("PADDOCK_TRUSTED_PROXIES");
  unsetenv("PADDOCK_MAX_CONNECTIONS_PER_ADDRESS");
  unsetenv("PADDOCK_FIRST_BYTE_TIMEOUT_SECONDS");
  auto defaults = load("", {});
  ASSERT_TRUE(defaults.ok());
  EXPECT_EQ(defaults->limits.max_connections_per_address, 256);
  EXPECT_EQ(defaults->limits.first_byte_timeout_seconds, 10);
  EXPECT_TRUE(defaults->trusted_proxies.empty()) << "no peer is trusted unless configured";

  write(
      "trusted_proxies = [\"10.0.0.0/8\", \"::1\"]\n"
      "[limits]\nmax_connections_per_address = 7\nfirst_byte_timeout_seconds = 3\n");
  auto from_file = load(file_.string(), {});
  ASSERT_TRUE(from_file.ok()) << from_file.error().detail;
  EXPECT_EQ(from_file->limits.max_connections_per_address, 7);
  EXPECT_EQ(from_file->limits.first_byte_timeout_seconds, 3);
  ASSERT_EQ(from_file->trusted_proxies.size(), 2u);

  setenv("PADDOCK_TRUSTED_PROXIES", "192.0.2.1, 2001:db8::/32,", 1);
  auto from_env = load(file_.string(), {});
  unsetenv("PADDOCK_TRUSTED_PROXIES");
  ASSERT_TRUE(from_env.ok()) << from_env.error().detail;
  ASSERT_EQ(from_env->trusted_proxies.size(), 2u);
  EXPECT_EQ(from_env->trusted_proxies[1].prefix_bits, 32);

  auto from_flag = load(file_.string(),
                        {{"TRUSTED_PROXIES", "127.0.0.1"}, {"MAX_CONNECTIONS_PER_ADDRESS", "2"}});
  ASSERT_TRUE(from_flag.ok());
  ASSERT_EQ(from_flag->trusted_proxies.size(), 1u);
  EXPECT_EQ(from_flag->trusted_proxies[0].prefix_bits, 128);
  EXPECT_EQ(from_flag->limits.max_connections_per_address, 2);

  auto garbage = load("", {{"TRUSTED_PROXIES", "10.0.0.0/8,proxy.example"}});
  ASSERT_FALSE(garbage.ok());
  EXPECT_EQ(garbage.error().field, "trusted_proxies");
  auto zero = load("", {{"MAX_CONNECTIONS_PER_ADDRESS", "0"}});
  ASSERT_FALSE(zero.ok());
  EXPECT_EQ(zero.error().field, "limits.max_connections_per_address");
  auto no_wait = load("", {{"FIRST_BYTE_TIMEOUT_SECONDS", "0"}});
  ASSERT_FALSE(no_wait.ok());
  EXPECT_EQ(no_wait.error().field, "limits.first_byte_timeout_seconds");
}

std::array<std::uint8_t, 16> v4(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d) {
  return {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF, a, b, c, d};
}

TEST(AddressRangeTest, ParsesAndMatchesOneRowPerCase) {
  const std::array<std::uint8_t, 16> v6_doc = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0,
                                               0,    0,    0,    0,    0, 0, 0, 1};
  const std::array<std::uint8_t, 16> v6_other = {0x20, 0x01, 0x0d, 0xb9, 0, 0, 0, 0,
                                                 0,    0,    0,    0,    0, 0, 0, 1};
  struct Row {
    const char* name;
    const char* text;
    std::array<std::uint8_t, 16> address;
    bool contains;
  };
  const Row rows[] = {
      {"single v4 matches itself", "127.0.0.1", v4(127, 0, 0, 1), true},
      {"single v4 is not its neighbour", "127.0.0.1", v4(127, 0, 0, 2), false},
      {"v4 /8", "10.0.0.0/8", v4(10, 200, 3, 4), true},
      {"v4 /8 outside", "10.0.0.0/8", v4(11, 0, 0, 1), false},
      {"v4 /0 is every IPv4 address", "0.0.0.0/0", v4(8, 8, 8, 8), true},
      {"v4 /0 is not IPv6", "0.0.0.0/0", v6_doc, false},
      {"host bits are ignored", "192.168.1.77/24", v4(192, 168, 1, 3), true},
      {"v4 /31 odd bit", "192.168.1.2/31", v4(192, 168, 1, 3), true},
      {"v4 /31 outside", "192.168.1.2/31", v4(192, 168, 1, 4), false},
      {"v6 /32", "2001:db8::/32", v6_doc, true},
      {"v6 /32 outside", "2001:db8::/32", v6_other, false},
      {"v6 single", "2001:db8::1", v6_doc, true},
      {"v4-mapped v6 text matches v4", "::ffff:127.0.0.1", v4(127, 0, 0, 1), true},
  };
  for (const auto& row : rows) {
    auto range = parse_address_range(row.text);
    ASSERT_TRUE(range.ok()) << row.name;
    EXPECT_EQ(range->contains(row.address), row.contains) << row.name;
  }
  for (const char* bad : {"", "localhost", "10.0.0.0/33", "2001:db8::/129", "10.0.0.0/", "10.0.0/8",
                          "10.0.0.0/-1", "10.0.0.0/8x", "1.2.3.4.5"}) {
    EXPECT_FALSE(parse_address_range(bad).ok()) << bad;
  }
}

}  // namespace
}  // namespace paddock::config
