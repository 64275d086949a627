// /readyz over a real SQLite store with injected faults: a server whose writes fail (a full
// disk) is not ready, and it is ready again after the next clean commit.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <filesystem>
#include <future>

#include "api/app.hpp"
#include "devices/device_service.hpp"
#include "feed/hub.hpp"
#include "identity/identity_service.hpp"
#include "keys/contact_service.hpp"
#include "keys/car_sync_service.hpp"
#include "keys/issuer_keys.hpp"
#include "keys/key_share_service.hpp"
#include "keys/policy.hpp"
#include "links/link_service.hpp"
#include "metrics/metrics.hpp"
#include "publishers/publisher_service.hpp"
#include "sharing/sharing_service.hpp"
#include "storage/sqlite/sqlite_store.hpp"

namespace paddock::api {
namespace {

class ReadyzTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("paddock-readyz-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    auto store =
        storage::sqlite::open_store({(dir_ / "paddock.db").string(), 1024, nullptr, faults_});
    ASSERT_TRUE(store.ok()) << store.error().detail;
    store_ = std::move(store.value());
    hub_ = std::make_unique<feed::Hub>(*store_);
    sharing_ = std::make_unique<sharing::SharingService>(*store_, *hub_);
    identity_ = std::make_unique<identity::IdentityService>(*store_, hasher_, limiter_,
                                                            identity::IdentityOptions{});
    devices_ = std::make_unique<devices::DeviceService>(*store_);
    contacts_ = std::make_unique<keys::ContactService>(*store_);
    auto issuer_keys = keys::IssuerKeyring::open(dir_ / "issuer-keys.toml", now_millis());
    ASSERT_TRUE(issuer_keys.ok()) << issuer_keys.error().detail;
    issuer_keys_.emplace(std::move(issuer_keys.value()));
    car_sync_ = std::make_unique<keys::CarSyncService>(*store_, *issuer_keys_, *hub_);
    key_shares_ =
        std::make_unique<keys::KeyShareService>(*store_, key_policy_, *issuer_keys_, *hub_);
    links_ = std::make_unique<links::LinkService>(*store_, *hub_, link_watch_,
                                                  links::ContextSources{}, links::LinkOptions{});
    publishers_ = std::make_unique<publishers::PublisherService>(*store_, sealer_, hub_.get());
    app_ = std::make_unique<App>(Services{*store_, *identity_, *devices_, *sharing_, *hub_,
                                          metrics_, *contacts_, key_policy_, *issuer_keys_,
                                          *car_sync_, *key_shares_, *links_, link_watch_,
                                          *publishers_});
  }
  void TearDown() override {
    app_.reset();
    publishers_.reset();
    links_.reset();
    key_shares_.reset();
    car_sync_.reset();
    contacts_.reset();
    devices_.reset();
    identity_.reset();
    sharing_.reset();
    hub_.reset();
    store_.reset();
    std::filesystem::remove_all(dir_);
  }
  Response readyz() {
    std::promise<Response> answered;
    Request request;
    request.method = Method::get;
    request.path = "/readyz";
    app_->dispatch(request, Responder([&](Response r) { answered.set_value(std::move(r)); }, "t"));
    return answered.get_future().get();
  }
  Result<bool> log_out_somebody() {
    std::promise<Result<bool>> done;
    identity_->log_out({"usr_x", "hash"}, [&](Result<bool> r) { done.set_value(std::move(r)); });
    return done.get_future().get();
  }
  // A write that changes a row: only such a commit proves the disk takes writes again.
  Result<bool> add_somebody(const std::string& name) {
    std::promise<Result<bool>> done;
    store_->write<bool>(
        [name](storage::Writes& w) -> Result<bool> {
          PADDOCK_TRY(w.identity().insert_user({"usr_" + name, name, name, "h", 1}));
          return true;
        },
        [&](Result<bool> r) { done.set_value(std::move(r)); });
    return done.get_future().get();
  }

  std::filesystem::path dir_;
  std::shared_ptr<storage::sqlite::FaultInjection> faults_ =
      std::make_shared<storage::sqlite::FaultInjection>();
  std::unique_ptr<storage::Store> store_;
  WorkPool pool_{1, "hash"};
  identity::PasswordHasher hasher_{identity::HashStrength::min, pool_};
  identity::LoginLimiter limiter_{identity::LoginLimits{}};
  metrics::Registry metrics_{route_templates()};
  std::unique_ptr<feed::Hub> hub_;
  std::unique_ptr<sharing::SharingService> sharing_;
  std::unique_ptr<identity::IdentityService> identity_;
  std::unique_ptr<devices::DeviceService> devices_;
  std::unique_ptr<keys::ContactService> contacts_;
  publishers::SecretSealer sealer_{Bytes(32, 7)};
  std::unique_ptr<publishers::PublisherService> publishers_;
  keys::KeyPolicy key_policy_;
  std::optional<keys::IssuerKeyring> issuer_keys_;
  std::unique_ptr<keys::CarSyncService> car_sync_;
  std::unique_ptr<keys::KeyShareService> key_shares_;
  links::WatchHub link_watch_;
  std::unique_ptr<links::LinkService> links_;
  std::unique_ptr<App> app_;
};

TEST_F(ReadyzTest, FailingWritesMakeTheServerNotReadyUntilACleanCommit) {
  ASSERT_TRUE(add_somebody("ann").ok());  // a clean commit first
  auto ready = readyz();
  EXPECT_EQ(ready.status, 200);
  auto body = boost::json::parse(ready.body).as_object();
  EXPECT_EQ(body.at("status").as_string(), "ready");

  faults_->fail_writes = 1;  // the next write fails as on a full disk
  auto failed = log_out_somebody();
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().code, Errc::storage_unavailable);
  auto degraded = readyz();
  EXPECT_EQ(degraded.status, 503);
  auto problem = boost::json::parse(degraded.body).as_object();
  EXPECT_EQ(problem.at("code").as_string(), "not_ready");
  EXPECT_NE(std::string(problem.at("detail").as_string()).find("writes are failing"),
            std::string::npos)
      << degraded.body;

  // A commit that writes nothing (logging out an unknown session) proves nothing.
  ASSERT_TRUE(log_out_somebody().ok());
  EXPECT_EQ(readyz().status, 503);
  ASSERT_TRUE(add_somebody("bea").ok());
  EXPECT_EQ(readyz().status, 200);
}

}  // namespace
}  // namespace paddock::api
