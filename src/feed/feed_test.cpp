// The sharing service, the hub and a feed stream together over a real SQLite store: what a
// follower receives live and on resume, with no socket in the way.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <thread>
#include <mutex>

#include <filesystem>
#include <future>

#include "core/encoding.hpp"
#include "core/thread_post.hpp"
#include "events/kinds.hpp"
#include "feed/feed_stream.hpp"
#include "feed/hub.hpp"
#include "sharing/sharing_service.hpp"
#include "storage/sqlite/sqlite_store.hpp"

namespace paddock::feed {
namespace {

class FeedTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(init_crypto());
    dir_ = std::filesystem::temp_directory_path() /
           ("paddock-feed-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    open();
  }
  void TearDown() override {
    sharing_.reset();
    hub_.reset();
    store_.reset();
    std::filesystem::remove_all(dir_);
  }
  void open() {
    sharing_.reset();
    hub_.reset();
    store_.reset();
    auto store = storage::sqlite::open_store({(dir_ / "paddock.db").string()});
    ASSERT_TRUE(store.ok());
    store_ = std::move(store.value());
    hub_ = std::make_unique<Hub>(*store_);
    ASSERT_TRUE(hub_->load().ok());
    // No delivers_after() here: the hub knows no position, as on a cluster node before its
    // database answers, so streams read the log for their cursor. Tests of starting at the
    // hub's position say so (start_hub()).
    sharing_ = std::make_unique<sharing::SharingService>(*store_, *hub_);
  }
  template <class T, class F>
  T wait(F start) {
    std::promise<Result<T>> p;
    start([&](Result<T> r) { p.set_value(std::move(r)); });
    auto r = p.get_future().get();
    hub_->drain();  // what the change fanned out is now in the subscribers' queues
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().detail);
    return std::move(r.value());
  }
  void add_users() {
    wait<bool>([&](auto cb) {
      store_->write<bool>(
          [](storage::Writes& w) -> Result<bool> {
            for (const char* id : {"usr_owner", "usr_fan", "usr_other"}) {
              (void)w.identity().insert_user({id, id + 4, id + 4, "h", 1});
            }
            return true;
          },
          cb);
    });
  }
  std::string add_vehicle(bool approval = false) {
    sharing::VehicleInput in;
    in.plate = sharing::PlateInput{"粤B·12345", "CN"};
    in.requires_approval = approval;
    return wait<storage::VehicleRecord>(
               [&](auto cb) { sharing_->create_vehicle("usr_owner", in, cb); })
        .id;
  }
  storage::FollowRecord follow(const std::string& user, sharing::TypeSet types) {
    sharing::Identification id;
    id.plate = sharing::PlateInput{"粤b 12345", "cn"};
    auto prompt = wait<sharing::FollowPrompt>(
        [&](auto cb) { sharing_->request_follow(user, id, types, cb); });
    return wait<storage::FollowRecord>(
        [&](auto cb) { sharing_->confirm_follow(user, prompt.confirmation_token, cb); });
  }
  storage::MessageRecord post(const std::string& vehicle, const char* type, const char* text) {
    return wait<storage::MessageRecord>([&](auto cb) {
      sharing_->post_message("usr_owner", vehicle, {type, text, "{}"}, cb);
    });
  }
  // As serving does: the hub hears every commit after the log's head.
  std::int64_t start_hub() {
    std::int64_t head = *sharing_->feed_head();
    hub_->delivers_after(head);
    hub_->drain();
    return head;
  }
  static std::vector<std::string> types_of(const std::vector<FramePtr>& frames) {
    std::vector<std::string> out;
    for (const auto& f : frames) {
      auto at = f->json.find("\"type\":\"");
      out.push_back(f->json.substr(at + 8, f->json.find('"', at + 8) - at - 8));
    }
    return out;
  }

  std::filesystem::path dir_;
  std::unique_ptr<storage::Store> store_;
  std::unique_ptr<Hub> hub_;
  std::unique_ptr<sharing::SharingService> sharing_;
};

TEST_F(FeedTest, LiveDeliveryHonoursTypesAndVisibility) {
  add_users();
  auto vehicle = add_vehicle();
  follow("usr_fan", sharing::bit(sharing::MessageType::status) |
                        sharing::bit(sharing::MessageType::trip) |
                        sharing::bit(sharing::MessageType::maintenance));
  FeedStream stream(*hub_, *sharing_, "usr_fan", *sharing_->feed_head(), {});
  std::vector<FramePtr> frames;
  ASSERT_TRUE(stream.next(frames, 100));  // catch-up: nothing yet
  EXPECT_TRUE(frames.empty());
  post(vehicle, "status", "parked");
  post(vehicle, "maintenance", "private oil change");
  post(vehicle, "social", "not selected");
  post(vehicle, "trip", "to Shenzhen");
  ASSERT_TRUE(stream.next(frames, 100));
  ASSERT_EQ(frames.size(), 2u);
  EXPECT_NE(frames[0]->json.find("parked"), std::string::npos);
  EXPECT_NE(frames[1]->json.find("Shenzhen"), std::string::npos);
  EXPECT_LT(frames[0]->seq, frames[1]->seq);
}

TEST_F(FeedTest, ResumeGivesExactlyWhatWasMissedThenLive) {
  add_users();
  auto vehicle = add_vehicle();
  follow("usr_fan", sharing::kAllTypes);
  auto first = post(vehicle, "status", "one");
  std::int64_t cursor = *sharing_->feed_head();
  auto edited = post(vehicle, "status", "two");
  auto gone = post(vehicle, "status", "three");
  wait<storage::MessageRecord>([&](auto cb) {
    sharing_->edit_message("usr_owner", vehicle, edited.id, {"two, edited", std::nullopt}, cb);
  });
  wait<bool>([&](auto cb) { sharing_->delete_message("usr_owner", vehicle, gone.id, cb); });

  FeedStream stream(*hub_, *sharing_, "usr_fan", cursor, {});
  std::vector<FramePtr> frames;
  while (stream.next(frames, 100) && !frames.empty() && frames.size() < 3) {
  }
  // "two" created, "two" updated; "three" was deleted, so only its deletion remains.
  EXPECT_EQ(types_of(frames),
            (std::vector<std::string>{"message.created", "message.updated", "message.deleted"}));
  EXPECT_EQ(frames[2]->json.find("three"), std::string::npos) << "deleted text must not leak";
  frames.clear();
  post(vehicle, "status", "four");
  ASSERT_TRUE(stream.next(frames, 100));
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_NE(frames[0]->json.find("four"), std::string::npos);
  (void)first;
}

TEST_F(FeedTest, WithAReadPoolTheBacklogArrivesByWakeUpAndInOrderThenLive) {
  add_users();
  auto vehicle = add_vehicle();
  follow("usr_fan", sharing::kAllTypes);
  std::int64_t cursor = *sharing_->feed_head();
  for (int i = 0; i < 7; ++i) post(vehicle, "status", "backlog");
  WorkPool reads(1, "reads");
  FeedStreamOptions options;
  options.backlog_page = 3;  // three pages of backlog, each read on the pool
  options.read_pool = &reads;
  FeedStream stream(*hub_, *sharing_, "usr_fan", cursor, options);
  std::mutex mutex;
  std::condition_variable woken;
  int wakes = 0;
  auto on_wake = std::make_shared<std::function<void()>>([&] {
    std::lock_guard lock(mutex);
    ++wakes;
    woken.notify_all();
  });
  stream.set_wakeup(session::Waker::calling(on_wake));
  std::vector<FramePtr> frames;
  for (int round = 0; round < 20 && frames.size() < 7; ++round) {
    int seen;
    {
      std::lock_guard lock(mutex);
      seen = wakes;
    }
    std::size_t before = frames.size();
    ASSERT_TRUE(stream.next(frames, 100));
    if (frames.size() == before) {
      // Nothing yet: the page is being read, and its arrival wakes the stream.
      std::unique_lock lock(mutex);
      ASSERT_TRUE(woken.wait_for(lock, std::chrono::seconds(5), [&] { return wakes > seen; }));
    }
  }
  ASSERT_EQ(frames.size(), 7u);
  for (std::size_t i = 1; i < frames.size(); ++i) EXPECT_GT(frames[i]->seq, frames[i - 1]->seq);
  // Caught up: live frames flow as before.
  post(vehicle, "status", "live");
  std::vector<FramePtr> live;
  for (int i = 0; i < 10 && live.empty(); ++i) ASSERT_TRUE(stream.next(live, 100));
  ASSERT_EQ(live.size(), 1u);
  EXPECT_NE(live[0]->json.find("live"), std::string::npos);
  reads.stop();
}

TEST_F(FeedTest, LiveFramesTheBacklogCoveredDoNotHideTheNextOne) {
  // A stream subscribes before it reads its backlog, so after catching up its queue holds
  // duplicates. One call must get past all of them: the transport asks again only after it
  // wrote something, and a push into a non-empty queue wakes nobody.
  add_users();
  auto vehicle = add_vehicle();
  follow("usr_fan", sharing::kAllTypes);
  FeedStream stream(*hub_, *sharing_, "usr_fan", *sharing_->feed_head(), {});
  for (int i = 0; i < 10; ++i) post(vehicle, "status", "backlog");
  std::vector<FramePtr> frames;
  for (int call = 0; call < 3; ++call) ASSERT_TRUE(stream.next(frames, 4));
  ASSERT_EQ(frames.size(), 10u);  // all ten from the database, in pages of at most four
  frames.clear();
  post(vehicle, "status", "after the duplicates");
  ASSERT_TRUE(stream.next(frames, 4));
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_NE(frames[0]->json.find("after the duplicates"), std::string::npos);
}

// The hub keeps each vehicle's delivery list between events; a stream joining or leaving and a
// follow's types changing all show at the next event.
TEST_F(FeedTest, StreamsJoiningAndLeavingAndTypeChangesShowAtTheNextEvent) {
  add_users();
  auto vehicle = add_vehicle();
  auto f = follow("usr_fan", sharing::kAllTypes);
  auto first = std::make_unique<FeedStream>(*hub_, *sharing_, "usr_fan", *sharing_->feed_head(),
                                            FeedStreamOptions{});
  std::vector<FramePtr> frames;
  auto received = [&frames](FeedStream& stream) {
    frames.clear();
    EXPECT_TRUE(stream.next(frames, 100));
    return types_of(frames);
  };
  const std::vector<std::string> one_message{"message.created"};
  post(vehicle, "status", "one stream");
  EXPECT_EQ(received(*first), one_message);

  FeedStream second(*hub_, *sharing_, "usr_fan", *sharing_->feed_head(), {});
  received(second);
  post(vehicle, "status", "two streams");
  EXPECT_EQ(received(*first), one_message);
  EXPECT_EQ(received(second), one_message);

  first.reset();  // its Subscriber goes: the list must not point at it any more
  post(vehicle, "status", "one stream again");
  EXPECT_EQ(received(second), one_message);

  wait<storage::FollowRecord>([&](auto cb) {
    sharing_->update_follow("usr_fan", f.id, sharing::bit(sharing::MessageType::trip),
                            std::nullopt, cb);
  });
  received(second);  // the follow's own update event
  post(vehicle, "status", "not selected any more");
  post(vehicle, "trip", "selected");
  EXPECT_EQ(received(second), one_message);
  EXPECT_NE(frames[0]->json.find("selected"), std::string::npos);
  EXPECT_EQ(frames[0]->json.find("not selected"), std::string::npos);
}

TEST_F(FeedTest, ARemovedFollowerGetsNothingMore) {
  add_users();
  auto vehicle = add_vehicle();
  auto f = follow("usr_fan", sharing::kAllTypes);
  FeedStream stream(*hub_, *sharing_, "usr_fan", *sharing_->feed_head(), {});
  std::vector<FramePtr> frames;
  stream.next(frames, 100);
  wait<bool>([&](auto cb) { sharing_->remove_follower("usr_owner", vehicle, f.id, cb); });
  post(vehicle, "status", "after removal");
  ASSERT_TRUE(stream.next(frames, 100));
  EXPECT_EQ(types_of(frames), (std::vector<std::string>{"follow.removed"}));
  auto page = sharing_->feed("usr_fan", 0, 100);
  ASSERT_TRUE(page.ok());
  for (const auto& e : page->events) EXPECT_NE(e.type, "message.created");
}

TEST_F(FeedTest, PendingFollowerSeesPublicOnlyUntilApproved) {
  add_users();
  auto vehicle = add_vehicle(/*approval=*/true);
  auto f = follow("usr_fan", sharing::kAllTypes);
  EXPECT_EQ(f.status, storage::FollowStatus::pending);
  FeedStream stream(*hub_, *sharing_, "usr_fan", *sharing_->feed_head(), {});
  std::vector<FramePtr> frames;
  stream.next(frames, 100);
  post(vehicle, "trip", "followers only");
  post(vehicle, "status", "public");
  ASSERT_TRUE(stream.next(frames, 100));
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_NE(frames[0]->json.find("public"), std::string::npos);
  frames.clear();
  wait<storage::FollowRecord>([&](auto cb) {
    sharing_->moderate_follower("usr_owner", vehicle, f.id, sharing::Moderation::approve, cb);
  });
  post(vehicle, "trip", "now visible");
  ASSERT_TRUE(stream.next(frames, 100));
  EXPECT_EQ(types_of(frames), (std::vector<std::string>{"follow.approved", "message.created"}));
}

TEST_F(FeedTest, ASlowConsumerIsCutAndToldWhereToResume) {
  add_users();
  auto vehicle = add_vehicle();
  follow("usr_fan", sharing::kAllTypes);
  FeedStream stream(*hub_, *sharing_, "usr_fan", *sharing_->feed_head(), {4, 500});
  std::vector<FramePtr> frames;
  stream.next(frames, 100);
  for (int i = 0; i < 6; ++i) post(vehicle, "status", "burst");
  EXPECT_FALSE(stream.next(frames, 100));
  EXPECT_NE(stream.end_reason().find("cursor"), std::string::npos);
}

TEST_F(FeedTest, CursorsSurviveARestart) {
  add_users();
  auto vehicle = add_vehicle();
  follow("usr_fan", sharing::kAllTypes);
  post(vehicle, "status", "before");
  std::int64_t cursor = *sharing_->feed_head();
  post(vehicle, "status", "after");
  open();
  auto page = sharing_->feed("usr_fan", cursor, 10);
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->events.size(), 1u);
  EXPECT_NE(page->events[0].payload.find("after"), std::string::npos);
  EXPECT_FALSE(sharing_->feed("usr_fan", cursor + 100, 10).ok()) << "a cursor from the future";
}

// Events beyond vehicles: a module (this test stands in for one) appends an event for one of a
// user's devices; it reaches that device's streams, live and on resume, and no other stream.
TEST_F(FeedTest, ADeviceTargetedEventReachesOnlyThatDevicesStreams) {
  static constexpr events::EventKind kProbe{"device.probe", "device"};
  events::register_kinds(std::span(&kProbe, 1));
  add_users();
  std::int64_t start = *sharing_->feed_head();
  FeedStream phone(*hub_, *sharing_, "usr_fan", start, {}, "dev_phone");
  FeedStream laptop(*hub_, *sharing_, "usr_fan", start, {}, "dev_laptop");
  FeedStream any(*hub_, *sharing_, "usr_fan", start, {});
  std::vector<FramePtr> frames;
  for (auto* s : {&phone, &laptop, &any}) ASSERT_TRUE(s->next(frames, 100));
  ASSERT_TRUE(frames.empty());

  auto append = [&](std::optional<std::string> device, const char* text) {
    storage::EventRecord e;
    e.target_user = "usr_fan";
    e.target_device = std::move(device);
    e.type = std::string(kProbe.name);
    e.payload = std::string("{\"text\":\"") + text + "\"}";
    e.created_at = now_millis();
    wait<bool>([&](auto cb) {
      // What a module does: append in a write job, publish on commit.
      events::LiveEvents& live = *hub_;
      store_->write<std::vector<storage::EventRecord>>(
          [e](storage::Writes& w) -> Result<std::vector<storage::EventRecord>> {
            auto event = e;
            PADDOCK_ASSIGN(seq, w.events().append_event(event));
            event.seq = seq;
            return std::vector<storage::EventRecord>{std::move(event)};
          },
          [cb](Result<std::vector<storage::EventRecord>> r) {
            cb(r ? Result<bool>(true) : r.take_error());
          },
          [&live](std::vector<storage::EventRecord>& committed) {
            live.publish(std::move(committed));
          });
    });
  };
  append("dev_phone", "for the phone");
  append(std::nullopt, "for the user");

  ASSERT_TRUE(phone.next(frames, 100));
  ASSERT_EQ(frames.size(), 2u);
  EXPECT_NE(frames[0]->json.find("for the phone"), std::string::npos);
  EXPECT_NE(frames[0]->json.find("\"vehicle_id\":null,\"device\":"), std::string::npos)
      << frames[0]->json;
  frames.clear();
  for (auto* s : {&laptop, &any}) {
    ASSERT_TRUE(s->next(frames, 100));
    ASSERT_EQ(frames.size(), 1u);
    EXPECT_NE(frames[0]->json.find("for the user"), std::string::npos);
    frames.clear();
  }
  // The paged feed and a resumed stream follow the same rule.
  auto phone_page = sharing_->feed("usr_fan", start, 10, "dev_phone");
  ASSERT_TRUE(phone_page.ok());
  EXPECT_EQ(phone_page->events.size(), 2u);
  auto laptop_page = sharing_->feed("usr_fan", start, 10, "dev_laptop");
  EXPECT_EQ(laptop_page->events.size(), 1u);
  auto plain_page = sharing_->feed("usr_fan", start, 10);
  EXPECT_EQ(plain_page->events.size(), 1u);
  FeedStream resumed(*hub_, *sharing_, "usr_fan", start, {}, "dev_phone");
  ASSERT_TRUE(resumed.next(frames, 100));
  EXPECT_EQ(frames.size(), 2u);
}

}  // namespace
}  // namespace paddock::feed

namespace paddock::feed {
namespace {

// A counted notice tells the reach handler each user it reached once, however many streams the
// user has, and never a user it did not reach.
TEST_F(FeedTest, ACountedNoticeReportsEachReachedUserOnce) {
  std::vector<std::pair<std::string, std::vector<std::string>>> reports;
  hub_->on_reach([&](const std::string& counted_as, std::span<const std::string_view> users) {
    std::vector<std::string> names(users.begin(), users.end());
    std::sort(names.begin(), names.end());
    reports.emplace_back(counted_as, std::move(names));
  });
  auto phone = std::make_shared<Subscriber>("usr_a", 8);
  auto laptop = std::make_shared<Subscriber>("usr_a", 8);
  auto other = std::make_shared<Subscriber>("usr_b", 8);
  auto opted_out = std::make_shared<Subscriber>("usr_c", 8);
  for (const auto& s : {phone, laptop, other, opted_out}) hub_->subscribe(s);

  events::LiveNotice everyone;
  everyone.everyone = true;
  everyone.except = {"usr_c"};
  everyone.json = "{}";
  everyone.counted_as = "msg-1";
  hub_->notify(everyone);
  events::LiveNotice named;
  named.users = {"usr_b", "usr_offline"};
  named.json = "{}";
  named.counted_as = "msg-2";
  hub_->notify(named);
  events::LiveNotice uncounted = named;
  uncounted.counted_as.clear();
  hub_->notify(uncounted);
  hub_->drain();

  using Report = std::pair<std::string, std::vector<std::string>>;
  EXPECT_EQ(reports, (std::vector<Report>{{"msg-1", {"usr_a", "usr_b"}}, {"msg-2", {"usr_b"}}}));
  std::vector<FramePtr> frames;
  EXPECT_EQ(phone->drain(frames, 8) + laptop->drain(frames, 8), 2u) << "both streams got it";
  for (const auto& s : {phone, laptop, other, opted_out}) hub_->unsubscribe(s.get());
}

// The hub keys a user's streams by a view of one stream's user id: when that stream leaves
// (and is freed), the user's other streams are still found, by every kind of delivery.
TEST_F(FeedTest, AUsersOtherStreamsAreFoundAfterTheFirstLeaves) {
  auto first = std::make_shared<Subscriber>("usr_a", 8, std::nullopt, "hash-1");
  auto second = std::make_shared<Subscriber>(std::string("usr_a"), 8, std::nullopt, "hash-2");
  hub_->subscribe(first);
  hub_->subscribe(second);
  hub_->unsubscribe(first.get());
  first.reset();  // the id the key viewed is gone with it
  EXPECT_EQ(hub_->subscriber_count(), 1u);

  events::LiveNotice named;
  named.users = {"usr_a"};
  named.json = "{}";
  hub_->notify(named);
  events::LiveNotice everyone;
  everyone.everyone = true;
  everyone.json = "{}";
  hub_->notify(everyone);
  hub_->end_session("usr_a", "hash-2");
  hub_->drain();
  std::vector<FramePtr> frames;
  EXPECT_EQ(second->drain(frames, 8), 2u);
  EXPECT_EQ(second->ended(), "session revoked");

  auto third = std::make_shared<Subscriber>("usr_a", 8);
  hub_->subscribe(third);
  hub_->unsubscribe(second.get());
  second.reset();
  hub_->notify(named);
  hub_->drain();
  EXPECT_EQ(third->drain(frames, 8), 1u);
  hub_->unsubscribe(third.get());
  EXPECT_EQ(hub_->subscriber_count(), 0u);
}

// The writer hands a commit's completions over in a PostBatch (core/thread_post): what a
// completion gives the hub keeps its commit order, so a session revoked after an event was
// committed still receives that event before its stream ends.
TEST_F(FeedTest, InsideAPostBatchTheHubKeepsTheOrderItWasGivenThingsIn) {
  auto subscriber = std::make_shared<Subscriber>("usr_a", 8, std::nullopt, "hash-1");
  hub_->subscribe(subscriber);
  events::LiveNotice named;
  named.users = {"usr_a"};
  named.json = "{}";
  {
    PostBatch batch;
    hub_->notify(named);
    hub_->end_session("usr_a", "hash-1");
  }
  hub_->drain();
  std::vector<FramePtr> frames;
  EXPECT_EQ(subscriber->drain(frames, 8), 1u) << "the notice came before the revocation";
  EXPECT_EQ(subscriber->ended(), "session revoked");
  hub_->unsubscribe(subscriber.get());
}

// A delivery list outlives its use: once streams came and went often enough, the lists that went
// stale are dropped (a vehicle that posted once must not keep its followers' list for good), and
// the next event rebuilds one that is needed.
TEST_F(FeedTest, AStaleDeliveryListIsDroppedOnceStreamsChangedEnough) {
  add_users();
  auto followed = add_vehicle();
  follow("usr_fan", sharing::kAllTypes);
  sharing::VehicleInput in;
  in.plate = sharing::PlateInput{"粤B·67890", "CN"};
  auto other = wait<storage::VehicleRecord>(
                   [&](auto cb) { sharing_->create_vehicle("usr_owner", in, cb); })
                   .id;
  {
    FeedStream stream(*hub_, *sharing_, "usr_fan", *sharing_->feed_head(), {});
    post(followed, "status", "builds the list");
    EXPECT_EQ(hub_->delivery_lists_held(), 1u);
  }  // the stream leaves: the list is stale
  post(other, "status", "a few changes since: the stale list stays");
  EXPECT_EQ(hub_->delivery_lists_held(), 1u);
  for (int i = 0; i < 40; ++i) {
    FeedStream passing(*hub_, *sharing_, "usr_other", 0, {});  // joins and leaves: two changes
  }
  post(other, "status", "enough changes: it goes");
  EXPECT_EQ(hub_->delivery_lists_held(), 0u);

  FeedStream stream(*hub_, *sharing_, "usr_fan", *sharing_->feed_head(), {});
  std::vector<FramePtr> frames;
  ASSERT_TRUE(stream.next(frames, 100));  // catch-up: nothing yet
  post(followed, "status", "rebuilt");
  ASSERT_TRUE(stream.next(frames, 100));
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_NE(frames[0]->json.find("rebuilt"), std::string::npos);
  EXPECT_EQ(hub_->delivery_lists_held(), 1u);
}

// A read pool whose one thread is held: a stream that asked it for a page would wait.
struct HeldReadPool {
  WorkPool pool{1, "reads"};
  std::promise<void> release;
  HeldReadPool() {
    pool.post([future = release.get_future().share()] { future.wait(); });
  }
  ~HeldReadPool() {
    release.set_value();
    pool.stop();
  }
};

TEST_F(FeedTest, TheHubKnowsNoPositionUntilToldThenFollowsWhatItDelivered) {
  add_users();
  auto vehicle = add_vehicle();
  follow("usr_fan", sharing::kAllTypes);
  post(vehicle, "status", "before the start");
  EXPECT_FALSE(hub_->delivered_through().has_value());
  const std::int64_t head = start_hub();
  EXPECT_EQ(hub_->delivered_through(), head);
  auto message = post(vehicle, "status", "after");
  EXPECT_EQ(hub_->delivered_through(), *sharing_->feed_head());
  EXPECT_GT(*hub_->delivered_through(), head);
  (void)message;
}

// The writer hands a commit's events to the hub before the client has its answer; the fan-out
// thread delivers them a moment later. A stream opened in between (after the client's 201)
// starts past them, not at what the hub has delivered.
TEST_F(FeedTest, TheStartPositionIsPastWhatThisNodeCommittedBeforeTheHubDeliversIt) {
  add_users();
  auto vehicle = add_vehicle();
  EXPECT_FALSE(hub_->start_position().has_value());
  const std::int64_t head = start_hub();
  EXPECT_EQ(hub_->start_position(), head);
  storage::EventRecord committed;
  committed.seq = head + 5;
  committed.vehicle_id = vehicle;
  committed.type = "message.created";
  committed.payload = "{}";
  hub_->publish({committed});
  EXPECT_EQ(hub_->start_position(), head + 5) << "at once, on the committing thread";
  hub_->committed(head + 7);  // the cluster feed's own commit, before its log read
  EXPECT_EQ(hub_->start_position(), head + 7);
  hub_->committed(head + 6);
  EXPECT_EQ(hub_->start_position(), head + 7) << "it only grows";
  hub_->drain();
  EXPECT_EQ(hub_->delivered_through(), head + 5);
  EXPECT_EQ(hub_->start_position(), head + 7);
}

TEST_F(FeedTest, AStreamFromNowStartsAtTheHubsPositionWithoutReadingTheLog) {
  add_users();
  auto vehicle = add_vehicle();
  follow("usr_fan", sharing::kAllTypes);
  start_hub();
  for (int i = 0; i < 3; ++i) post(vehicle, "status", "already delivered");
  HeldReadPool held;  // a backlog read would never come back
  FeedStreamOptions options;
  options.read_pool = &held.pool;
  FeedStream from_now(*hub_, *sharing_, "usr_fan", *hub_->start_position(), options);
  EXPECT_EQ(from_now.position(), *sharing_->feed_head());
  FeedStream at_head(*hub_, *sharing_, "usr_fan", *sharing_->feed_head(), options);
  post(vehicle, "status", "live");
  for (FeedStream* stream : {&from_now, &at_head}) {
    std::vector<FramePtr> frames;
    ASSERT_TRUE(stream->next(frames, 100));  // at once: nothing waits on the held pool
    ASSERT_EQ(frames.size(), 1u);
    EXPECT_NE(frames[0]->json.find("live"), std::string::npos);
    EXPECT_EQ(stream->position(), frames[0]->seq);
  }
}

TEST_F(FeedTest, ACursorBehindTheHubStillGetsTheBacklogFirst) {
  add_users();
  auto vehicle = add_vehicle();
  follow("usr_fan", sharing::kAllTypes);
  start_hub();
  std::int64_t cursor = *sharing_->feed_head();
  post(vehicle, "status", "missed one");
  post(vehicle, "status", "missed two");
  FeedStream stream(*hub_, *sharing_, "usr_fan", cursor, {});
  post(vehicle, "status", "live");
  std::vector<FramePtr> frames;
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(stream.next(frames, 100));
  ASSERT_EQ(frames.size(), 3u);
  EXPECT_NE(frames[0]->json.find("missed one"), std::string::npos);
  EXPECT_NE(frames[1]->json.find("missed two"), std::string::npos);
  EXPECT_NE(frames[2]->json.find("live"), std::string::npos);
}

TEST_F(FeedTest, StreamsStartingWhilePostsCommitMissAndRepeatNothingAfterTheirStart) {
  add_users();
  auto vehicle = add_vehicle();
  follow("usr_fan", sharing::kAllTypes);
  start_hub();
  std::atomic<bool> posting{true};
  std::thread poster([&] {
    for (int i = 0; i < 150; ++i) post(vehicle, "status", "racing");
    posting = false;
  });
  std::vector<std::unique_ptr<FeedStream>> streams;
  std::vector<std::int64_t> starts;
  std::vector<std::vector<std::int64_t>> received;
  while (posting || streams.size() < 5) {
    streams.push_back(std::make_unique<FeedStream>(*hub_, *sharing_, "usr_fan",
                                                   *hub_->start_position(), FeedStreamOptions{}));
    starts.push_back(streams.back()->position());
    received.emplace_back();
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  poster.join();
  hub_->drain();
  ASSERT_GE(streams.size(), 5u);
  for (std::size_t i = 0; i < streams.size(); ++i) {
    std::vector<FramePtr> frames;
    for (int call = 0; call < 10; ++call) ASSERT_TRUE(streams[i]->next(frames, 1000));
    for (const auto& f : frames) received[i].push_back(f->seq);
    // Exactly what the log holds for the follower after the stream's start, in order.
    auto page = sharing_->feed("usr_fan", starts[i], 500, std::nullopt);
    ASSERT_TRUE(page.ok());
    std::vector<std::int64_t> expected;
    for (const auto& e : page->events) expected.push_back(e.seq);
    EXPECT_EQ(received[i], expected) << "stream " << i << " started at " << starts[i];
  }
}

}  // namespace
}  // namespace paddock::feed
