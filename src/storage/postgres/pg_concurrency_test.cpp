// Two nodes on one PostgreSQL database: what SQLite's single writer gives for free must hold when
// two stores (two writers) race. Uniqueness and single use are the database's: the loser's
// statement waits for the winner's transaction and then sees its outcome. Each case opens two
// stores on one scratch database of the ctest cluster (named Postgres* for its fixture).
#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <set>
#include <thread>

#include "identity/errors.hpp"
#include "keys/key_share_repository.hpp"
#include "sharing/errors.hpp"
#include "storage/postgres/pg_store.hpp"
#include "storage/postgres/test_cluster.hpp"

namespace paddock::storage::postgres {
namespace {

using namespace std::chrono_literals;

// How long the first node keeps its transaction open so that the second node's statement
// surely runs while it is: long against a loopback round trip, short for the suite.
constexpr auto kHold = 300ms;
constexpr auto kWait = 20s;  // bound on any one job's completion

std::string numbered(const char* prefix, int i) {
  std::string s(prefix);
  s += std::to_string(i);
  return s;
}

class PostgresTwoNodes : public ::testing::Test {
 protected:
  void SetUp() override {
    auto cluster = test_cluster_conninfo();
    if (!cluster) GTEST_SKIP() << "no test cluster: run through ctest (make test)";
    db_ = std::make_unique<ScratchDatabase>(*cluster);
    for (auto* node : {&a_, &b_}) {
      auto store = open_store({db_->conninfo()});
      ASSERT_TRUE(store.ok()) << store.error().detail;
      *node = std::move(store.value());
    }
  }
  void TearDown() override {
    a_.reset();
    b_.reset();
    db_.reset();
  }

  // Submits `fn` as one write job on `store`; the future holds its outcome.
  template <class T>
  static std::future<Result<T>> start(Store& store, std::function<Result<T>(Writes&)> fn) {
    auto done = std::make_shared<std::promise<Result<T>>>();
    auto future = done->get_future();
    store.write<T>(std::move(fn), [done](Result<T> r) { done->set_value(std::move(r)); });
    return future;
  }
  template <class T>
  static Result<T> finish(std::future<Result<T>>& f) {
    if (f.wait_for(kWait) != std::future_status::ready) {
      ADD_FAILURE() << "a write job did not complete";
      return make_error(Errc::internal, "timed out");
    }
    return f.get();
  }

  // A job for node A that runs `fn`, says so, keeps the transaction open a while, and then
  // keeps (`commit`) or rolls back its writes. The returned future fires once `fn` has run.
  template <class T>
  std::pair<std::future<Result<T>>, std::future<void>> hold(
      std::function<Result<T>(Writes&)> fn, bool commit) {
    auto ran = std::make_shared<std::promise<void>>();
    auto ran_future = ran->get_future();
    auto job = start<T>(*a_, [fn = std::move(fn), ran, commit](Writes& w) -> Result<T> {
      auto r = fn(w);
      ran->set_value();
      std::this_thread::sleep_for(kHold);
      if (!commit) return make_error(Errc::invalid_field, "changed its mind");
      return r;
    });
    return {std::move(job), std::move(ran_future)};
  }

  static UserRecord user(const std::string& id, const std::string& name) {
    return UserRecord{id, name, "Name " + name, "hash", 1};
  }

  std::unique_ptr<ScratchDatabase> db_;
  std::unique_ptr<Store> a_;
  std::unique_ptr<Store> b_;
};

TEST_F(PostgresTwoNodes, AUsernameTakenOnAnotherNodeInFlightIsRefusedOnceItCommits) {
  auto [first, ran] = hold<bool>(
      [](Writes& w) -> Result<bool> {
        PADDOCK_TRY(w.identity().insert_user(user("usr_a", "zoe")));
        return true;
      },
      /*commit=*/true);
  ASSERT_EQ(ran.wait_for(kWait), std::future_status::ready);
  // Node A's insert is uncommitted: node B's must wait for it, not slip past a lookup.
  auto second = start<bool>(*b_, [](Writes& w) -> Result<bool> {
    PADDOCK_TRY(w.identity().insert_user(user("usr_b", "zoe")));
    return true;
  });
  auto a = finish(first);
  auto b = finish(second);
  ASSERT_TRUE(a.ok()) << a.error().detail;
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.error().code, identity::kUsernameTaken);
  auto stored = b_->reads().identity().user_by_username("zoe");
  ASSERT_TRUE(stored.ok() && stored->has_value());
  EXPECT_EQ((*stored)->id, "usr_a");
  EXPECT_FALSE(a_->reads().identity().user_by_id("usr_b")->has_value());
}

TEST_F(PostgresTwoNodes, AUsernameFreedByAnotherNodesRollbackGoesToTheWaitingNode) {
  auto [first, ran] = hold<bool>(
      [](Writes& w) -> Result<bool> {
        PADDOCK_TRY(w.identity().insert_user(user("usr_a", "yan")));
        return true;
      },
      /*commit=*/false);
  ASSERT_EQ(ran.wait_for(kWait), std::future_status::ready);
  auto second = start<bool>(*b_, [](Writes& w) -> Result<bool> {
    PADDOCK_TRY(w.identity().insert_user(user("usr_b", "yan")));
    return true;
  });
  EXPECT_FALSE(finish(first).ok());
  auto b = finish(second);
  ASSERT_TRUE(b.ok()) << b.error().detail;
  auto stored = a_->reads().identity().user_by_username("yan");
  ASSERT_TRUE(stored.ok() && stored->has_value());
  EXPECT_EQ((*stored)->id, "usr_b");
}

TEST_F(PostgresTwoNodes, ManyUsernamesRacedOnTwoNodesGoExactlyOnceEach) {
  constexpr int kNames = 100;
  std::vector<std::future<Result<bool>>> on_a, on_b;
  for (int i = 0; i < kNames; ++i) {
    std::string name = numbered("racer", i);
    for (auto* side : {&on_a, &on_b}) {
      Store& store = side == &on_a ? *a_ : *b_;
      std::string id = numbered(side == &on_a ? "usr_a" : "usr_b", i);
      side->push_back(start<bool>(store, [id, name](Writes& w) -> Result<bool> {
        PADDOCK_TRY(w.identity().insert_user(user(id, name)));
        return true;
      }));
    }
  }
  for (int i = 0; i < kNames; ++i) {
    auto a = finish(on_a[i]);
    auto b = finish(on_b[i]);
    // Exactly one wins; the other hears the domain error, never a storage failure.
    EXPECT_NE(a.ok(), b.ok()) << "name " << i;
    const auto& loser = a.ok() ? b : a;
    if (!loser.ok()) {
      EXPECT_EQ(loser.error().code, identity::kUsernameTaken) << "name " << i;
    }
    auto stored = a_->reads().identity().user_by_username(numbered("racer", i));
    ASSERT_TRUE(stored.ok() && stored->has_value());
    EXPECT_EQ((*stored)->id, numbered(a.ok() ? "usr_a" : "usr_b", i));
  }
}

Result<bool> take(Writes& w, const std::string& key) {
  PADDOCK_ASSIGN(taken, w.secrets().take_secret("p", key, now_millis()));
  return taken.has_value();
}

TEST_F(PostgresTwoNodes, ASecretTakenOnAnotherNodeInFlightIsNotHandedOutAgain) {
  UnixMillis expires = now_millis() + 60'000;
  auto put = start<bool>(*a_, [expires](Writes& w) -> Result<bool> {
    PADDOCK_TRY(w.secrets().put_secret({"p", "once", "x", expires}));
    PADDOCK_TRY(w.secrets().put_secret({"p", "back", "y", expires}));
    return true;
  });
  ASSERT_TRUE(finish(put).ok());

  // Committed by A: B finds nothing.
  auto [first, ran] = hold<bool>([](Writes& w) { return take(w, "once"); }, /*commit=*/true);
  ASSERT_EQ(ran.wait_for(kWait), std::future_status::ready);
  auto second = start<bool>(*b_, [](Writes& w) { return take(w, "once"); });
  auto a = finish(first);
  auto b = finish(second);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_TRUE(*a);
  EXPECT_FALSE(*b);

  // Rolled back by A: the secret is still there, and B gets it.
  auto [undone, ran_again] =
      hold<bool>([](Writes& w) { return take(w, "back"); }, /*commit=*/false);
  ASSERT_EQ(ran_again.wait_for(kWait), std::future_status::ready);
  auto after = start<bool>(*b_, [](Writes& w) { return take(w, "back"); });
  EXPECT_FALSE(finish(undone).ok());
  auto got = finish(after);
  ASSERT_TRUE(got.ok());
  EXPECT_TRUE(*got);
}

TEST_F(PostgresTwoNodes, ManySecretsTakenOnTwoNodesAreEachHandedOutOnce) {
  constexpr int kSecrets = 200;
  UnixMillis expires = now_millis() + 60'000;
  auto put = start<bool>(*a_, [expires](Writes& w) -> Result<bool> {
    for (int i = 0; i < kSecrets; ++i) {
      PADDOCK_TRY(w.secrets().put_secret({"p", numbered("k", i), "", expires}));
    }
    return true;
  });
  ASSERT_TRUE(finish(put).ok());
  std::vector<std::future<Result<bool>>> on_a, on_b;
  for (int i = 0; i < kSecrets; ++i) {
    std::string key = numbered("k", i);
    on_a.push_back(start<bool>(*a_, [key](Writes& w) { return take(w, key); }));
    on_b.push_back(start<bool>(*b_, [key](Writes& w) { return take(w, key); }));
  }
  int handed_out = 0;
  for (int i = 0; i < kSecrets; ++i) {
    auto a = finish(on_a[i]);
    auto b = finish(on_b[i]);
    ASSERT_TRUE(a.ok() && b.ok()) << "secret " << i;
    EXPECT_NE(*a, *b) << "secret " << i << " must go to exactly one node";
    handed_out += (*a ? 1 : 0) + (*b ? 1 : 0);
  }
  EXPECT_EQ(handed_out, kSecrets);
}

TEST_F(PostgresTwoNodes, AReportCounterAcceptedOnOneNodeIsRefusedOnTheOther) {
  {
    // The vehicle row the head unit belongs to, written directly: this case is about head units.
    Connection db(db_->conninfo());
    db.exec("INSERT INTO users (id, username, display_name, password_hash, created_at) "
            "VALUES ('usr_o', 'owner', 'Owner', 'hash', 1);"
            "INSERT INTO vehicles (id, owner_id, nickname, visibility, created_at) "
            "VALUES ('veh_1', 'usr_o', 'car', 'private', 1)");
  }
  auto added = start<bool>(*a_, [](Writes& w) -> Result<bool> {
    PADDOCK_TRY(w.head_units().insert_head_unit({"hu_1", "veh_1", "dash", "key", 0, 1}));
    return true;
  });
  ASSERT_TRUE(finish(added).ok());
  auto [first, ran] = hold<bool>(
      [](Writes& w) { return w.head_units().advance_report_counter("hu_1", 7); }, true);
  ASSERT_EQ(ran.wait_for(kWait), std::future_status::ready);
  // The same report replayed on node B while A's acceptance is in flight.
  auto replay =
      start<bool>(*b_, [](Writes& w) { return w.head_units().advance_report_counter("hu_1", 7); });
  auto a = finish(first);
  auto b = finish(replay);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_TRUE(*a);
  EXPECT_FALSE(*b);
  auto unit = b_->reads().head_units().head_unit_by_id("hu_1");
  ASSERT_TRUE(unit.ok() && unit->has_value());
  EXPECT_EQ((*unit)->last_report_counter, 7u);
}

TEST_F(PostgresTwoNodes, AContactPutOnTwoNodesAtOnceIsOneRowWithTheLaterChange) {
  {
    Connection db(db_->conninfo());
    db.exec("INSERT INTO users (id, username, display_name, password_hash, created_at) VALUES "
            "('usr_x', 'x', 'X', 'hash', 1), ('usr_y', 'y', 'Y', 'hash', 1)");
  }
  auto [first, ran] = hold<bool>(
      [](Writes& w) -> Result<bool> {
        PADDOCK_TRY(w.contacts().put_contact({"usr_x", "usr_y", "friend", 10, 10}));
        return true;
      },
      true);
  ASSERT_EQ(ran.wait_for(kWait), std::future_status::ready);
  auto second = start<bool>(*b_, [](Writes& w) -> Result<bool> {
    PADDOCK_TRY(w.contacts().put_contact({"usr_x", "usr_y", "family", 20, 20}));
    return true;
  });
  // An upsert, not check-then-insert: neither node fails on the other's row.
  auto a = finish(first);
  auto b = finish(second);
  ASSERT_TRUE(a.ok()) << a.error().detail;
  ASSERT_TRUE(b.ok()) << b.error().detail;
  auto listed = a_->reads().contacts().contacts_of("usr_x");
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].relationship, "family");
  EXPECT_EQ((*listed)[0].created_at, 10);
  EXPECT_EQ((*listed)[0].updated_at, 20);
}

// Sharing and key shares across two nodes: users and the vehicle written directly, since these
// cases are about what the two writers race on.
void seed_owner_and_vehicle(const std::string& conninfo) {
  Connection db(conninfo);
  db.exec("INSERT INTO users (id, username, display_name, password_hash, created_at) VALUES "
          "('usr_o', 'owner', 'Owner', 'hash', 1), ('usr_r', 'recipient', 'R', 'hash', 1);"
          "INSERT INTO vehicles (id, owner_id, nickname, visibility, created_at) "
          "VALUES ('veh_1', 'usr_o', 'car', 'private', 1)");
}

TEST_F(PostgresTwoNodes, AVinRegisteredOnTwoNodesAtOnceGoesToExactlyOne) {
  seed_owner_and_vehicle(db_->conninfo());
  auto car = [](const char* id) {
    return VehicleRecord{id,           "usr_o", std::string("WVWZZZ1JZXW000001"),
                         std::nullopt, std::nullopt, std::nullopt,
                         "car",        "private", false,
                         0,            2};
  };
  auto [first, ran] = hold<bool>(
      [car](Writes& w) -> Result<bool> {
        PADDOCK_TRY(w.sharing().insert_vehicle(car("veh_a")));
        return true;
      },
      true);
  ASSERT_EQ(ran.wait_for(kWait), std::future_status::ready);
  auto second = start<bool>(*b_, [car](Writes& w) -> Result<bool> {
    PADDOCK_TRY(w.sharing().insert_vehicle(car("veh_b")));
    return true;
  });
  auto a = finish(first);
  auto b = finish(second);
  EXPECT_TRUE(a.ok());
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.error().code, sharing::kIdentificationTaken);
  auto found = b_->reads().sharing().vehicle_by_vin("WVWZZZ1JZXW000001");
  ASSERT_TRUE(found.ok() && found->has_value());
  EXPECT_EQ((*found)->id, "veh_a");
}

TEST_F(PostgresTwoNodes, MessageSeqsOfOneVehicleNeverRepeatAcrossNodes) {
  seed_owner_and_vehicle(db_->conninfo());
  constexpr int kPerNode = 20;
  std::vector<std::future<Result<std::int64_t>>> jobs;
  for (int i = 0; i < 2 * kPerNode; ++i) {
    Store& node = (i % 2 == 0) ? *a_ : *b_;
    std::string id = numbered("msg_", i);
    jobs.push_back(start<std::int64_t>(node, [id](Writes& w) -> Result<std::int64_t> {
      return w.sharing().insert_next_message(
          {id, "veh_1", 0, 0, "hi", "{}", "usr_o", 3, std::nullopt});
    }));
  }
  std::set<std::int64_t> seqs;
  for (auto& job : jobs) {
    auto r = finish(job);
    ASSERT_TRUE(r.ok()) << r.error().detail;
    EXPECT_TRUE(seqs.insert(*r).second) << "seq " << *r << " handed out twice";
  }
  EXPECT_EQ(*seqs.begin(), 1);
  EXPECT_EQ(*seqs.rbegin(), 2 * kPerNode);
  auto page = a_->reads().sharing().messages_page("veh_1", 0, ~0u, 100);
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->size(), static_cast<std::size_t>(2 * kPerNode));
}

TEST_F(PostgresTwoNodes, AnAcceptRacingARevokeOnOneShareChangesItOnce) {
  seed_owner_and_vehicle(db_->conninfo());
  keys::KeyShareRecord share;
  share.id = "ksh_1";
  share.vehicle_id = "veh_1";
  share.sharer_id = "usr_o";
  share.recipient_id = "usr_r";
  share.task = "drive";
  share.status = std::string(keys::kShareOffered);
  share.rights = "[]";
  share.refused = "[]";
  share.verification = "none";
  share.not_before = 1;
  share.not_after = 4'000'000'000'000;
  share.note = "";
  share.created_at = 1;
  share.updated_at = 1;
  auto put = start<bool>(*a_, [share](Writes& w) -> Result<bool> {
    PADDOCK_TRY(w.key_shares().insert_share(share));
    return true;
  });
  ASSERT_TRUE(finish(put).ok());
  auto issued = share;
  issued.status = std::string(keys::kShareIssued);
  auto revoked = share;
  revoked.status = std::string(keys::kShareRevoked);
  auto [first, ran] = hold<bool>(
      [issued](Writes& w) {
        return w.key_shares().update_share(issued, keys::kShareOffered);
      },
      true);
  ASSERT_EQ(ran.wait_for(kWait), std::future_status::ready);
  auto second = start<bool>(*b_, [revoked](Writes& w) {
    return w.key_shares().update_share(revoked, keys::kShareOffered);
  });
  auto a = finish(first);
  auto b = finish(second);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_TRUE(*a);
  EXPECT_FALSE(*b);
  auto now = b_->reads().key_shares().share_by_id("ksh_1");
  ASSERT_TRUE(now.ok() && now->has_value());
  EXPECT_EQ((*now)->status, keys::kShareIssued);
}

}  // namespace
}  // namespace paddock::storage::postgres
