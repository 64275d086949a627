// The issuer keyring on real files: created private on first start, stable across restarts,
// rotation keeps old credentials verifiable until their window closes, damaged or exposed files
// refused.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "keys/issuer_keys.hpp"

namespace paddock::keys {
namespace {

namespace fs = std::filesystem;

constexpr UnixMillis kNow = 1'800'000'000'000;
constexpr UnixMillis kDay = 24LL * 3600 * 1000;

class IssuerKeysTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("paddock-issuer-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    file_ = dir_ / "issuer-keys.toml";
  }
  void TearDown() override { fs::remove_all(dir_); }

  static vehicle::Claims claims(std::int64_t now_s) {
    vehicle::Claims c;
    c.issuer = "paddock";
    c.subject = "usr_holder";
    c.issued_at = now_s;
    c.not_before = now_s;
    c.expires = now_s + 3600;
    c.credential_id.assign(16, 7);
    c.holder_key.fill(3);
    c.vehicle_id = "veh_1";
    c.rights.grant(vehicle::Action::unlock);
    return c;
  }

  static std::vector<vehicle::IssuerKey> trust(const std::vector<PublishedIssuerKey>& keys) {
    std::vector<vehicle::IssuerKey> out;
    for (const auto& k : keys) out.push_back({vehicle::Bytes(k.kid.begin(), k.kid.end()), k.public_key});
    return out;
  }

  fs::path dir_;
  fs::path file_;
};

TEST_F(IssuerKeysTest, CreatedOnFirstOpenPrivateAndStableAcrossRestarts) {
  auto first = IssuerKeyring::open(file_, kNow);
  ASSERT_TRUE(first.ok()) << first.error().detail;
  struct stat st {};
  ASSERT_EQ(::stat(file_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(first->signing_kid().rfind("ik-", 0), 0u);

  auto again = IssuerKeyring::open(file_, kNow + kDay);
  ASSERT_TRUE(again.ok()) << again.error().detail;
  EXPECT_EQ(again->signing_kid(), first->signing_kid());
  auto published = again->published(kNow + kDay);
  ASSERT_EQ(published.size(), 1u);
  EXPECT_EQ(published[0].public_key, first->published(kNow)[0].public_key);

  // A credential signed before the restart verifies with the keys published after it.
  auto signed_bytes = first->sign_credential(claims(kNow / 1000));
  ASSERT_TRUE(signed_bytes);
  auto keys = trust(published);
  EXPECT_EQ(vehicle::verify(*signed_bytes, keys), vehicle::Trust::trusted);
}

TEST_F(IssuerKeysTest, RotationSignsWithTheNewKeyAndKeepsTheOldPublishedForItsWindow) {
  auto before = IssuerKeyring::open(file_, kNow);
  ASSERT_TRUE(before.ok());
  auto old_credential = before->sign_credential(claims(kNow / 1000));
  ASSERT_TRUE(old_credential);

  auto new_kid = IssuerKeyring::rotate(file_, kNow + kDay);
  ASSERT_TRUE(new_kid.ok()) << new_kid.error().detail;
  EXPECT_NE(*new_kid, before->signing_kid());

  auto after = IssuerKeyring::open(file_, kNow + kDay);
  ASSERT_TRUE(after.ok()) << after.error().detail;
  EXPECT_EQ(after->signing_kid(), *new_kid);
  auto published = after->published(kNow + kDay);
  ASSERT_EQ(published.size(), 2u);
  EXPECT_EQ(published[0].kid, *new_kid);  // newest first
  ASSERT_TRUE(published[1].retired_at.has_value());

  auto keys = trust(published);
  EXPECT_EQ(vehicle::verify(*old_credential, keys), vehicle::Trust::trusted);
  auto new_credential = after->sign_credential(claims(kNow / 1000));
  ASSERT_TRUE(new_credential);
  auto parsed = vehicle::parse_credential(*new_credential);
  ASSERT_TRUE(parsed);
  EXPECT_EQ(std::string(parsed->sign1.kid->begin(), parsed->sign1.kid->end()), *new_kid);

  // Once every credential the old key could have signed has expired, it is no longer published,
  // and the next rotation drops it from the file.
  UnixMillis closed = kNow + kDay + kMaxCredentialLifetimeSeconds * 1000 + 1;
  EXPECT_EQ(after->published(closed).size(), 1u);
  ASSERT_TRUE(IssuerKeyring::rotate(file_, closed).ok());
  auto pruned = IssuerKeyring::open(file_, closed);
  ASSERT_TRUE(pruned.ok());
  EXPECT_EQ(pruned->published(closed).size(), 2u);  // the second key (retired now) and the third
}

// A node that kept the file from before another node rotated lacks the new key.
TEST_F(IssuerKeysTest, AKeyringNamesTheKidsItDoesNotHold) {
  auto other = dir_ / "other-node.toml";
  auto stale = IssuerKeyring::open(file_, kNow);
  ASSERT_TRUE(stale.ok());
  fs::copy_file(file_, other);
  auto new_kid = IssuerKeyring::rotate(other, kNow + kDay);
  ASSERT_TRUE(new_kid.ok()) << new_kid.error().detail;
  auto rotated = IssuerKeyring::open(other, kNow + kDay);
  ASSERT_TRUE(rotated.ok());

  const std::vector<std::string> in_use = {stale->signing_kid(), *new_kid};
  EXPECT_EQ(stale->missing(in_use), std::vector<std::string>{*new_kid});
  EXPECT_TRUE(rotated->missing(in_use).empty()) << "the rotated file keeps the old key too";
  EXPECT_TRUE(stale->missing({}).empty());
}

TEST_F(IssuerKeysTest, RotationNeverDropsAKeyThatIsStillPublished) {
  auto first = IssuerKeyring::open(file_, kNow);
  ASSERT_TRUE(first.ok());
  std::string oldest = first->signing_kid();
  // Fill the file with keys all inside their publication window (63 rotations: 64 keys).
  UnixMillis at = kNow;
  for (int i = 0; i < 63; ++i) {
    at += 1000;
    ASSERT_TRUE(IssuerKeyring::rotate(file_, at).ok()) << i;
  }
  // One more would have to drop a key whose credentials may still be valid: refused, and the
  // file keeps every key.
  auto refused = IssuerKeyring::rotate(file_, at + 1000);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().detail.find("still published"), std::string::npos)
      << refused.error().detail;
  auto ring = IssuerKeyring::open(file_, at + 1000);
  ASSERT_TRUE(ring.ok());
  auto published = ring->published(at + 1000);
  ASSERT_EQ(published.size(), 64u);
  EXPECT_EQ(published.back().kid, oldest);
  // Once the oldest key's window closed, rotating drops it and works again.
  UnixMillis closed = kNow + 1000 + kMaxCredentialLifetimeSeconds * 1000 + 1;
  ASSERT_TRUE(IssuerKeyring::rotate(file_, closed).ok());
}

TEST_F(IssuerKeysTest, ARetiredKeyStaysPublishedPastItsWindowWhileItsCredentialsAreInUse) {
  auto first = IssuerKeyring::open(file_, kNow);
  ASSERT_TRUE(first.ok());
  std::string old_kid = first->signing_kid();
  ASSERT_TRUE(IssuerKeyring::rotate(file_, kNow + kDay).ok());
  auto ring = IssuerKeyring::open(file_, kNow + kDay);
  ASSERT_TRUE(ring.ok());
  // A server still running on the old key signed a credential after the rotation: it outlives
  // the old key's window.
  UnixMillis closed = kNow + kDay + kMaxCredentialLifetimeSeconds * 1000 + 1;
  EXPECT_EQ(ring->published(closed).size(), 1u);
  auto kept = ring->published(closed, {old_kid});
  ASSERT_EQ(kept.size(), 2u);
  EXPECT_EQ(kept[1].kid, old_kid);
  EXPECT_EQ(ring->published(closed, {"ik-unrelated"}).size(), 1u);
  // Nor does a rotation drop it from the file while it is in use.
  ASSERT_TRUE(IssuerKeyring::rotate(file_, closed, {old_kid}).ok());
  auto rotated = IssuerKeyring::open(file_, closed);
  ASSERT_TRUE(rotated.ok());
  EXPECT_EQ(rotated->published(closed, {old_kid}).size(), 3u);
}

TEST_F(IssuerKeysTest, RevocationListsAreSignedByTheSigningKey) {
  auto ring = IssuerKeyring::open(file_, kNow);
  ASSERT_TRUE(ring.ok());
  vehicle::RevocationList list{3, "veh_1", {vehicle::Bytes(16, 1)}, kNow / 1000};
  auto bytes = ring->sign_revocations(list);
  ASSERT_TRUE(bytes);
  auto parsed = vehicle::parse_revocations(*bytes);
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->list.version, 3u);
  auto keys = trust(ring->published(kNow));
  EXPECT_EQ(vehicle::check_issuer(parsed->sign1, keys), vehicle::Trust::trusted);
}

TEST_F(IssuerKeysTest, RefusesAFileOthersCanReadOrThatIsDamaged) {
  ASSERT_TRUE(IssuerKeyring::open(file_, kNow).ok());
  fs::permissions(file_, fs::perms::group_read | fs::perms::others_read, fs::perm_options::add);
  auto exposed = IssuerKeyring::open(file_, kNow);
  ASSERT_FALSE(exposed.ok());
  EXPECT_NE(exposed.error().detail.find("readable by other users"), std::string::npos);

  struct Case {
    const char* name;
    const char* text;
    const char* says;
  } cases[] = {
      {"not toml", "[[key]\n", "issuer keys"},
      {"no keys", "# nothing\n", "holds no [[key]]"},
      {"short seed", "[[key]]\nkid = \"ik-a\"\ncreated_at = 1\nseed = \"AAAA\"\n", "32 bytes"},
      {"no seed", "[[key]]\nkid = \"ik-a\"\ncreated_at = 1\n", "required"},
      {"last retired",
       "[[key]]\nkid = \"ik-a\"\ncreated_at = 1\nretired_at = 2\n"
       "seed = \"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\"\n",
       "the last key is retired"},
      {"duplicate kid",
       "[[key]]\nkid = \"ik-a\"\ncreated_at = 1\nretired_at = 2\n"
       "seed = \"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\"\n"
       "[[key]]\nkid = \"ik-a\"\ncreated_at = 3\n"
       "seed = \"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\"\n",
       "duplicate kid"},
  };
  for (const auto& c : cases) {
    fs::remove(file_);
    {
      std::ofstream out(file_);
      out << c.text;
    }
    fs::permissions(file_, fs::perms::owner_read | fs::perms::owner_write,
                    fs::perm_options::replace);
    auto opened = IssuerKeyring::open(file_, kNow);
    ASSERT_FALSE(opened.ok()) << c.name;
    EXPECT_NE(opened.error().detail.find(c.says), std::string::npos)
        << c.name << ": " << opened.error().detail;
  }
}

}  // namespace
}  // namespace paddock::keys
