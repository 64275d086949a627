// Conformance: the keys module's key shares, audit log and revocation versions
// (keys/key_share_repository.hpp).
#include "storage/conformance/conformance.hpp"

namespace paddock::storage::conformance {
namespace {

keys::KeyShareRecord share(const std::string& id, const std::string& recipient,
                           UnixMillis created_at) {
  keys::KeyShareRecord s;
  s.id = id;
  s.vehicle_id = "veh_1";
  s.sharer_id = "usr_a";
  s.recipient_id = recipient;
  s.task = "delivery";
  s.status = std::string(keys::kShareOffered);
  s.rights = R"({"actions":["lock","open_trunk"]})";
  s.refused = "[]";
  s.verification = "device_signature";
  s.not_before = 1000;
  s.not_after = 2000;
  s.max_uses = 1;
  s.note = "parcel";
  s.created_at = created_at;
  s.updated_at = created_at;
  return s;
}

keys::KeyShareRecord issued(keys::KeyShareRecord s, const std::string& cti, UnixMillis expires) {
  s.status = std::string(keys::kShareIssued);
  s.device_id = "dev_b";
  s.credential = "Y3JlZA";
  s.credential_id = cti;
  s.kid = "k1";
  s.credential_expires_at = expires;
  s.issued_at = 1500;
  return s;
}

keys::KeyAuditRecord audit(const std::string& vehicle, const std::string& action, UnixMillis at) {
  return {0, vehicle, "ksh_1", std::nullopt, "user", "usr_a", action, "", at};
}

TEST_P(StoreContract, AKeyShareReadsBackAsWrittenAndIsFoundByItsCredentialId) {
  seed();
  keys::KeyShareRecord s = share("ksh_1", "usr_b", 10);
  s.code_hash = "abcd";
  s.via_share_id = "ksh_0";
  must_write([s](Writes& w) { return w.key_shares().insert_share(s); });
  auto read = reads().key_shares().share_by_id("ksh_1");
  ASSERT_TRUE(read.ok() && read->has_value());
  const auto& r = **read;
  EXPECT_EQ(r.recipient_id, "usr_b");
  EXPECT_EQ(r.rights, s.rights);
  EXPECT_EQ(r.code_hash, "abcd");
  EXPECT_EQ(r.via_share_id, "ksh_0");
  EXPECT_EQ(r.max_uses, 1);
  EXPECT_FALSE(r.device_id.has_value());
  EXPECT_FALSE(r.credential.has_value());
  EXPECT_EQ(r.note, "parcel");

  keys::KeyShareRecord done = issued(s, "cti-1", 9000);
  auto updated = write<bool>(
      [done](Writes& w) { return w.key_shares().update_share(done, keys::kShareOffered); });
  ASSERT_TRUE(updated.ok());
  EXPECT_TRUE(*updated);
  auto by_cti = reads().key_shares().share_by_credential_id("veh_1", "cti-1");
  ASSERT_TRUE(by_cti.ok() && by_cti->has_value());
  EXPECT_EQ((*by_cti)->id, "ksh_1");
  EXPECT_EQ((*by_cti)->device_id, "dev_b");
  EXPECT_EQ((*by_cti)->kid, "k1");
  EXPECT_EQ((*by_cti)->credential_expires_at, 9000);
  EXPECT_FALSE(reads().key_shares().share_by_credential_id("veh_2", "cti-1")->has_value());
  EXPECT_FALSE(reads().key_shares().share_by_credential_id("veh_1", "cti-2")->has_value());
}

TEST_P(StoreContract, AShareChangesOnlyFromTheStatusTheCallerExpected) {
  seed();
  must_write([](Writes& w) { return w.key_shares().insert_share(share("ksh_1", "usr_b", 10)); });
  keys::KeyShareRecord declined = share("ksh_1", "usr_b", 10);
  declined.status = std::string(keys::kShareDeclined);
  auto first = write<bool>(
      [declined](Writes& w) { return w.key_shares().update_share(declined, keys::kShareOffered); });
  ASSERT_TRUE(first.ok());
  EXPECT_TRUE(*first);
  // A second transition from `offered` (say, a concurrent accept) finds nothing to change.
  keys::KeyShareRecord accepted = issued(share("ksh_1", "usr_b", 10), "cti-1", 9000);
  auto second = write<bool>(
      [accepted](Writes& w) { return w.key_shares().update_share(accepted, keys::kShareOffered); });
  ASSERT_TRUE(second.ok());
  EXPECT_FALSE(*second);
  EXPECT_EQ((*reads().key_shares().share_by_id("ksh_1"))->status, "declined");
  EXPECT_FALSE((*reads().key_shares().share_by_id("ksh_1"))->credential.has_value());
}

TEST_P(StoreContract, SharesAreListedPerVehicleAndPerRecipientOldestFirst) {
  seed();
  must_write([](Writes& w) -> Result<void> {
    PADDOCK_TRY(w.key_shares().insert_share(share("ksh_2", "usr_c", 20)));
    PADDOCK_TRY(w.key_shares().insert_share(share("ksh_1", "usr_b", 10)));
    return w.key_shares().insert_share(share("ksh_3", "usr_b", 30));
  });
  auto all = reads().key_shares().shares_of_vehicle("veh_1");
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 3u);
  EXPECT_EQ((*all)[0].id, "ksh_1");
  EXPECT_EQ((*all)[1].id, "ksh_2");
  EXPECT_EQ((*all)[2].id, "ksh_3");
  auto of_b = reads().key_shares().shares_received("veh_1", "usr_b");
  ASSERT_TRUE(of_b.ok());
  ASSERT_EQ(of_b->size(), 2u);
  EXPECT_EQ((*of_b)[0].id, "ksh_1");
  EXPECT_EQ((*of_b)[1].id, "ksh_3");
  EXPECT_TRUE(reads().key_shares().shares_received("veh_1", "usr_a")->empty());
  EXPECT_TRUE(reads().key_shares().shares_of_vehicle("veh_2")->empty());
}

TEST_P(StoreContract, SharesAreListedPerBoundDeviceOfTheirRecipientOldestFirst) {
  seed();
  must_write([](Writes& w) -> Result<void> {
    auto bound = [](const char* id, const char* recipient, const char* device, UnixMillis at) {
      auto s = share(id, recipient, at);
      if (device) s.device_id = device;
      return s;
    };
    PADDOCK_TRY(w.key_shares().insert_share(bound("ksh_2", "usr_b", "dev_1", 20)));
    PADDOCK_TRY(w.key_shares().insert_share(bound("ksh_1", "usr_b", "dev_1", 10)));
    PADDOCK_TRY(w.key_shares().insert_share(bound("ksh_3", "usr_b", "dev_2", 30)));
    PADDOCK_TRY(w.key_shares().insert_share(bound("ksh_4", "usr_b", nullptr, 40)));
    return w.key_shares().insert_share(bound("ksh_5", "usr_c", "dev_1", 50));
  });
  auto of_dev = reads().key_shares().shares_of_device("usr_b", "dev_1");
  ASSERT_TRUE(of_dev.ok());
  ASSERT_EQ(of_dev->size(), 2u);
  EXPECT_EQ((*of_dev)[0].id, "ksh_1");
  EXPECT_EQ((*of_dev)[1].id, "ksh_2");
  EXPECT_TRUE(reads().key_shares().shares_of_device("usr_a", "dev_1")->empty());
  EXPECT_TRUE(reads().key_shares().shares_of_device("usr_b", "dev_9")->empty());
}

TEST_P(StoreContract, KidsInUseAreThoseOfCredentialsNotYetExpired) {
  seed();
  must_write([](Writes& w) -> Result<void> {
    auto signed_by = [](const char* id, const char* cti, const char* kid, UnixMillis exp) {
      auto s = issued(share(id, "usr_b", 10), cti, exp);
      s.kid = kid;
      return s;
    };
    PADDOCK_TRY(w.key_shares().insert_share(signed_by("ksh_1", "cti-1", "ik-b", 5000)));
    PADDOCK_TRY(w.key_shares().insert_share(signed_by("ksh_2", "cti-2", "ik-a", 9000)));
    PADDOCK_TRY(w.key_shares().insert_share(signed_by("ksh_3", "cti-3", "ik-b", 9000)));
    PADDOCK_TRY(w.key_shares().insert_share(signed_by("ksh_4", "cti-4", "ik-c", 3000)));
    return w.key_shares().insert_share(share("ksh_5", "usr_b", 10));  // offered: no kid
  });
  auto kids = reads().key_shares().kids_in_use(4000);
  ASSERT_TRUE(kids.ok());
  EXPECT_EQ(*kids, (std::vector<std::string>{"ik-a", "ik-b"}));
  EXPECT_TRUE(reads().key_shares().kids_in_use(9000)->empty());
}

TEST_P(StoreContract, TheAuditLogPagesByIncreasingSeqPerVehicle) {
  seed();
  must_write([](Writes& w) -> Result<void> {
    PADDOCK_TRY(w.sharing().insert_vehicle(vehicle("veh_2", "usr_b", std::nullopt, 20)));
    for (const char* action : {"shared", "verified", "issued"}) {
      PADDOCK_TRY(w.key_shares().append_audit(audit("veh_1", action, 100)));
      PADDOCK_TRY(w.key_shares().append_audit(audit("veh_2", action, 100)));
    }
    keys::KeyAuditRecord used{0,      "veh_1",  std::nullopt,       "cti-1", "head_unit",
                              "hu_1", "denied", "outside_geofence", 200};
    PADDOCK_TRY(w.key_shares().append_audit(used));
    return {};
  });
  auto first = reads().key_shares().audit_of("veh_1", 0, 2);
  ASSERT_TRUE(first.ok());
  ASSERT_EQ(first->size(), 2u);
  EXPECT_EQ((*first)[0].action, "shared");
  EXPECT_EQ((*first)[1].action, "verified");
  EXPECT_LT((*first)[0].seq, (*first)[1].seq);
  auto rest = reads().key_shares().audit_of("veh_1", (*first)[1].seq, 10);
  ASSERT_TRUE(rest.ok());
  ASSERT_EQ(rest->size(), 2u);
  EXPECT_EQ((*rest)[0].action, "issued");
  EXPECT_EQ((*rest)[1].action, "denied");
  EXPECT_EQ((*rest)[1].actor_kind, "head_unit");
  EXPECT_EQ((*rest)[1].actor_id, "hu_1");
  EXPECT_EQ((*rest)[1].credential_id, "cti-1");
  EXPECT_FALSE((*rest)[1].share_id.has_value());
  EXPECT_EQ((*rest)[1].detail, "outside_geofence");
  EXPECT_EQ((*rest)[1].at, 200);
  EXPECT_TRUE(reads().key_shares().audit_of("veh_1", (*rest)[1].seq, 10)->empty());
  EXPECT_EQ(reads().key_shares().audit_of("veh_2", 0, 10)->size(), 3u);
}

TEST_P(StoreContract, RevocationsListRevokedAndReturnedCredentialsUntilTheyExpire) {
  seed();
  auto none = reads().key_shares().revocations_of("veh_1", 0);
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(none->version, 0u);
  EXPECT_TRUE(none->credential_ids.empty());

  must_write([](Writes& w) -> Result<void> {
    auto revoked = issued(share("ksh_1", "usr_b", 10), "cti-b", 5000);
    revoked.status = std::string(keys::kShareRevoked);
    auto returned = issued(share("ksh_2", "usr_c", 20), "cti-a", 8000);
    returned.status = std::string(keys::kShareReturned);
    auto live = issued(share("ksh_3", "usr_c", 30), "cti-c", 8000);
    auto never_issued = share("ksh_4", "usr_b", 40);
    never_issued.status = std::string(keys::kShareRevoked);
    for (const auto& s : {revoked, returned, live, never_issued}) {
      PADDOCK_TRY(w.key_shares().insert_share(s));
    }
    PADDOCK_TRY(w.key_shares().bump_revocation_version("veh_1"));
    PADDOCK_TRY(w.key_shares().bump_revocation_version("veh_1"));
    return {};
  });
  auto now = reads().key_shares().revocations_of("veh_1", 1000);
  ASSERT_TRUE(now.ok());
  EXPECT_EQ(now->version, 2u);
  EXPECT_EQ(now->credential_ids, (std::vector<std::string>{"cti-a", "cti-b"}));
  // An expired credential needs no revocation: the car refuses it anyway.
  auto later = reads().key_shares().revocations_of("veh_1", 5000);
  EXPECT_EQ(later->credential_ids, (std::vector<std::string>{"cti-a"}));
  EXPECT_EQ(reads().key_shares().revocations_of("veh_2", 0)->version, 0u);
}

TEST_P(StoreContract, TheRevocationVersionNeverGoesBackEvenWhenTheVehicleGoes) {
  seed();
  auto one = write<std::uint64_t>(
      [](Writes& w) { return w.key_shares().bump_revocation_version("veh_1"); });
  auto two = write<std::uint64_t>(
      [](Writes& w) { return w.key_shares().bump_revocation_version("veh_1"); });
  ASSERT_TRUE(one.ok() && two.ok());
  EXPECT_EQ(*one, 1u);
  EXPECT_EQ(*two, 2u);
  // A job that bumps and then fails leaves the version where it was.
  auto failed = write<bool>([](Writes& w) -> Result<bool> {
    PADDOCK_TRY(w.key_shares().bump_revocation_version("veh_1"));
    return make_error(Errc::invalid_field, "rolled back");
  });
  EXPECT_FALSE(failed.ok());
  EXPECT_EQ(reads().key_shares().revocations_of("veh_1", 0)->version, 2u);
  must_write([](Writes& w) { return w.sharing().delete_vehicle("veh_1"); });
  EXPECT_EQ(reads().key_shares().revocations_of("veh_1", 0)->version, 2u);
  auto three = write<std::uint64_t>(
      [](Writes& w) { return w.key_shares().bump_revocation_version("veh_1"); });
  ASSERT_TRUE(three.ok());
  EXPECT_EQ(*three, 3u);
}

}  // namespace
}  // namespace paddock::storage::conformance
