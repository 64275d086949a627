// Conformance: the unit of work (storage/store.hpp): job isolation and completions.
#include <atomic>
#include <thread>

#include "storage/conformance/conformance.hpp"

namespace paddock::storage::conformance {
namespace {

TEST_P(StoreContract, AFailedJobRollsBackOnlyItsOwnWrites) {
  std::promise<void> both;
  std::atomic<int> remaining{2};
  auto finish = [&](auto) {
    if (--remaining == 0) both.set_value();
  };
  // Back to back they usually share a batch; the second inserts a device and then fails, so
  // its device must vanish while the first job's user stays.
  store_->write<bool>(
      [](Writes& w) -> Result<bool> {
        PADDOCK_TRY(w.identity().insert_user(user("cy")));
        return true;
      },
      finish);
  store_->write<bool>(
      [](Writes& w) -> Result<bool> {
        (void)w.devices().insert_device(device("dev_x", "usr_cy", 1));
        return make_error(Errc::invalid_field, "changed my mind");
      },
      finish);
  both.get_future().wait();
  EXPECT_TRUE(reads().identity().user_by_id("usr_cy")->has_value());
  EXPECT_FALSE(reads().devices().device_by_id("dev_x")->has_value());
}

TEST_P(StoreContract, OnCommitRunsInCommitOrderBeforeTheCompletion) {
  must_write([](Writes& w) { return w.identity().insert_user(user("dee")); });
  constexpr int kJobs = 200;
  std::vector<std::int64_t> committed;  // touched only by on_commit, which runs on the writer
  std::atomic<int> remaining{kJobs};
  std::promise<void> all;
  for (int i = 0; i < kJobs; ++i) {
    auto ran_on_commit = std::make_shared<bool>(false);
    store_->write<std::int64_t>(
        [](Writes& w) {
          return w.events().append_event(EventRecord{0, std::nullopt, "usr_dee", std::nullopt,
                                                     "follow.approved", std::nullopt, std::nullopt,
                                                     "{}", 1});
        },
        [&, ran_on_commit](Result<std::int64_t> r) {
          EXPECT_TRUE(r.ok());
          EXPECT_TRUE(*ran_on_commit);
          if (--remaining == 0) all.set_value();
        },
        [&, ran_on_commit](std::int64_t& seq) {
          *ran_on_commit = true;
          committed.push_back(seq);
        });
  }
  all.get_future().wait();
  ASSERT_EQ(committed.size(), static_cast<std::size_t>(kJobs));
  EXPECT_TRUE(std::is_sorted(committed.begin(), committed.end()));
}

}  // namespace
}  // namespace paddock::storage::conformance
