// Conformance: the publisher hub's repository (publishers/publisher_repository.hpp): publisher
// ids unique by the database, the change sequence, the inbox's current-state contract, and the
// providers an owner names for a vehicle.
#include "storage/conformance/conformance.hpp"

namespace paddock::storage::conformance {
namespace {

using publishers::MessageRecord;
using publishers::OptOut;
using publishers::PublisherRecord;

constexpr const char* kPub = "DL0000000000000018";
constexpr UnixMillis kNow = 1'000'000;

PublisherRecord publisher(const std::string& reg, std::optional<std::string> id) {
  return {reg, std::move(id), "Acme", "dealer", "ops@acme", std::nullopt, "active", 1, 1};
}

MessageRecord message(const std::string& id, bool is_public, const std::string& title) {
  MessageRecord m;
  m.publisher_id = kPub;
  m.message_id = id;
  m.is_public = is_public;
  m.category = "offer";
  m.title = title;
  m.data = "{}";
  return m;
}

TEST_P(StoreContract, PublisherIdsAreUniqueByTheDatabase) {
  seed();
  must_write([](Writes& w) -> Result<void> {
    PADDOCK_TRY(w.publishers().insert_publisher(publisher("reg_1", std::nullopt)));
    return w.publishers().insert_publisher(publisher("reg_2", std::nullopt));
  });
  auto first =
      write<bool>([](Writes& w) { return w.publishers().assign_publisher_id("reg_1", kPub); });
  auto second =
      write<bool>([](Writes& w) { return w.publishers().assign_publisher_id("reg_2", kPub); });
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_TRUE(*first);
  EXPECT_FALSE(*second);
  auto p = reads().publishers().publisher_by_id(kPub);
  ASSERT_TRUE(p.ok() && p->has_value());
  EXPECT_EQ((*p)->registration_id, "reg_1");
  auto other = reads().publishers().publisher_by_registration("reg_2");
  ASSERT_TRUE(other.ok() && other->has_value());
  EXPECT_FALSE((*other)->id.has_value());
}

TEST_P(StoreContract, TheChangeSequenceOnlyGrows) {
  seed();
  std::int64_t last = 0;
  for (int i = 0; i < 3; ++i) {
    auto seq = write<std::int64_t>([](Writes& w) { return w.publishers().next_publisher_seq(); });
    ASSERT_TRUE(seq.ok());
    EXPECT_GT(*seq, last);
    last = *seq;
  }
  EXPECT_EQ(*reads().publishers().last_publisher_seq(), last);
}

TEST_P(StoreContract, SecretsExpireAtTheOverlapAndListNewestFirst) {
  seed();
  must_write([](Writes& w) -> Result<void> {
    PADDOCK_TRY(w.publishers().insert_publisher(publisher("reg_1", kPub)));
    PADDOCK_TRY(w.publishers().insert_secret({"reg_1", 1, "s1", 1, std::nullopt}));
    PADDOCK_TRY(w.publishers().expire_secrets("reg_1", 500));
    return w.publishers().insert_secret({"reg_1", 2, "s2", 2, std::nullopt});
  });
  auto secrets = reads().publishers().secrets_of("reg_1");
  ASSERT_TRUE(secrets.ok());
  ASSERT_EQ(secrets->size(), 2u);
  EXPECT_EQ((*secrets)[0].serial, 2);
  EXPECT_FALSE((*secrets)[0].expires_at);
  EXPECT_EQ((*secrets)[1].expires_at, 500);
  // A later, longer overlap does not extend an expiry already set.
  must_write([](Writes& w) { return w.publishers().expire_secrets("reg_1", 900); });
  secrets = reads().publishers().secrets_of("reg_1");
  EXPECT_EQ((*secrets)[1].expires_at, 500);
  EXPECT_EQ((*secrets)[0].expires_at, 900);
}

TEST_P(StoreContract, TheNewestSecretIsTheLastSealedOfAnyPublisher) {
  seed();
  auto none = reads().publishers().newest_secret();
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
  must_write([](Writes& w) -> Result<void> {
    PADDOCK_TRY(w.publishers().insert_publisher(publisher("reg_1", kPub)));
    PADDOCK_TRY(w.publishers().insert_publisher(publisher("reg_2", std::nullopt)));
    PADDOCK_TRY(w.publishers().insert_secret({"reg_1", 1, "s1", 10, std::nullopt}));
    PADDOCK_TRY(w.publishers().insert_secret({"reg_2", 1, "s2", 30, std::nullopt}));
    return w.publishers().insert_secret({"reg_1", 2, "s3", 20, std::nullopt});
  });
  auto newest = reads().publishers().newest_secret();
  ASSERT_TRUE(newest.ok());
  ASSERT_TRUE(newest->has_value());
  EXPECT_EQ((*newest)->registration_id, "reg_2");
  EXPECT_EQ((*newest)->sealed, "s2");
}

TEST_P(StoreContract, TheInboxGivesTheCurrentStateOnlyAndHonoursOptOuts) {
  seed();
  must_write([](Writes& w) { return w.publishers().insert_publisher(publisher("reg_1", kPub)); });
  // Writes `m` at the next seq, as the service does; a new message's first_seq is that seq.
  auto put = [this](MessageRecord m) {
    auto done = write<MessageRecord>([m](Writes& w) mutable -> Result<MessageRecord> {
      PADDOCK_ASSIGN(seq, w.publishers().next_publisher_seq());
      m.seq = seq;
      if (m.first_seq == 0) m.first_seq = seq;
      PADDOCK_TRY(w.publishers().put_publisher_message(m));
      return m;
    });
    EXPECT_TRUE(done.ok());
    return *done;
  };
  auto inbox = [this](const std::string& user, std::int64_t after) {
    auto entries = reads().publishers().inbox_after(user, after, kNow, 100);
    EXPECT_TRUE(entries.ok());
    std::vector<std::string> out;
    for (const auto& e : *entries) {
      out.push_back(e.message.message_id + (e.message.withdrawn ? "!" : "") + ":" +
                    e.message.title + (e.read ? "*" : ""));
    }
    return out;
  };
  auto pub1 = put(message("p1", true, "v1"));
  auto tgt = put(message("t1", false, "for b"));
  must_write([](Writes& w) { return w.publishers().add_message_receivers(kPub, "t1", {"usr_b"}); });
  std::int64_t cursor_after_t1 = tgt.seq;
  auto gone = put(message("p2", true, "soon gone"));
  pub1.title = "v2";
  pub1 = put(pub1);
  gone.withdrawn = true;
  gone.title.clear();
  put(gone);
  auto expired = message("p3", true, "expired");
  expired.expires_at = kNow - 1;
  put(expired);

  // From the start: each live message once, at its latest state; nothing withdrawn or expired.
  EXPECT_EQ(inbox("usr_a", 0), (std::vector<std::string>{"p1:v2"}));
  EXPECT_EQ(inbox("usr_b", 0), (std::vector<std::string>{"t1:for b", "p1:v2"}));
  // A receiver whose cursor predates p2's publication never needs its withdrawal; one that
  // synced after it was published does.
  EXPECT_EQ(inbox("usr_a", cursor_after_t1), (std::vector<std::string>{"p1:v2"}));
  EXPECT_EQ(inbox("usr_a", gone.first_seq), (std::vector<std::string>{"p1:v2", "p2!:"}));

  must_write([](Writes& w) {
    return w.publishers().replace_opt_outs("usr_b", {{OptOut::Kind::category, "offer"}});
  });
  EXPECT_EQ(inbox("usr_b", 0), (std::vector<std::string>{}));
  auto opted = reads().publishers().users_opted_out(kPub, "offer");
  ASSERT_TRUE(opted.ok());
  EXPECT_EQ(*opted, (std::vector<std::string>{"usr_b"}));
  must_write([](Writes& w) { return w.publishers().replace_opt_outs("usr_b", {}); });

  must_write([](Writes& w) -> Result<void> {
    PADDOCK_TRY(w.publishers().mark_read("usr_b", kPub, "t1", false, 5));
    return w.publishers().mark_read("usr_a", kPub, "p1", true, 5);
  });
  EXPECT_EQ(inbox("usr_b", 0), (std::vector<std::string>{"t1:for b*", "p1:v2"}));
  EXPECT_EQ(inbox("usr_a", 0), (std::vector<std::string>{"p1:v2*"}));
  auto item = reads().publishers().inbox_item("usr_c", kPub, "t1", kNow);
  ASSERT_TRUE(item.ok());
  EXPECT_FALSE(item->has_value());  // targeted at someone else
  item = reads().publishers().inbox_item("usr_c", kPub, "p1", kNow);
  ASSERT_TRUE(item.ok() && item->has_value());
  EXPECT_FALSE((*item)->read);
  EXPECT_FALSE(reads().publishers().inbox_item("usr_c", kPub, "p2", kNow)->has_value());

  // Statistics. Synced: the message's audience whose inbox cursor passed its first publication
  // (a cursor never goes back); read: the receivers who marked it.
  auto head = *reads().publishers().last_publisher_seq();
  must_write([&](Writes& w) -> Result<void> {
    PADDOCK_TRY(w.publishers().advance_inbox_cursor("usr_a", head, 7));
    PADDOCK_TRY(w.publishers().advance_inbox_cursor("usr_b", tgt.first_seq, 7));
    PADDOCK_TRY(w.publishers().advance_inbox_cursor("usr_c", head, 7));
    PADDOCK_TRY(w.publishers().advance_inbox_cursor("usr_c", 1, 8));  // an older page: no change
    return w.publishers().replace_opt_outs("usr_c", {{OptOut::Kind::publisher, kPub}});
  });
  auto tally = [this](const char* id) {
    auto t = reads().publishers().message_tally(kPub, id);
    EXPECT_TRUE(t.ok());
    return std::pair{t->synced, t->read};
  };
  EXPECT_EQ(tally("t1"), std::pair(std::int64_t{1}, std::int64_t{1}));  // usr_b's, not usr_a's
  EXPECT_EQ(tally("p1"), std::pair(std::int64_t{2}, std::int64_t{1}));  // usr_c opted out
  must_write([](Writes& w) { return w.publishers().replace_opt_outs("usr_c", {}); });
  EXPECT_EQ(tally("p1").first, 3);
  EXPECT_EQ(tally("p3").first, 2) << "usr_b's cursor is before p3";
  EXPECT_EQ(tally("nothing").first, 0);

  // Reach: one sketch per message, replaced whole.
  EXPECT_EQ(*reads().publishers().message_reach(kPub, "t1"), "");
  must_write([](Writes& w) -> Result<void> {
    PADDOCK_TRY(w.publishers().put_message_reach(kPub, "t1", "Eold"));
    return w.publishers().put_message_reach(kPub, "t1", "Enew");
  });
  EXPECT_EQ(*reads().publishers().message_reach(kPub, "t1"), "Enew");
  EXPECT_EQ(reads().publishers().message_tally(kPub, "t1")->delivered_reach, "Enew");
  EXPECT_EQ(reads().publishers().message_tally(kPub, "p1")->delivered_reach, "");
}

// A provider named for a vehicle serves its current owner only, once, and goes with the vehicle.
TEST_P(StoreContract, ServiceProvidersServeTheVehiclesOwnerAndGoWithTheVehicle) {
  seed();
  auto put = [](const char* vehicle, const char* pub, UnixMillis at) {
    return [=](Writes& w) { return w.publishers().put_service_provider(vehicle, pub, at); };
  };
  auto first = write<bool>(put("veh_1", kPub, 5));
  auto again = write<bool>(put("veh_1", kPub, 6));
  auto other = write<bool>(put("veh_1", "DL0000000000000026", 4));
  ASSERT_TRUE(first.ok() && again.ok() && other.ok());
  EXPECT_TRUE(*first);
  EXPECT_FALSE(*again);
  EXPECT_EQ(*reads().publishers().service_providers_of("veh_1"),
            (std::vector<std::string>{"DL0000000000000026", kPub}));
  EXPECT_TRUE(*reads().publishers().serves_vehicle_of("usr_a", kPub));
  EXPECT_FALSE(*reads().publishers().serves_vehicle_of("usr_b", kPub));

  // The owner changes: the providers are the old owner's choice, so they go.
  must_write([](Writes& w) -> Result<void> {
    PADDOCK_ASSIGN(v, w.sharing().vehicle_by_id("veh_1"));
    v->owner_id = "usr_b";
    PADDOCK_TRY(w.sharing().update_vehicle(*v));
    return w.publishers().delete_service_providers("veh_1");
  });
  EXPECT_FALSE(*reads().publishers().serves_vehicle_of("usr_a", kPub));
  EXPECT_FALSE(*reads().publishers().serves_vehicle_of("usr_b", kPub));
  EXPECT_TRUE(reads().publishers().service_providers_of("veh_1")->empty());

  // Named again by the new owner, then one removed, then the vehicle deleted.
  ASSERT_TRUE(write<bool>(put("veh_1", kPub, 7)).ok());
  EXPECT_TRUE(*reads().publishers().serves_vehicle_of("usr_b", kPub));
  auto removed = write<bool>([](Writes& w) {
    return w.publishers().delete_service_provider("veh_1", "DL0000000000000026");
  });
  ASSERT_TRUE(removed.ok());
  EXPECT_FALSE(*removed);
  must_write([](Writes& w) { return w.sharing().delete_vehicle("veh_1"); });
  EXPECT_FALSE(*reads().publishers().serves_vehicle_of("usr_b", kPub));
  EXPECT_TRUE(reads().publishers().service_providers_of("veh_1")->empty());
}

}  // namespace
}  // namespace paddock::storage::conformance
