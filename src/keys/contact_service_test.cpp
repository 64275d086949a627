// The contact service over a real store: validation before any write, and the relationship
// the key policy reads (none without a contact).
#include <gtest/gtest.h>

#include <filesystem>
#include <future>

#include <unistd.h>

#include "keys/contact_service.hpp"
#include "storage/sqlite/sqlite_store.hpp"

namespace paddock::keys {
namespace {

class ContactServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("paddock-contacts-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    auto store = storage::sqlite::open_store({(dir_ / "paddock.db").string()});
    ASSERT_TRUE(store.ok()) << store.error().detail;
    store_ = std::move(store.value());
    service_ = std::make_unique<ContactService>(*store_);
    std::promise<Result<bool>> done;
    store_->write<bool>(
        [](storage::Writes& w) -> Result<bool> {
          for (const char* id : {"usr_a", "usr_b"}) {
            PADDOCK_TRY(w.identity().insert_user({id, id + 4, "Name", "hash", 1}));
          }
          return true;
        },
        [&done](Result<bool> r) { done.set_value(std::move(r)); });
    ASSERT_TRUE(done.get_future().get().ok());
  }
  void TearDown() override {
    service_.reset();
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  Result<PutOutcome> put(const std::string& owner, const std::string& other,
                         const std::string& relationship) {
    std::promise<Result<PutOutcome>> done;
    service_->put(owner, other, relationship,
                  [&done](Result<PutOutcome> r) { done.set_value(std::move(r)); });
    return done.get_future().get();
  }

  std::filesystem::path dir_;
  std::unique_ptr<storage::Store> store_;
  std::unique_ptr<ContactService> service_;
};

TEST_F(ContactServiceTest, RefusalsNameTheirField) {
  struct Row {
    const char* name;
    std::string owner, other, relationship;
    ErrorCode code;
    std::string field;
  };
  const Row rows[] = {
      {"yourself", "usr_a", "usr_a", "family", Errc::invalid_field, "user_id"},
      {"unknown user", "usr_a", "usr_zzz", "family", Errc::not_found, ""},
      {"not an id", "usr_a", "../usr_b", "family", Errc::not_found, ""},
      {"unknown relationship", "usr_a", "usr_b", "enemy", Errc::invalid_field, "relationship"},
      {"none is not a contact's", "usr_a", "usr_b", "none", Errc::invalid_field, "relationship"},
  };
  for (const auto& row : rows) {
    SCOPED_TRACE(row.name);
    auto r = put(row.owner, row.other, row.relationship);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, row.code);
    EXPECT_EQ(r.error().field, row.field);
  }
  EXPECT_TRUE(service_->list("usr_a")->empty());
}

TEST_F(ContactServiceTest, TheRelationshipIsNoneUntilAContactSaysOtherwise) {
  EXPECT_EQ(*service_->relationship_between("usr_a", "usr_b"), Relationship::none);
  auto created = put("usr_a", "usr_b", "service_provider");
  ASSERT_TRUE(created.ok()) << created.error().detail;
  EXPECT_TRUE(created->created);
  EXPECT_EQ(created->view.username, "b");
  EXPECT_EQ(*service_->relationship_between("usr_a", "usr_b"), Relationship::service_provider);
  EXPECT_EQ(*service_->relationship_between("usr_b", "usr_a"), Relationship::none);
  auto changed = put("usr_a", "usr_b", "friend");
  ASSERT_TRUE(changed.ok());
  EXPECT_FALSE(changed->created);
  EXPECT_EQ(*service_->relationship_between("usr_a", "usr_b"), Relationship::friend_);
  std::promise<Result<bool>> removed;
  service_->remove("usr_a", "usr_b", [&removed](Result<bool> r) { removed.set_value(std::move(r)); });
  ASSERT_TRUE(removed.get_future().get().ok());
  EXPECT_EQ(*service_->relationship_between("usr_a", "usr_b"), Relationship::none);
}

}  // namespace
}  // namespace paddock::keys
