// The key-share service over a real store, a real issuer keyring and the real feed hub: who may
// share, what a share is bound to, verification before issuance, the credential's claims, the
// conditional transitions and the revocation version.
#include "keys/key_share_service.hpp"

#include <gtest/gtest.h>
#include <sodium.h>
#include <unistd.h>

#include <filesystem>
#include <future>

#include "core/encoding.hpp"
#include "devices/proof.hpp"
#include "feed/hub.hpp"
#include "keys/errors.hpp"
#include "keys/policy_file.hpp"
#include "storage/sqlite/sqlite_store.hpp"

namespace paddock::keys {
namespace {

struct DeviceKey {
  std::string id;
  std::array<unsigned char, crypto_sign_PUBLICKEYBYTES> pk{};
  std::array<unsigned char, crypto_sign_SECRETKEYBYTES> sk{};

  std::string sign(const std::string& text) const {
    std::array<unsigned char, crypto_sign_BYTES> sig{};
    crypto_sign_detached(sig.data(), nullptr, reinterpret_cast<const unsigned char*>(text.data()),
                         text.size(), sk.data());
    return base64url_encode(sig);
  }
};

class KeyShareServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("paddock-key-shares-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    auto store = storage::sqlite::open_store({(dir_ / "paddock.db").string()});
    ASSERT_TRUE(store.ok()) << store.error().detail;
    store_ = std::move(store.value());
    auto policy = default_key_policy();
    ASSERT_TRUE(policy.ok());
    policy_ = std::move(policy.value());
    auto keyring = IssuerKeyring::open(dir_ / "issuer-keys.toml", now_millis());
    ASSERT_TRUE(keyring.ok()) << keyring.error().detail;
    keyring_.emplace(std::move(keyring.value()));
    hub_ = std::make_unique<feed::Hub>(*store_);
    ASSERT_TRUE(hub_->load().ok());
    service_ = std::make_unique<KeyShareService>(*store_, policy_, *keyring_, *hub_);

    for (auto* d : {&phone_, &tablet_, &other_}) {
      crypto_sign_keypair(d->pk.data(), d->sk.data());
    }
    phone_.id = "dev_phone";
    tablet_.id = "dev_tablet";
    other_.id = "dev_other";
    must([this](storage::Writes& w) -> Result<void> {
      for (const char* id : {"usr_owner", "usr_courier", "usr_fan", "usr_stranger", "usr_member"}) {
        PADDOCK_TRY(w.identity().insert_user({id, std::string(id + 4), "Name", "hash", 1}));
      }
      storage::VehicleRecord v;
      v.id = "veh_1";
      v.owner_id = "usr_owner";
      v.vin = "WVWZZZ1JZXW000001";
      v.nickname = "car";
      v.visibility = "uffpuu";
      v.created_at = 1;
      PADDOCK_TRY(w.sharing().insert_vehicle(v));
      PADDOCK_TRY(w.sharing().put_member({"veh_1", "usr_member", 1}));
      PADDOCK_TRY(w.sharing().insert_follow(
          {"fol_1", "veh_1", "usr_fan", storage::FollowStatus::active, 0x3f, false, false, 1}));
      auto device = [](const DeviceKey& d, const char* user, bool primary) {
        return storage::DeviceRecord{d.id,    user,          "n", "phone", base64url_encode(d.pk),
                                     primary, UnixMillis{5}, 1};
      };
      PADDOCK_TRY(w.devices().insert_device(device(phone_, "usr_courier", true)));
      PADDOCK_TRY(w.devices().insert_device(device(tablet_, "usr_courier", false)));
      return w.devices().insert_device(device(other_, "usr_stranger", true));
    });
  }

  void TearDown() override {
    service_.reset();
    hub_.reset();
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  void must(std::function<Result<void>(storage::Writes&)> fn) {
    std::promise<Result<bool>> done;
    store_->write<bool>(
        [fn = std::move(fn)](storage::Writes& w) -> Result<bool> {
          PADDOCK_TRY(fn(w));
          return true;
        },
        [&done](Result<bool> r) { done.set_value(std::move(r)); });
    auto r = done.get_future().get();
    ASSERT_TRUE(r.ok()) << r.error().detail;
  }

  template <class T, class F>
  Result<T> wait(F call) {
    std::promise<Result<T>> done;
    call([&done](Result<T> r) { done.set_value(std::move(r)); });
    return done.get_future().get();
  }

  ShareRequest request(const std::string& task = "delivery",
                       const std::string& recipient = "courier") {
    ShareRequest r;
    r.task = task;
    r.recipient_username = recipient;
    return r;
  }

  Result<ShareCreated> share(const std::string& user, ShareRequest r,
                             const std::string& vehicle = "veh_1") {
    return wait<ShareCreated>([&](Callback<ShareCreated> cb) {
      service_->share(user, vehicle, std::move(r), std::move(cb));
    });
  }

  Result<AcceptChallenge> challenge(const std::string& user, const std::string& share_id,
                                    const DeviceKey& d) {
    return wait<AcceptChallenge>([&](Callback<AcceptChallenge> cb) {
      service_->challenge(user, share_id, d.id, std::move(cb));
    });
  }

  // Asks for a challenge as the courier and answers it with `signer`'s key.
  Result<ShareView> accept(const std::string& share_id, const DeviceKey& d,
                           std::optional<std::string> code = std::nullopt,
                           const DeviceKey* signer = nullptr) {
    auto c = challenge("usr_courier", share_id, d);
    if (!c) return c.take_error();
    return wait<ShareView>([&](Callback<ShareView> cb) {
      service_->accept("usr_courier", share_id, d.id, (signer ? *signer : d).sign(c->signing_input),
                       code, std::move(cb));
    });
  }

  std::vector<storage::EventRecord> events_of(const std::string& user,
                                              std::optional<std::string_view> device = {}) {
    auto events = store_->reads().events().personal_events_after(user, device, 0, 100);
    EXPECT_TRUE(events.ok());
    return events.ok() ? *events : std::vector<storage::EventRecord>{};
  }

  static std::vector<std::string> types(const std::vector<storage::EventRecord>& events) {
    std::vector<std::string> out;
    for (const auto& e : events) out.push_back(e.type);
    return out;
  }

  std::filesystem::path dir_;
  std::unique_ptr<storage::Store> store_;
  KeyPolicy policy_;
  std::optional<IssuerKeyring> keyring_;
  std::unique_ptr<feed::Hub> hub_;
  std::unique_ptr<KeyShareService> service_;
  DeviceKey phone_, tablet_, other_;
};

TEST_F(KeyShareServiceTest, RequestRefusalsNameTheirField) {
  struct Row {
    const char* name;
    std::function<void(ShareRequest&)> change;
    std::string field;
  };
  const Row rows[] = {
      {"task", [](ShareRequest& r) { r.task = "heist"; }, "task"},
      {"unknown right", [](ShareRequest& r) { r.rights = std::vector<std::string>{"fly"}; },
       "rights"},
      {"no rights", [](ShareRequest& r) { r.rights = std::vector<std::string>{}; }, "rights"},
      {"latitude",
       [](ShareRequest& r) {
         r.place = Geofence{90.5, 0, 10};
       },
       "place.lat"},
      {"longitude",
       [](ShareRequest& r) {
         r.place = Geofence{0, 180.5, 10};
       },
       "place.lon"},
      {"radius",
       [](ShareRequest& r) {
         r.place = Geofence{0, 0, 0};
       },
       "place.radius_m"},
      {"max uses", [](ShareRequest& r) { r.max_uses = 0; }, "max_uses"},
      {"speed", [](ShareRequest& r) { r.max_speed_kmh = 0; }, "max_speed_kmh"},
      {"note", [](ShareRequest& r) { r.note.assign(kMaxNoteBytes + 1, 'x'); }, "note"},
      {"oneself", [](ShareRequest& r) { r.recipient_username = "owner"; }, "recipient"},
      {"device of another user", [](ShareRequest& r) { r.device_id = "dev_other"; }, "device_id"},
      {"window backwards",
       [](ShareRequest& r) {
         r.not_before = now_millis() + 3'600'000;
         r.not_after = now_millis() + 1'800'000;
       },
       "not_after"},
      {"window shorter than a minute",
       [](ShareRequest& r) {
         r.not_before = now_millis() + 3'600'000;
         r.not_after = *r.not_before + 30'000;
       },
       "not_after"},
  };
  for (const auto& row : rows) {
    ShareRequest r = request();
    row.change(r);
    auto shared = share("usr_owner", std::move(r));
    ASSERT_FALSE(shared.ok()) << row.name;
    EXPECT_EQ(shared.error().code, Errc::invalid_field) << row.name;
    EXPECT_EQ(shared.error().field, row.field) << row.name;
  }
  EXPECT_TRUE(types(events_of("usr_courier")).empty());
}

TEST_F(KeyShareServiceTest, OnlyTheOwnerOrAResharingHolderMayShare) {
  struct Row {
    const char* user;
    std::string vehicle;
    ErrorCode code;
  };
  const Row rows[] = {
      {"usr_fan", "veh_1", Errc::forbidden},      {"usr_member", "veh_1", Errc::forbidden},
      {"usr_stranger", "veh_1", Errc::not_found}, {"usr_owner", "veh_nosuch", Errc::not_found},
      {"usr_owner", "../veh_1", Errc::not_found},
  };
  for (const auto& row : rows) {
    auto shared = share(row.user, request("delivery", "courier"), row.vehicle);
    ASSERT_FALSE(shared.ok()) << row.user;
    EXPECT_EQ(shared.error().code, row.code) << row.user << " " << row.vehicle;
  }
  auto unknown = share("usr_owner", request("delivery", "nobody"));
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().code, Errc::not_found);

  // A holder of a delivery key (no reshare) is refused, and knows the vehicle: forbidden.
  auto shared = share("usr_owner", request());
  ASSERT_TRUE(shared.ok()) << shared.error().detail;
  ASSERT_TRUE(accept(shared->share.record.id, phone_).ok());
  auto onward = share("usr_courier", request("delivery", "stranger"));
  ASSERT_FALSE(onward.ok());
  EXPECT_EQ(onward.error().code, Errc::forbidden);
}

TEST_F(KeyShareServiceTest, ADeliveryIsCutToThePolicyAndBoundToThePrimaryVerifiedDevice) {
  ShareRequest r = request();
  r.rights = std::vector<std::string>{"open_trunk", "lock", "drive"};
  r.max_uses = 5;
  UnixMillis before = now_millis();
  auto shared = share("usr_owner", std::move(r));
  ASSERT_TRUE(shared.ok()) << shared.error().detail;
  const ShareView& v = shared->share;
  EXPECT_EQ(v.record.status, kShareOffered);
  EXPECT_EQ(v.record.device_id, "dev_phone");
  EXPECT_EQ(action_names(v.rights.actions), (std::vector<std::string>{"lock", "open_trunk"}));
  EXPECT_EQ(v.record.max_uses, 1);
  EXPECT_EQ(v.record.not_after - v.record.not_before, 120 * 60'000);
  EXPECT_GE(v.record.not_before, before);
  EXPECT_FALSE(shared->code.has_value());
  EXPECT_FALSE(v.record.code_hash.has_value());
  std::vector<std::string> refused;
  for (const auto& x : v.refused) refused.push_back(x.right);
  EXPECT_EQ(refused, (std::vector<std::string>{"drive", "max_uses"}));
  EXPECT_EQ(types(events_of("usr_courier")), (std::vector<std::string>{"key.offered"}));
  EXPECT_EQ(types(events_of("usr_owner")), (std::vector<std::string>{"key.offered"}));
  auto audit = service_->audit("usr_owner", "veh_1", 0, 10);
  ASSERT_TRUE(audit.ok());
  ASSERT_EQ(audit->records.size(), 1u);
  EXPECT_EQ(audit->records[0].action, "shared");

  // Only a driving right would be left? Nothing the car could allow: refused outright.
  ShareRequest drive = request();
  drive.rights = std::vector<std::string>{"drive"};
  auto none = share("usr_owner", std::move(drive));
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.error().code, kNoRightsLeft);
}

TEST_F(KeyShareServiceTest, AcceptIssuesACredentialTheCarVerifiesToTheHolderDeviceOnly) {
  auto shared = share("usr_owner", request());
  ASSERT_TRUE(shared.ok());
  const std::string id = shared->share.record.id;
  auto issued = accept(id, phone_);
  ASSERT_TRUE(issued.ok()) << issued.error().detail;
  const KeyShareRecord& s = issued->record;
  EXPECT_EQ(s.status, kShareIssued);
  ASSERT_TRUE(s.credential && s.credential_id && s.kid);
  EXPECT_EQ(*s.kid, keyring_->signing_kid());

  auto bytes = base64url_decode(*s.credential);
  ASSERT_TRUE(bytes.has_value());
  std::vector<vehicle::IssuerKey> trusted;
  for (const auto& k : keyring_->published(now_millis())) {
    trusted.push_back({vehicle::Bytes(k.kid.begin(), k.kid.end()), k.public_key});
  }
  EXPECT_EQ(vehicle::verify(*bytes, trusted), vehicle::Trust::trusted);
  auto credential = vehicle::parse_credential(*bytes);
  ASSERT_TRUE(credential);
  const vehicle::Claims& c = credential->claims;
  EXPECT_EQ(c.issuer, "paddock");
  EXPECT_EQ(c.subject, "usr_courier");
  EXPECT_EQ(c.vehicle_id, "veh_1");
  EXPECT_EQ(c.vin, "WVWZZZ1JZXW000001");
  EXPECT_EQ(base64url_encode(c.credential_id), *s.credential_id);
  EXPECT_EQ(c.credential_id.size(), 16u);
  EXPECT_TRUE(std::equal(c.holder_key.begin(), c.holder_key.end(), phone_.pk.begin()));
  EXPECT_EQ(c.not_before, s.not_before / 1000);
  EXPECT_EQ(c.expires, s.not_after / 1000);
  EXPECT_TRUE(c.rights.allows(vehicle::Action::open_trunk));
  EXPECT_TRUE(c.rights.allows(vehicle::Action::lock));
  EXPECT_FALSE(c.rights.allows(vehicle::Action::drive));
  EXPECT_FALSE(c.rights.reshare);
  EXPECT_EQ(c.rights.max_uses, 1u);

  // key.issued, with the credential, to the phone; not to the tablet, not device-less.
  auto on_phone = events_of("usr_courier", "dev_phone");
  ASSERT_EQ(types(on_phone), (std::vector<std::string>{"key.offered", "key.issued"}));
  EXPECT_EQ(on_phone[1].target_device, "dev_phone");
  EXPECT_NE(on_phone[1].payload.find(*s.credential), std::string::npos);
  EXPECT_EQ(types(events_of("usr_courier", "dev_tablet")),
            (std::vector<std::string>{"key.offered"}));
  auto owner = events_of("usr_owner");
  EXPECT_EQ(types(owner), (std::vector<std::string>{"key.offered", "key.verified", "key.issued"}));
  for (const auto& e : owner) EXPECT_EQ(e.payload.find(*s.credential), std::string::npos);

  bool with_credential = false;
  auto as_owner = service_->get("usr_owner", id, with_credential);
  ASSERT_TRUE(as_owner.ok());
  EXPECT_FALSE(with_credential);
  auto as_holder = service_->get("usr_courier", id, with_credential);
  ASSERT_TRUE(as_holder.ok());
  EXPECT_TRUE(with_credential);
  EXPECT_EQ(service_->get("usr_stranger", id, with_credential).error().code, Errc::not_found);
}

TEST_F(KeyShareServiceTest, TwoAcceptsFromTwoDevicesIssueOnce) {
  ShareRequest r = request("delivery", "courier");
  must([](storage::Writes& w) { return w.devices().clear_primary_devices("usr_courier"); });
  auto shared = share("usr_owner", std::move(r));
  ASSERT_TRUE(shared.ok());
  const std::string id = shared->share.record.id;
  EXPECT_FALSE(shared->share.record.device_id.has_value());
  auto c1 = challenge("usr_courier", id, phone_);
  auto c2 = challenge("usr_courier", id, tablet_);
  ASSERT_TRUE(c1.ok() && c2.ok());
  std::promise<Result<ShareView>> first, second;
  service_->accept("usr_courier", id, phone_.id, phone_.sign(c1->signing_input), std::nullopt,
                   [&first](Result<ShareView> v) { first.set_value(std::move(v)); });
  service_->accept("usr_courier", id, tablet_.id, tablet_.sign(c2->signing_input), std::nullopt,
                   [&second](Result<ShareView> v) { second.set_value(std::move(v)); });
  auto a = first.get_future().get();
  auto b = second.get_future().get();
  ASSERT_NE(a.ok(), b.ok());
  const auto& lost = a.ok() ? b : a;
  EXPECT_EQ(lost.error().code, kShareStateConflict);
  EXPECT_EQ((a.ok() ? a : b)->record.device_id, a.ok() ? "dev_phone" : "dev_tablet");
}

TEST_F(KeyShareServiceTest, FiveFailedAttemptsVoidTheShareAndNothingIsIssued) {
  auto shared = share("usr_owner", request("valet"));
  ASSERT_TRUE(shared.ok()) << shared.error().detail;
  ASSERT_TRUE(shared->code.has_value());
  const std::string id = shared->share.record.id;
  // Only a keyed hash of the code is kept.
  ASSERT_TRUE(shared->share.record.code_hash.has_value());
  EXPECT_EQ(shared->share.record.code_hash->find(*shared->code), std::string::npos);
  const ErrorCode expected[] = {kAcceptSignatureInvalid, kAcceptCodeInvalid, kAcceptCodeInvalid,
                                kAcceptCodeInvalid, kShareVoid};
  for (int i = 0; i < 5; ++i) {
    auto r = i == 0 ? accept(id, phone_, shared->code, &other_)  // wrong key
                    : accept(id, phone_, std::string("x"));      // wrong code
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, expected[i]) << i;
  }
  auto after = accept(id, phone_, shared->code);
  ASSERT_FALSE(after.ok());
  EXPECT_EQ(after.error().code, kShareStateConflict);
  bool with = false;
  auto s = service_->get("usr_owner", id, with);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->record.status, kShareFailed);
  EXPECT_EQ(s->record.failed_attempts, 5);
  EXPECT_FALSE(s->record.credential.has_value());
  EXPECT_EQ(types(events_of("usr_owner")), (std::vector<std::string>{"key.offered", "key.failed"}));
}

TEST_F(KeyShareServiceTest, RevokingOrReturningAnIssuedKeyMovesTheRevocationVersion) {
  auto offered = share("usr_owner", request());
  ASSERT_TRUE(offered.ok());
  auto revoked = wait<ShareView>([&](Callback<ShareView> cb) {
    service_->revoke("usr_owner", offered->share.record.id, std::move(cb));
  });
  ASSERT_TRUE(revoked.ok());
  EXPECT_EQ(store_->reads().key_shares().revocations_of("veh_1", now_millis())->version, 0u);

  auto a = share("usr_owner", request());
  auto b = share("usr_owner", request());
  ASSERT_TRUE(a.ok() && b.ok());
  auto ia = accept(a->share.record.id, phone_);
  auto ib = accept(b->share.record.id, phone_);
  ASSERT_TRUE(ia.ok() && ib.ok());
  // Only the owner or the sharer revokes; only the holder returns.
  auto by_stranger = wait<ShareView>([&](Callback<ShareView> cb) {
    service_->revoke("usr_stranger", a->share.record.id, std::move(cb));
  });
  EXPECT_EQ(by_stranger.error().code, Errc::not_found);
  auto by_owner = wait<ShareView>([&](Callback<ShareView> cb) {
    service_->give_back("usr_owner", a->share.record.id, std::move(cb));
  });
  EXPECT_EQ(by_owner.error().code, Errc::not_found);

  ASSERT_TRUE(wait<ShareView>([&](Callback<ShareView> cb) {
                service_->revoke("usr_owner", a->share.record.id, std::move(cb));
              }).ok());
  ASSERT_TRUE(wait<ShareView>([&](Callback<ShareView> cb) {
                service_->give_back("usr_courier", b->share.record.id, std::move(cb));
              }).ok());
  auto list = store_->reads().key_shares().revocations_of("veh_1", now_millis());
  ASSERT_TRUE(list.ok());
  EXPECT_EQ(list->version, 2u);
  std::vector<std::string> expected{*ia->record.credential_id, *ib->record.credential_id};
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(list->credential_ids, expected);
  // The holder hears of the revocation.
  auto courier = types(events_of("usr_courier"));
  EXPECT_EQ(std::count(courier.begin(), courier.end(), "key.revoked"), 2);
}

TEST_F(KeyShareServiceTest, AVehicleTakesNoMoreKeysThanItsRevocationListCanHold) {
  // kMaxLiveKeysPerVehicle - 1 keys that could still reach the list: revoked-and-listed ones
  // count as much as live offers.
  const UnixMillis now = now_millis();
  auto seeded = wait<bool>([&](Callback<bool> done) {
    store_->write<bool>(
        [&](storage::Writes& w) -> Result<bool> {
          for (std::size_t i = 0; i + 1 < kMaxLiveKeysPerVehicle; ++i) {
            KeyShareRecord s;
            s.id = "ksh_seed" + std::to_string(i);
            s.vehicle_id = "veh_1";
            s.sharer_id = "usr_owner";
            s.recipient_id = "usr_courier";
            s.task = "delivery";
            s.rights = "{}";
            s.refused = "[]";
            s.not_before = now;
            s.not_after = now + 3600'000;
            s.status = std::string(i % 2 ? kShareOffered : kShareRevoked);
            if (i % 2 == 0) {  // revoked an hour after it expired: still on the list
              s.credential_id = "cti" + std::to_string(i);
              s.credential_expires_at = now - 3600'000;
            }
            s.created_at = s.updated_at = now;
            PADDOCK_TRY(w.key_shares().insert_share(s));
          }
          return true;
        },
        std::move(done));
  });
  ASSERT_TRUE(seeded.ok()) << seeded.error().detail;
  ASSERT_TRUE(share("usr_owner", request()).ok());  // the last one that fits
  auto refused = share("usr_owner", request());
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, kKeyLimit);
}

TEST_F(KeyShareServiceTest, TheOwnerAloneListsKeysAndReadsTheAudit) {
  ASSERT_TRUE(share("usr_owner", request()).ok());
  auto listed = service_->list("usr_owner", "veh_1");
  ASSERT_TRUE(listed.ok());
  EXPECT_EQ(listed->size(), 1u);
  for (const char* user : {"usr_fan", "usr_member", "usr_courier"}) {
    EXPECT_EQ(service_->list(user, "veh_1").error().code, Errc::forbidden) << user;
    EXPECT_EQ(service_->audit(user, "veh_1", 0, 10).error().code, Errc::forbidden) << user;
  }
  EXPECT_EQ(service_->list("usr_stranger", "veh_1").error().code, Errc::not_found);
}

}  // namespace
}  // namespace paddock::keys

namespace paddock::keys {
namespace {

TEST_F(KeyShareServiceTest, KeysCutFromARevokedKeyEndWithIt) {
  policy_.relationships[static_cast<std::size_t>(Relationship::family)].actions.add(
      Action::reshare);
  must([](storage::Writes& w) -> Result<void> {
    PADDOCK_TRY(w.contacts().put_contact({"usr_owner", "usr_courier", "family", 1, 1}));
    return w.contacts().put_contact({"usr_courier", "usr_stranger", "family", 1, 1});
  });
  ShareRequest r = request("custom", "courier");
  r.rights = std::vector<std::string>{"unlock", "lock", "reshare"};
  auto parent = share("usr_owner", std::move(r));
  ASSERT_TRUE(parent.ok()) << parent.error().detail;
  ASSERT_TRUE(accept(parent->share.record.id, phone_).ok());

  ShareRequest onward = request("custom", "stranger");
  onward.rights = std::vector<std::string>{"unlock", "drive"};
  auto child = share("usr_courier", std::move(onward));
  ASSERT_TRUE(child.ok()) << child.error().detail;
  EXPECT_EQ(child->share.record.via_share_id, parent->share.record.id);
  EXPECT_EQ(action_names(child->share.rights.actions), (std::vector<std::string>{"unlock"}));
  EXPECT_LE(child->share.record.not_after, parent->share.record.not_after);
  const std::string child_id = child->share.record.id;
  auto c = challenge("usr_stranger", child_id, other_);
  ASSERT_TRUE(c.ok());
  auto issued = wait<ShareView>([&](Callback<ShareView> cb) {
    service_->accept("usr_stranger", child_id, other_.id, other_.sign(c->signing_input),
                     std::nullopt, std::move(cb));
  });
  ASSERT_TRUE(issued.ok()) << issued.error().detail;

  ASSERT_TRUE(wait<ShareView>([&](Callback<ShareView> cb) {
                service_->revoke("usr_owner", parent->share.record.id, std::move(cb));
              }).ok());
  bool with = false;
  EXPECT_EQ(service_->get("usr_owner", child_id, with)->record.status, kShareRevoked);
  auto list = store_->reads().key_shares().revocations_of("veh_1", now_millis());
  ASSERT_TRUE(list.ok());
  EXPECT_EQ(list->credential_ids.size(), 2u);
  EXPECT_EQ(list->version, 2u);
  auto stranger = types(events_of("usr_stranger"));
  EXPECT_EQ(std::count(stranger.begin(), stranger.end(), "key.revoked"), 1);
  // The former holder may share no more.
  auto again = share("usr_courier", request("custom", "stranger"));
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, Errc::forbidden);
}

}  // namespace
}  // namespace paddock::keys
