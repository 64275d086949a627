// The car-sync service over a real store and the real feed hub: head-unit signatures (one row
// per refusal), who may read a vehicle's revocation list, and signed reports (accepted once,
// into the audit log and onto the owner's stream only).
#include "keys/car_sync_service.hpp"

#include <gtest/gtest.h>
#include <sodium.h>
#include <unistd.h>

#include <filesystem>
#include <future>

#include "core/encoding.hpp"
#include "core/ids.hpp"
#include "feed/hub.hpp"
#include "keys/car_errors.hpp"
#include "keys/head_unit_auth.hpp"
#include "keys/issuer_keys.hpp"
#include "storage/sqlite/sqlite_store.hpp"
#include "vehicle/report.hpp"

namespace paddock::keys {
namespace {

template <class T>
Result<T> wait(std::function<void(Callback<T>)> start) {
  std::promise<Result<T>> done;
  start([&done](Result<T> r) { done.set_value(std::move(r)); });
  return done.get_future().get();
}

class CarSyncTest : public ::testing::Test {
 protected:
  void SetUp() override {
    vehicle::init_sodium();
    dir_ = std::filesystem::temp_directory_path() /
           ("paddock-carsync-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    auto store = storage::sqlite::open_store({(dir_ / "paddock.db").string()});
    ASSERT_TRUE(store.ok()) << store.error().detail;
    store_ = std::move(store.value());
    auto keyring = IssuerKeyring::open(dir_ / "issuer-keys.toml", now_millis());
    ASSERT_TRUE(keyring.ok()) << keyring.error().detail;
    keyring_.emplace(std::move(keyring.value()));
    hub_ = std::make_unique<feed::Hub>(*store_);
    service_ = std::make_unique<CarSyncService>(*store_, *keyring_, *hub_);
    auto seeded = wait<bool>([this](Callback<bool> done) {
      store_->write<bool>(
          [this](storage::Writes& w) -> Result<bool> {
            for (const auto* id : {&owner_, &other_}) {
              PADDOCK_TRY(w.identity().insert_user({*id, "u" + id->substr(4), "N", "h", 1}));
            }
            for (auto [vid, owner] :
                 {std::pair{vehicle_, owner_}, std::pair{other_vehicle_, other_}}) {
              storage::VehicleRecord v;
              v.id = vid;
              v.owner_id = owner;
              v.nickname = "car";
              v.visibility = "{}";
              v.created_at = 1;
              PADDOCK_TRY(w.sharing().insert_vehicle(v));
            }
            return true;
          },
          std::move(done));
    });
    ASSERT_TRUE(seeded.ok()) << seeded.error().detail;
  }
  void TearDown() override {
    service_.reset();
    hub_.reset();
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  struct Unit {
    HeadUnitRecord record;
    vehicle::SecretKey key{};
  };
  Unit add(const std::string& user, const std::string& vehicle_id, std::uint8_t seed) {
    Unit u;
    u.key = *vehicle::secret_key_from(vehicle::Bytes(32, seed));
    const auto pk = vehicle::public_key_of(u.key);
    auto added = wait<HeadUnitRecord>([&](Callback<HeadUnitRecord> done) {
      service_->add_head_unit(user, vehicle_id, "dash", base64url_encode(pk), std::move(done));
    });
    EXPECT_TRUE(added.ok()) << added.error().detail;
    if (added.ok()) u.record = added.value();
    return u;
  }
  static std::string sign(const Unit& u, std::string_view method, std::string_view target,
                          std::int64_t created, const std::string& id = {}) {
    const std::string hu = id.empty() ? u.record.id : id;
    const std::string text = head_unit_signing_input(hu, method, target, created);
    std::uint8_t sig[64];
    crypto_sign_detached(sig, nullptr, reinterpret_cast<const std::uint8_t*>(text.data()),
                         text.size(), u.key.data());
    return "PaddockHeadUnit id=\"" + hu + "\", created=" + std::to_string(created) +
           ", signature=\"" + base64url_encode({sig, 64}) + "\"";
  }
  Result<ReportOutcome> report(const Unit& u, const std::string& vehicle_id, std::uint64_t counter,
                               const std::string& path_vehicle = {}) {
    vehicle::Report r;
    r.vehicle_id = vehicle_id;
    r.head_unit_id = u.record.id;
    r.counter = counter;
    r.entries.push_back({vehicle::Bytes(16, 7), vehicle::Action::open_trunk,
                         vehicle::Reason::allowed, 1'800'000'000});
    r.entries.push_back({vehicle::Bytes(16, 7), vehicle::Action::drive,
                         vehicle::Reason::action_not_allowed, 1'800'000'001});
    auto bytes = vehicle::encode_and_sign_report(r, u.key);
    EXPECT_TRUE(bytes);
    const vehicle::Bytes b = *bytes;
    return wait<ReportOutcome>([&](Callback<ReportOutcome> done) {
      service_->accept_report(path_vehicle.empty() ? vehicle_id : path_vehicle, b, std::move(done));
    });
  }

  std::string owner_ = new_id("usr"), other_ = new_id("usr");
  std::string vehicle_ = new_id("veh"), other_vehicle_ = new_id("veh");
  std::filesystem::path dir_;
  std::unique_ptr<storage::Store> store_;
  std::optional<IssuerKeyring> keyring_;
  std::unique_ptr<feed::Hub> hub_;
  std::unique_ptr<CarSyncService> service_;
};

TEST_F(CarSyncTest, OnlyTheOwnerRegistersListsAndRemovesHeadUnits) {
  Unit u = add(owner_, vehicle_, 1);
  auto by_other = wait<HeadUnitRecord>([&](Callback<HeadUnitRecord> done) {
    service_->add_head_unit(other_, vehicle_, "dash", u.record.public_key, std::move(done));
  });
  ASSERT_FALSE(by_other.ok());
  EXPECT_EQ(by_other.error().code, Errc::not_found);  // a stranger learns nothing
  EXPECT_FALSE(service_->list_head_units(other_, vehicle_).ok());
  auto bad_key = wait<HeadUnitRecord>([&](Callback<HeadUnitRecord> done) {
    service_->add_head_unit(owner_, vehicle_, "dash", "not-a-key", std::move(done));
  });
  ASSERT_FALSE(bad_key.ok());
  EXPECT_EQ(bad_key.error().field, "public_key");
  auto listed = service_->list_head_units(owner_, vehicle_);
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].id, u.record.id);
  auto removed_by_other = wait<bool>([&](Callback<bool> done) {
    service_->remove_head_unit(other_, vehicle_, u.record.id, std::move(done));
  });
  EXPECT_FALSE(removed_by_other.ok());
  auto removed = wait<bool>([&](Callback<bool> done) {
    service_->remove_head_unit(owner_, vehicle_, u.record.id, std::move(done));
  });
  EXPECT_TRUE(removed.ok());
  EXPECT_TRUE(service_->list_head_units(owner_, vehicle_)->empty());
}

TEST_F(CarSyncTest, AHeadUnitSignatureIsCheckedAgainstEverythingItCovers) {
  Unit u = add(owner_, vehicle_, 1);
  Unit stranger = add(other_, other_vehicle_, 2);
  const UnixMillis now = now_millis();
  const std::int64_t t = now / 1000;
  const std::string target = "/v1/vehicles/" + vehicle_ + "/revocations";
  auto good = service_->authenticate(sign(u, "GET", target, t), "GET", target, now);
  ASSERT_TRUE(good.ok()) << good.error().detail;
  EXPECT_EQ(good->head_unit_id, u.record.id);
  EXPECT_EQ(good->vehicle_id, vehicle_);
  struct Row {
    const char* name;
    std::string header;
    std::string method = "GET";
    std::string target;
  };
  const Row rows[] = {
      {"another method", sign(u, "GET", target, t), "POST", target},
      {"another target", sign(u, "GET", target, t), "GET", target + "?all=1"},
      {"stale", sign(u, "GET", target, t - kHeadUnitRequestWindowSeconds - 1), "GET", target},
      {"from the future", sign(u, "GET", target, t + kHeadUnitRequestWindowSeconds + 1), "GET",
       target},
      {"someone else's key under this id", sign(stranger, "GET", target, t, u.record.id), "GET",
       target},
      {"unknown head unit", sign(u, "GET", target, t, new_id("hu")), "GET", target},
      {"not a head-unit header", "Bearer x", "GET", target},
  };
  for (const auto& row : rows) {
    auto r = service_->authenticate(row.header, row.method, row.target, now);
    ASSERT_FALSE(r.ok()) << row.name;
    EXPECT_EQ(r.error().code, kHeadUnitAuthInvalid) << row.name;
  }
  ASSERT_TRUE(wait<bool>([&](Callback<bool> done) {
                service_->remove_head_unit(owner_, vehicle_, u.record.id, std::move(done));
              }).ok());
  EXPECT_FALSE(service_->authenticate(sign(u, "GET", target, t), "GET", target, now).ok())
      << "a removed head unit";
}

TEST_F(CarSyncTest, TheRevocationListIsSignedForTheOwnerAndTheVehiclesOwnHeadUnits) {
  Unit u = add(owner_, vehicle_, 1);
  Unit stranger = add(other_, other_vehicle_, 2);
  const UnixMillis now = now_millis();
  auto for_owner = service_->revocations_for_owner(owner_, vehicle_, now);
  ASSERT_TRUE(for_owner.ok()) << for_owner.error().detail;
  auto list = vehicle::parse_revocations(for_owner->cose);
  ASSERT_TRUE(list);
  EXPECT_EQ(list->list.vehicle_id, vehicle_);
  EXPECT_EQ(list->list.version, 0u);
  std::vector<vehicle::IssuerKey> trusted;
  for (const auto& k : keyring_->published(now)) {
    trusted.push_back({vehicle::Bytes(k.kid.begin(), k.kid.end()), k.public_key});
  }
  EXPECT_EQ(vehicle::check_issuer(list->sign1, trusted), vehicle::Trust::trusted);
  EXPECT_TRUE(service_->revocations_for_head_unit({u.record.id, vehicle_}, vehicle_, now).ok());
  auto other_car =
      service_->revocations_for_head_unit({stranger.record.id, other_vehicle_}, vehicle_, now);
  ASSERT_FALSE(other_car.ok());
  EXPECT_EQ(other_car.error().code, Errc::forbidden);
  auto other_user = service_->revocations_for_owner(other_, vehicle_, now);
  ASSERT_FALSE(other_user.ok());
  EXPECT_EQ(other_user.error().code, Errc::not_found);
}

TEST_F(CarSyncTest, ARevokedCredentialStaysListedAWeekPastItsExpiry) {
  const UnixMillis now = now_millis();
  auto revoked = [&](std::string cti, UnixMillis expires_at) {
    KeyShareRecord s;
    s.id = new_id("ksh");
    s.vehicle_id = vehicle_;
    s.sharer_id = owner_;
    s.recipient_id = other_;
    s.task = "delivery";
    s.status = std::string(kShareRevoked);
    s.rights = "{}";
    s.refused = "[]";
    s.credential = "x";
    s.credential_id = std::move(cti);
    s.credential_expires_at = expires_at;
    s.created_at = s.updated_at = 1;
    return s;
  };
  auto stored = wait<bool>([&](Callback<bool> done) {
    store_->write<bool>(
        [&](storage::Writes& w) -> Result<bool> {
          // Expired an hour ago: a car ten minutes slow would still take it without the margin.
          PADDOCK_TRY(w.key_shares().insert_share(revoked("AAAAAAAAAAAAAAAAAAAAAA", now - 3600'000)));
          PADDOCK_TRY(w.key_shares().insert_share(
              revoked("BBBBBBBBBBBBBBBBBBBBBA", now - kRevokedAfterExpiryMs - 1000)));
          return true;
        },
        std::move(done));
  });
  ASSERT_TRUE(stored.ok()) << stored.error().detail;
  auto signed_list = service_->revocations_for_owner(owner_, vehicle_, now);
  ASSERT_TRUE(signed_list.ok()) << signed_list.error().detail;
  auto list = vehicle::parse_revocations(signed_list->cose);
  ASSERT_TRUE(list);
  ASSERT_EQ(list->list.revoked.size(), 1u);  // the week-old one has gone
  EXPECT_EQ(base64url_encode(list->list.revoked[0]), "AAAAAAAAAAAAAAAAAAAAAA");
}

TEST_F(CarSyncTest, AReportIsAcceptedOnceIntoTheAuditLogAndTheOwnersStream) {
  Unit u = add(owner_, vehicle_, 1);
  Unit stranger = add(other_, other_vehicle_, 2);
  auto first = report(u, vehicle_, 1);
  ASSERT_TRUE(first.ok()) << first.error().detail;
  EXPECT_EQ(first->used, 1u);
  EXPECT_EQ(first->denied, 1u);
  auto replayed = report(u, vehicle_, 1);
  ASSERT_FALSE(replayed.ok());
  EXPECT_EQ(replayed.error().code, kReportReplayed);
  auto wrong_vehicle = report(u, vehicle_, 2, other_vehicle_);
  ASSERT_FALSE(wrong_vehicle.ok());
  EXPECT_EQ(wrong_vehicle.error().code, kReportWrongVehicle);
  auto other_car = report(stranger, vehicle_, 5);
  ASSERT_FALSE(other_car.ok());
  EXPECT_EQ(other_car.error().code, kReportSignatureInvalid);
  vehicle::Bytes garbage = {0xd2, 0x84, 0x40};
  auto invalid = wait<ReportOutcome>([&](Callback<ReportOutcome> done) {
    service_->accept_report(vehicle_, garbage, std::move(done));
  });
  ASSERT_FALSE(invalid.ok());
  EXPECT_EQ(invalid.error().code, kReportInvalid);

  auto audit = store_->reads().key_shares().audit_of(vehicle_, 0, 100);
  ASSERT_TRUE(audit.ok());
  ASSERT_EQ(audit->size(), 2u);
  EXPECT_EQ((*audit)[0].action, "used");
  EXPECT_EQ((*audit)[0].detail, "open_trunk");
  EXPECT_EQ((*audit)[0].actor_kind, "head_unit");
  EXPECT_EQ((*audit)[0].actor_id, u.record.id);
  EXPECT_EQ((*audit)[0].at, 1'800'000'000'000);
  EXPECT_EQ((*audit)[1].action, "denied");
  EXPECT_EQ((*audit)[1].detail, "drive:action_not_allowed");
  auto owner_events = store_->reads().events().personal_events_after(owner_, std::nullopt, 0, 100);
  ASSERT_TRUE(owner_events.ok());
  ASSERT_EQ(owner_events->size(), 2u);
  EXPECT_EQ((*owner_events)[0].type, "key.used");
  EXPECT_EQ((*owner_events)[1].type, "key.denied");
  EXPECT_NE((*owner_events)[1].payload.find("\"reason\":\"action_not_allowed\""),
            std::string::npos);
  EXPECT_TRUE(
      store_->reads().events().personal_events_after(other_, std::nullopt, 0, 100)->empty());
  auto second = report(u, vehicle_, 2);
  EXPECT_TRUE(second.ok()) << "a higher counter is accepted";
}

}  // namespace
}  // namespace paddock::keys
