// The key policy loader: the shipped file parses, and each kind of mistake is refused with an
// error naming the file, the table and the key. One row per error.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include <unistd.h>

#include "keys/policy_file.hpp"

namespace paddock::keys {
namespace {

// A minimal valid policy; rows below replace one line of it.
const std::string kValid = R"(
[tasks.borrow]
rights = ["unlock", "drive"]
[tasks.delivery]
rights = ["open_trunk", "lock"]
max_uses = 1
max_duration_minutes = 120
[tasks.valet]
rights = ["unlock"]
verification = ["code"]
[tasks.service]
rights = []
[tasks.custom]
rights = ["reshare"]
[relationships.none]
rights = ["lock"]
[relationships.family]
rights = ["drive"]
[relationships.friend]
rights = ["drive"]
[relationships.colleague]
rights = ["drive"]
[relationships.service_provider]
rights = ["drive"]
max_speed_kmh = 80
)";

std::string replaced(const std::string& from, const std::string& to) {
  std::string text = kValid;
  auto at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) text.replace(at, from.size(), to);
  return text;
}

TEST(KeyPolicyFile, TheShippedPolicyParses) {
  auto p = default_key_policy();
  ASSERT_TRUE(p.ok()) << p.error().detail;
  EXPECT_EQ(action_names(p->task(Task::delivery).rights.actions),
            (std::vector<std::string>{"lock", "open_trunk"}));
  EXPECT_EQ(p->task(Task::delivery).rights.max_uses, 1);
}

TEST(KeyPolicyFile, AValidFileIsReadAsWritten) {
  auto p = parse_key_policy(kValid, "p.toml");
  ASSERT_TRUE(p.ok()) << p.error().detail;
  EXPECT_EQ(p->task(Task::delivery).rights.max_duration_minutes, 120);
  EXPECT_EQ(p->task(Task::valet).verification, std::vector<std::string>{"code"});
  EXPECT_TRUE(p->task(Task::service).rights.actions.empty());
  EXPECT_EQ(p->relationship(Relationship::service_provider).max_speed_kmh, 80);
  EXPECT_FALSE(p->relationship(Relationship::family).max_speed_kmh.has_value());
}

TEST(KeyPolicyFile, MistakesAreRefusedNamingFileTableAndKey) {
  struct Row {
    const char* name;
    std::string text;
    std::string message;
  };
  const Row rows[] = {
      {"unknown right", replaced(R"(rights = ["unlock", "drive"])", R"(rights = ["fly"])"),
       "p.toml: [tasks.borrow] rights: unknown right 'fly'"},
      {"right not a string", replaced(R"(rights = ["unlock", "drive"])", "rights = [1]"),
       "p.toml: [tasks.borrow] rights: must hold strings"},
      {"unknown task", kValid + "[tasks.joyride]\nrights = []\n",
       "p.toml: [tasks.joyride] unknown task"},
      {"unknown relationship", kValid + "[relationships.neighbour]\nrights = []\n",
       "p.toml: [relationships.neighbour] unknown relationship"},
      {"negative limit", replaced("max_uses = 1", "max_uses = -1"),
       "p.toml: [tasks.delivery] max_uses: must be at least 1, got -1"},
      {"zero limit", replaced("max_speed_kmh = 80", "max_speed_kmh = 0"),
       "p.toml: [relationships.service_provider] max_speed_kmh: must be at least 1, got 0"},
      {"limit not an integer", replaced("max_duration_minutes = 120", "max_duration_minutes = \"2h\""),
       "p.toml: [tasks.delivery] max_duration_minutes: must be an integer"},
      {"unknown key", replaced("max_uses = 1", "max_usez = 1"),
       "p.toml: [tasks.delivery] max_usez: unknown key"},
      {"verification on a relationship", replaced("max_speed_kmh = 80", "verification = []"),
       "p.toml: [relationships.service_provider] verification: unknown key"},
      {"unknown verification step", replaced(R"(verification = ["code"])",
                                             R"(verification = ["retina"])"),
       "p.toml: [tasks.valet] verification: unknown step"},
      {"missing rights", replaced("rights = []\n[tasks.custom]", "[tasks.custom]"),
       "p.toml: [tasks.service] rights: missing"},
      {"missing task table", replaced("[tasks.custom]\nrights = [\"reshare\"]\n", ""),
       "p.toml: [tasks.custom] missing table"},
      {"missing relationship table", replaced("[relationships.none]\nrights = [\"lock\"]\n", ""),
       "p.toml: [relationships.none] missing table"},
      {"missing relationships section", "[tasks.borrow]\nrights = []\n" +
                                            kValid.substr(kValid.find("[tasks.delivery]"),
                                                          kValid.find("[relationships.none]") -
                                                              kValid.find("[tasks.delivery]")),
       "p.toml: [relationships] missing section"},
      {"missing tasks section", kValid.substr(kValid.find("[relationships.none]")),
       "p.toml: [tasks] missing section"},
      {"unknown section", kValid + "[owners]\nx = 1\n", "p.toml: [owners] unknown section"},
      {"a task that is not a table", "[tasks]\nborrow = 3\n",
       "p.toml: [tasks.borrow] must be a table"},
      {"not TOML", "[tasks.borrow\n", "p.toml: not valid TOML at line 1"},
  };
  for (const auto& row : rows) {
    SCOPED_TRACE(row.name);
    auto p = parse_key_policy(row.text, "p.toml");
    ASSERT_FALSE(p.ok());
    EXPECT_EQ(p.error().code, Errc::invalid_field);
    EXPECT_EQ(p.error().detail.rfind(row.message, 0), 0u) << p.error().detail;
  }
}

TEST(KeyPolicyFile, LoadNamesAMissingFile) {
  auto p = load_key_policy("/nonexistent/key-policy.toml");
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.error().detail, "/nonexistent/key-policy.toml: cannot read the key policy file");
}

TEST(KeyPolicyFile, LoadReadsAFile) {
  auto path = std::filesystem::temp_directory_path() /
              ("paddock-key-policy-" + std::to_string(::getpid()) + ".toml");
  std::ofstream(path) << replaced("max_uses = 1", "max_uses = 3");
  auto p = load_key_policy(path.string());
  std::filesystem::remove(path);
  ASSERT_TRUE(p.ok()) << p.error().detail;
  EXPECT_EQ(p->task(Task::delivery).rights.max_uses, 3);
}

}  // namespace
}  // namespace paddock::keys
