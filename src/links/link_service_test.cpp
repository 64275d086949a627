// Unit tests: LinkService's rules against a real SQLite store (claims, the wrong-secret lock,
// the context seam's claimant check, approval and revocation).
#include "links/link_service.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <future>

#include "feed/hub.hpp"
#include "identity/tokens.hpp"
#include "links/errors.hpp"
#include "storage/sqlite/sqlite_store.hpp"

namespace paddock::links {
namespace {

// A context only one user may receive, the shape a key offer takes (key_share_id): it lets the
// seam's claimant check be tested before the key module exists. Its offer is readable text.
class RecipientOnlyContext final : public ContextSource {
 public:
  std::string_view kind() const override { return "recipient_only_id"; }
  Result<void> check_offer(const std::string&, const std::string&) override { return {}; }
  Result<void> check_claimant(const std::string& claimant, const std::string& id) override {
    if (claimant == id) return {};
    return make_error(Errc::forbidden, "only its recipient may claim it");
  }
  void resolve(const std::string&, const std::string& id, Callback<std::string> done) override {
    done("{\"for\":\"" + id + "\"}");
  }
};

class LinkServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("paddock-links-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    auto store = storage::sqlite::open_store({(dir_ / "paddock.db").string(), 1024, nullptr});
    ASSERT_TRUE(store.ok()) << store.error().detail;
    store_ = std::move(store.value());
    hub_ = std::make_unique<feed::Hub>(*store_);
    ContextSources contexts{std::make_shared<RecipientOnlyContext>()};
    links_ = std::make_unique<LinkService>(*store_, *hub_, watch_, contexts, LinkOptions{});
    auto seeded = write<bool>([](storage::Writes& w) -> Result<bool> {
      for (const char* name : {"a", "b"}) {
        std::string id = std::string("usr_") + name;
        PADDOCK_TRY(w.identity().insert_user({id, name, "Name " + std::string(name), "h", 1}));
        PADDOCK_TRY(w.devices().insert_device(
            {std::string("dev_") + name, id, "phone", "phone", "key", false, std::nullopt, 1}));
      }
      return true;
    });
    ASSERT_TRUE(seeded.ok());
  }
  void TearDown() override {
    links_.reset();
    hub_.reset();
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  template <class T>
  Result<T> write(std::function<Result<T>(storage::Writes&)> fn) {
    std::promise<Result<T>> done;
    store_->write<T>(std::move(fn), [&](Result<T> r) { done.set_value(std::move(r)); });
    return done.get_future().get();
  }
  template <class T, class Call>
  Result<T> wait(Call call) {
    std::promise<Result<T>> done;
    call([&](Result<T> r) { done.set_value(std::move(r)); });
    return done.get_future().get();
  }
  IssuedLink sign_in_link() {
    NewLink l{"sign_in",
              std::nullopt,
              std::nullopt,
              std::nullopt,
              Terminal{"Dashboard", "car_screen", "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"},
              "192.0.2.1"};
    auto issued = wait<IssuedLink>(
        [&](auto done) { links_->create(std::nullopt, std::move(l), std::move(done)); });
    EXPECT_TRUE(issued.ok()) << issued.error().detail;
    return std::move(issued.value());
  }
  Result<Claim> claim(const std::string& user, const std::string& id, const std::string& secret,
                      const std::string& device, const std::string& address = "198.51.100.1") {
    return wait<Claim>(
        [&](auto done) { links_->claim(user, id, secret, device, address, std::move(done)); });
  }

  std::filesystem::path dir_;
  std::unique_ptr<storage::Store> store_;
  std::unique_ptr<feed::Hub> hub_;
  WatchHub watch_;
  std::unique_ptr<LinkService> links_;
};

TEST_F(LinkServiceTest, WrongSecretsAreCountedAndTheFifthLocksTheLinkForGood) {
  IssuedLink link = sign_in_link();
  const std::string id = link.link.id;
  for (int i = 1; i <= 5; ++i) {
    auto r = claim("usr_b", id, new_link_secret(), "dev_b");
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, kLinkSecretInvalid) << "guess " << i;
    auto row = store_->reads().links().link_by_id(id);
    ASSERT_TRUE(row.ok() && row->has_value());
    EXPECT_EQ((*row)->failed_attempts, i);
    EXPECT_EQ((*row)->state, i < 5 ? "pending" : "dead");
  }
  auto right = claim("usr_b", id, link.secret, "dev_b");
  ASSERT_FALSE(right.ok());
  EXPECT_EQ(right.error().code, kLinkClosed) << "the right secret cannot revive a locked link";
  auto refreshed =
      wait<IssuedLink>([&](auto done) { links_->refresh(id, link.watch_token, std::move(done)); });
  ASSERT_FALSE(refreshed.ok());
  EXPECT_EQ(refreshed.error().code, kLinkState) << "nor can a refresh";
}

TEST_F(LinkServiceTest, ARecipientOnlyContextRefusesOthersWithoutBurningTheSecret) {
  NewLink l{"share",      std::string("recipient_only_id"),   std::string("usr_b"),
            std::nullopt, Terminal{"PC", "pc", std::nullopt}, "192.0.2.1"};
  auto issued = wait<IssuedLink>(
      [&](auto done) { links_->create(std::string("usr_a"), std::move(l), std::move(done)); });
  ASSERT_TRUE(issued.ok()) << issued.error().detail;
  auto wrong = claim("usr_a", issued->link.id, issued->secret, "dev_a");
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.error().code, Errc::forbidden);
  auto row = store_->reads().links().link_by_id(issued->link.id);
  EXPECT_EQ((*row)->state, "pending");
  EXPECT_EQ((*row)->failed_attempts, 0);
  auto right = claim("usr_b", issued->link.id, issued->secret, "dev_b");
  ASSERT_TRUE(right.ok()) << right.error().detail;
  EXPECT_EQ(right->context_json, "{\"for\":\"usr_b\"}");
  // The context also went to the claiming device's part of the feed log.
  auto events =
      store_->reads().events().personal_events_after("usr_b", std::string_view("dev_b"), 0, 10);
  ASSERT_TRUE(events.ok());
  ASSERT_EQ(events->size(), 1u);
  EXPECT_EQ((*events)[0].type, "link.context");
  EXPECT_EQ((*events)[0].target_device, "dev_b");
}

TEST_F(LinkServiceTest, ApprovalMakesTheScreensDeviceAndSessionAndRevokingRemovesBoth) {
  IssuedLink link = sign_in_link();
  auto watcher = watch_.subscribe(link.link.id, [] {});
  ASSERT_TRUE(claim("usr_b", link.link.id, link.secret, "dev_b").ok());
  auto other_device = wait<LinkRecord>(
      [&](auto done) { links_->approve("usr_b", link.link.id, "dev_a", std::move(done)); });
  ASSERT_FALSE(other_device.ok());
  EXPECT_EQ(other_device.error().code, Errc::not_found) << "only the device that claimed";
  auto approved = wait<LinkRecord>(
      [&](auto done) { links_->approve("usr_b", link.link.id, "dev_b", std::move(done)); });
  ASSERT_TRUE(approved.ok()) << approved.error().detail;
  ASSERT_TRUE(approved->signed_in_device && approved->session_hash);
  auto device = store_->reads().devices().device_by_id(*approved->signed_in_device);
  ASSERT_TRUE(device.ok() && device->has_value());
  EXPECT_EQ((*device)->kind, "car_screen");
  EXPECT_EQ((*device)->user_id, "usr_b");
  EXPECT_TRUE(
      store_->reads().identity().session_by_token_hash(*approved->session_hash)->has_value());

  std::vector<std::shared_ptr<const std::string>> notices;
  EXPECT_FALSE(watcher->next(notices, 10)) << "approval ends the watch";
  ASSERT_EQ(notices.size(), 2u);
  EXPECT_NE(notices[0]->find("\"link.claimed\""), std::string::npos);
  EXPECT_NE(notices[1]->find("\"link.approved\""), std::string::npos);
  EXPECT_EQ(notices[0]->find("usr_b"), std::string::npos) << "no ids in the claim notice";

  auto stranger =
      wait<LinkRecord>([&](auto done) { links_->revoke("usr_a", link.link.id, std::move(done)); });
  EXPECT_EQ(stranger.error().code, Errc::not_found);
  auto revoked =
      wait<LinkRecord>([&](auto done) { links_->revoke("usr_b", link.link.id, std::move(done)); });
  ASSERT_TRUE(revoked.ok());
  EXPECT_EQ(revoked->state, "revoked");
  EXPECT_FALSE(store_->reads().devices().device_by_id(*approved->signed_in_device)->has_value());
  EXPECT_FALSE(
      store_->reads().identity().session_by_token_hash(*approved->session_hash)->has_value());
}

}  // namespace
}  // namespace paddock::links
