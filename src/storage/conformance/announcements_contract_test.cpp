// Contract: announcements (Writes::announce) reach the handler after their job commits, in
// commit order, and never from a job that rolled back.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>

#include "storage/conformance/conformance.hpp"

namespace paddock::storage::conformance {
namespace {

struct Heard {
  std::mutex mutex;
  std::condition_variable changed;
  std::vector<std::string> said;  // "topic payload", topics other than resync and feed

  bool wait_for(std::size_t count) {
    std::unique_lock lock(mutex);
    return changed.wait_for(lock, std::chrono::seconds(10), [&] { return said.size() >= count; });
  }
};

TEST_P(StoreContract, AnnouncementsArriveAfterCommitInOrderAndNeverFromARolledBackJob) {
  // Shared with the handler, which the store may still call after this body has returned.
  auto heard = std::make_shared<Heard>();
  auto listening = std::make_shared<std::promise<void>>();
  auto listening_future = listening->get_future();
  auto resync_seen = std::make_shared<std::atomic<bool>>(false);
  store_->set_announcement_handler(
      [heard, listening, resync_seen](const std::string& topic, const std::string& payload) {
        if (topic == "resync") {
          if (!resync_seen->exchange(true)) listening->set_value();
          return;
        }
        if (topic == "feed") return;
        std::lock_guard lock(heard->mutex);
        heard->said.push_back(topic + " " + payload);
        heard->changed.notify_all();
      });
  // A shared database's listener says resync once it listens; one node's store never does.
  // (SQLite's never does, so there the wait simply times out.)
  listening_future.wait_for(std::chrono::seconds(GetParam().name == "sqlite" ? 0 : 10));

  must_write([](Writes& w) { return w.announce("pile", "CP-1"); });
  auto dropped = write<bool>([](Writes& w) -> Result<bool> {
    PADDOCK_TRY(w.announce("pile", "never"));
    return make_error(Errc::not_found, "the job fails");
  });
  EXPECT_FALSE(dropped.ok());
  must_write([](Writes& w) -> Result<void> {
    PADDOCK_TRY(w.announce("follow", "f1"));
    return w.announce("pile", "CP-2");
  });

  ASSERT_TRUE(heard->wait_for(3));
  // Give a stray announcement the time to arrive before checking there is none.
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  std::lock_guard lock(heard->mutex);
  EXPECT_EQ(heard->said, (std::vector<std::string>{"pile CP-1", "follow f1", "pile CP-2"}));
}

TEST_P(StoreContract, AnAnnouncementMustBeOneWordAndShort) {
  auto r = write<bool>([](Writes& w) -> Result<bool> {
    PADDOCK_TRY(w.announce("two words", "x"));
    return true;
  });
  EXPECT_FALSE(r.ok());
  auto big = write<bool>([](Writes& w) -> Result<bool> {
    PADDOCK_TRY(w.announce("pile", std::string(kMaxAnnouncementBytes, 'x')));
    return true;
  });
  EXPECT_FALSE(big.ok());
}

}  // namespace
}  // namespace paddock::storage::conformance
