#include <gtest/gtest.h>
#include <sodium.h>

#include <filesystem>
#include <future>

#include "core/encoding.hpp"
#include "devices/device_service.hpp"
#include "devices/errors.hpp"
#include "devices/proof.hpp"
#include "storage/sqlite/sqlite_store.hpp"

namespace paddock::devices {
namespace {

struct Keypair {
  unsigned char pk[crypto_sign_PUBLICKEYBYTES];
  unsigned char sk[crypto_sign_SECRETKEYBYTES];
  Keypair() { crypto_sign_keypair(pk, sk); }
  std::string public_b64() const { return base64url_encode({pk, sizeof pk}); }
  std::string sign(std::string_view message) const {
    unsigned char sig[crypto_sign_BYTES];
    crypto_sign_detached(sig, nullptr, reinterpret_cast<const unsigned char*>(message.data()),
                         message.size(), sk);
    return base64url_encode({sig, sizeof sig});
  }
};

TEST(Proof, ParsesKeysAndRejectsGarbage) {
  ASSERT_TRUE(init_crypto());
  Keypair kp;
  EXPECT_TRUE(parse_public_key(kp.public_b64()).ok());
  struct Row { const char* name; std::string text; };
  for (const Row& row : {Row{"empty", ""}, Row{"too short", base64url_encode(random_bytes(31))},
                         Row{"too long", base64url_encode(random_bytes(33))},
                         Row{"not base64url", std::string(43, '*')},
                         Row{"padded", kp.public_b64() + "="},
                         Row{"small-order point", base64url_encode(Bytes(32, 0))}}) {
    auto r = parse_public_key(row.text);
    ASSERT_FALSE(r.ok()) << row.name;
    EXPECT_EQ(r.error().field, "public_key") << row.name;
  }
}

TEST(Proof, VerifiesOnlyTheDeviceBoundSigningInput) {
  Keypair kp, other;
  auto key = parse_public_key(kp.public_b64()).value();
  std::string nonce = new_nonce();
  std::string input = signing_input("dev_a", nonce);
  EXPECT_EQ(input, "paddock-device-proof:v1:dev_a:" + nonce);
  EXPECT_TRUE(verify_signature(key, input, parse_signature(kp.sign(input)).value()));
  EXPECT_FALSE(verify_signature(key, signing_input("dev_b", nonce),
                                parse_signature(kp.sign(input)).value()));
  EXPECT_FALSE(verify_signature(key, input, parse_signature(other.sign(input)).value()));
  EXPECT_FALSE(parse_signature("abc").ok());
}

class DeviceServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(init_crypto());
    dir_ = std::filesystem::temp_directory_path() /
           ("paddock-devices-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    auto store = storage::sqlite::open_store({(dir_ / "paddock.db").string()});
    ASSERT_TRUE(store.ok());
    store_ = std::move(store.value());
    std::promise<void> done;
    store_->write<bool>(
        [](storage::Writes& w) -> Result<bool> {
          (void)w.identity().insert_user({"usr_a", "a", "a", "h", 1});
          (void)w.identity().insert_user({"usr_b", "b", "b", "h", 1});
          return true;
        },
        [&](Result<bool>) { done.set_value(); });
    done.get_future().wait();
    service_ = std::make_unique<DeviceService>(*store_);
  }
  void TearDown() override {
    service_.reset();
    store_.reset();
    std::filesystem::remove_all(dir_);
  }
  template <class T, class F>
  Result<T> wait(F start) {
    std::promise<Result<T>> p;
    start([&](Result<T> r) { p.set_value(std::move(r)); });
    return p.get_future().get();
  }
  storage::DeviceRecord add(const std::string& user, const Keypair& kp, bool primary) {
    auto r = wait<storage::DeviceRecord>([&](auto cb) {
      service_->register_device(user, {"phone", "phone", kp.public_b64(), primary}, cb);
    });
    EXPECT_TRUE(r.ok());
    return r.value();
  }

  std::filesystem::path dir_;
  std::unique_ptr<storage::Store> store_;
  std::unique_ptr<DeviceService> service_;
};

TEST_F(DeviceServiceTest, OnlyOnePrimaryDevicePerUser) {
  Keypair k1, k2;
  add("usr_a", k1, true);
  add("usr_a", k2, true);
  auto devices = service_->list("usr_a");
  ASSERT_TRUE(devices.ok());
  ASSERT_EQ(devices->size(), 2u);
  EXPECT_FALSE((*devices)[0].primary);
  EXPECT_TRUE((*devices)[1].primary);
}

TEST_F(DeviceServiceTest, ChallengeVerifyIsSingleUseAndOwnerOnly) {
  Keypair kp;
  auto device = add("usr_a", kp, false);
  auto stranger = wait<Challenge>([&](auto cb) { service_->issue_challenge("usr_b", device.id, cb); });
  EXPECT_EQ(stranger.error().code, Errc::not_found);

  auto challenge = wait<Challenge>([&](auto cb) { service_->issue_challenge("usr_a", device.id, cb); });
  ASSERT_TRUE(challenge.ok());
  std::string sig = kp.sign(challenge->signing_input);
  auto verified = wait<storage::DeviceRecord>(
      [&](auto cb) { service_->verify("usr_a", device.id, challenge->nonce, sig, cb); });
  ASSERT_TRUE(verified.ok());
  EXPECT_TRUE(verified->verified_at.has_value());
  auto replay = wait<storage::DeviceRecord>(
      [&](auto cb) { service_->verify("usr_a", device.id, challenge->nonce, sig, cb); });
  EXPECT_EQ(replay.error().code, kChallengeInvalid);
}

TEST_F(DeviceServiceTest, AWrongSignatureBurnsTheNonce) {
  Keypair kp, thief;
  auto device = add("usr_a", kp, false);
  auto challenge = wait<Challenge>([&](auto cb) { service_->issue_challenge("usr_a", device.id, cb); });
  auto forged = wait<storage::DeviceRecord>([&](auto cb) {
    service_->verify("usr_a", device.id, challenge->nonce, thief.sign(challenge->signing_input), cb);
  });
  EXPECT_EQ(forged.error().code, kSignatureInvalid);
  auto retry = wait<storage::DeviceRecord>([&](auto cb) {
    service_->verify("usr_a", device.id, challenge->nonce, kp.sign(challenge->signing_input), cb);
  });
  EXPECT_EQ(retry.error().code, kChallengeInvalid);
}

TEST_F(DeviceServiceTest, StrangersCannotDeleteDevices) {
  Keypair kp;
  auto device = add("usr_a", kp, false);
  auto r = wait<bool>([&](auto cb) { service_->remove("usr_b", device.id, cb); });
  EXPECT_EQ(r.error().code, Errc::not_found);
  EXPECT_EQ(service_->list("usr_a")->size(), 1u);
  EXPECT_TRUE(wait<bool>([&](auto cb) { service_->remove("usr_a", device.id, cb); }).ok());
  EXPECT_TRUE(service_->list("usr_a")->empty());
}

}  // namespace
}  // namespace paddock::devices
