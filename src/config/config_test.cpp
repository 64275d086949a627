#include "config/config.hpp"

#include <gtest/gtest.h>

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

TEST_F(ConfigTest, ReportsBrokenTomlFile) {
  write("listen = \n");
  auto c = load(file_.string(), {});
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.error().detail.find(file_.string()), std::string::npos);
}

}  // namespace
}  // namespace paddock::config
