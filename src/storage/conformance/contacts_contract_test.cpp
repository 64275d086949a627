// Conformance: the keys module's contacts (keys/contacts_repository.hpp).
#include "storage/conformance/conformance.hpp"

namespace paddock::storage::conformance {
namespace {

keys::ContactRecord contact(const std::string& owner, const std::string& other,
                            const std::string& relationship, UnixMillis at) {
  return {owner, other, relationship, at, at};
}

TEST_P(StoreContract, ContactsAreOneDirectionalAndListedOldestFirst) {
  seed();
  must_write([](Writes& w) -> Result<void> {
    PADDOCK_TRY(w.contacts().put_contact(contact("usr_a", "usr_c", "friend", 20)));
    PADDOCK_TRY(w.contacts().put_contact(contact("usr_a", "usr_b", "family", 10)));
    return w.contacts().put_contact(contact("usr_b", "usr_a", "colleague", 5));
  });
  auto listed = reads().contacts().contacts_of("usr_a");
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 2u);
  EXPECT_EQ((*listed)[0].contact_id, "usr_b");
  EXPECT_EQ((*listed)[0].relationship, "family");
  EXPECT_EQ((*listed)[1].contact_id, "usr_c");
  auto theirs = reads().contacts().contact_of("usr_b", "usr_a");
  ASSERT_TRUE(theirs.ok() && theirs->has_value());
  EXPECT_EQ((*theirs)->relationship, "colleague");
  EXPECT_FALSE(reads().contacts().contact_of("usr_c", "usr_a")->has_value());
}

TEST_P(StoreContract, PuttingAContactAgainChangesItAndKeepsItsCreationTime) {
  seed();
  must_write([](Writes& w) { return w.contacts().put_contact(contact("usr_a", "usr_b", "friend", 10)); });
  must_write([](Writes& w) {
    return w.contacts().put_contact({"usr_a", "usr_b", "family", 99, 50});
  });
  auto c = reads().contacts().contact_of("usr_a", "usr_b");
  ASSERT_TRUE(c.ok() && c->has_value());
  EXPECT_EQ((*c)->relationship, "family");
  EXPECT_EQ((*c)->created_at, 10);
  EXPECT_EQ((*c)->updated_at, 50);
  EXPECT_EQ(reads().contacts().contacts_of("usr_a")->size(), 1u);
}

TEST_P(StoreContract, DeletingAContactTouchesOnlyTheOwnersView) {
  seed();
  must_write([](Writes& w) -> Result<void> {
    PADDOCK_TRY(w.contacts().put_contact(contact("usr_a", "usr_b", "friend", 1)));
    return w.contacts().put_contact(contact("usr_b", "usr_a", "friend", 1));
  });
  auto missing = write<bool>([](Writes& w) { return w.contacts().delete_contact("usr_a", "usr_c"); });
  ASSERT_TRUE(missing.ok());
  EXPECT_FALSE(*missing);
  auto gone = write<bool>([](Writes& w) { return w.contacts().delete_contact("usr_a", "usr_b"); });
  ASSERT_TRUE(gone.ok());
  EXPECT_TRUE(*gone);
  EXPECT_FALSE(reads().contacts().contact_of("usr_a", "usr_b")->has_value());
  EXPECT_TRUE(reads().contacts().contact_of("usr_b", "usr_a")->has_value());
}

}  // namespace
}  // namespace paddock::storage::conformance
