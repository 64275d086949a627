// The OCPP-J connection handler over a recording session and a real SQLite store: the central
// system's calls (one at a time, timeout, queue bound, a pile that leaves), replacement by a
// newer connection, and the small parsers beside it (Basic credentials, date-times).
#include "ocpp/charge_point_session.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <deque>
#include <filesystem>

#include "ocpp/central_system.hpp"
#include "ocpp/charge_points.hpp"
#include "ocpp/errors.hpp"
#include "storage/sqlite/sqlite_store.hpp"
#include <future>

namespace paddock::ocpp {
namespace {

namespace json = boost::json;

class RecordingSession final : public session::Session {
 public:
  session::Protocol protocol() const override { return session::Protocol::websocket; }
  void send(session::MessageKind, session::SharedBytes payload, std::int64_t) override {
    sent.emplace_back(payload.bytes);
  }
  void send_comment(std::string_view) override {}
  void close(std::uint16_t c, std::string_view r) override {
    code = c;
    reason = std::string(r);
  }
  session::Waker waker() override { return session::Waker::calling(count_wakes); }
  // Inline, as on SQLite; with `offload`, storage work waits in `pool` and tasks for the
  // session's thread in `back`, as on PostgreSQL, until the test runs them.
  Post poster() override {
    return [this](std::function<void()> task) {
      if (offload) return back.push_back(std::move(task));
      task();
    };
  }
  Post storage_runner() override {
    return [this](std::function<void()> task) {
      if (offload) return pool.push_back(std::move(task));
      task();
    };
  }
  static void drain(std::deque<std::function<void()>>& tasks) {
    while (!tasks.empty()) {
      auto task = std::move(tasks.front());
      tasks.pop_front();
      task();
    }
  }
  void set_deadline(std::chrono::steady_clock::duration after) override { deadline = after; }
  const std::string& peer_address() const override { return empty_; }
  const std::string& principal() const override { return empty_; }
  const std::string& subprotocol() const override { return empty_; }

  json::array last() const { return json::parse(sent.back()).as_array(); }

  std::vector<std::string> sent;
  std::uint16_t code = 0;
  std::string reason;
  int wakes = 0;
  std::shared_ptr<std::function<void()>> count_wakes =
      std::make_shared<std::function<void()>>([this] { ++wakes; });
  std::optional<std::chrono::steady_clock::duration> deadline;
  bool offload = false;
  std::deque<std::function<void()>> pool, back;

 private:
  std::string empty_;
};

class ChargePointSessionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("paddock-ocpp-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    auto store = storage::sqlite::open_store({(dir_ / "paddock.db").string()});
    ASSERT_TRUE(store.ok()) << store.error().detail;
    store_ = std::move(store.value());
    // The piles these tests connect are registered and approved: a pile not approved takes only
    // the Pending calls.
    std::promise<Result<bool>> done;
    auto registered = done.get_future();
    store_->write<bool>(
        [](storage::Writes& w) -> Result<bool> {
          for (const char* id : {"CP-1", "CP-2", "CP-NEW"}) {
            PADDOCK_TRY(w.charge_points().insert_charge_point(
                {id, "hash", "Vendor", "Model", "usr_op", 1, std::nullopt, std::nullopt, "", "",
                 std::string_view(id) != "CP-NEW"}));
          }
          return true;
        },
        [&done](Result<bool> r) { done.set_value(std::move(r)); });
    ASSERT_TRUE(registered.get().ok());
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  std::shared_ptr<ChargePointSession> open(CentralSystem& cs, RecordingSession& session,
                                           const std::string& id = "CP-1") {
    auto handler = std::make_shared<ChargePointSession>(cs, id, cs.read_approval(id));
    handler->on_open(session);
    return handler;
  }

  // Makes a call and records its outcome.
  std::shared_ptr<std::optional<Result<json::object>>> call(CentralSystem& cs,
                                                            json::object payload = {
                                                                {"type", "Soft"}}) {
    auto outcome = std::make_shared<std::optional<Result<json::object>>>();
    cs.call("CP-1", "Reset", std::move(payload),
            [outcome](Result<json::object> r) { outcome->emplace(std::move(r)); });
    return outcome;
  }

  std::shared_ptr<std::optional<Result<json::object>>> call_on(CentralSystem& cs,
                                                               const std::string& id,
                                                               std::string action,
                                                               json::object payload) {
    auto outcome = std::make_shared<std::optional<Result<json::object>>>();
    cs.call(id, std::move(action), std::move(payload),
            [outcome](Result<json::object> r) { outcome->emplace(std::move(r)); });
    return outcome;
  }

  std::filesystem::path dir_;
  std::unique_ptr<storage::Store> store_;
};

TEST_F(ChargePointSessionTest, CallsGoOneAtATimeAndTheAnswerComesBack) {
  CentralSystem cs(*store_, {});
  RecordingSession session;
  auto handler = open(cs, session);
  auto first = call(cs);
  auto second = call(cs, {{"type", "Hard"}});
  handler->on_writable(session, 8);
  ASSERT_EQ(session.sent.size(), 1u);  // the second waits for the first's answer
  auto sent = session.last();
  EXPECT_EQ(sent[0].as_int64(), 2);
  EXPECT_EQ(sent[2].as_string(), "Reset");
  ASSERT_TRUE(session.deadline.has_value());
  EXPECT_EQ(*session.deadline, std::chrono::seconds(30));

  handler->on_message(session, session::MessageKind::text,
                      "[3," + json::serialize(sent[1]) + ",{\"status\":\"Accepted\"}]");
  ASSERT_TRUE(first->has_value() && (*first)->ok());
  EXPECT_EQ((**first)->at("status").as_string(), "Accepted");
  ASSERT_EQ(session.sent.size(), 2u);
  EXPECT_NE(session.last()[1], sent[1]);  // a new message id
  EXPECT_FALSE(second->has_value());
}

TEST_F(ChargePointSessionTest, APileNotApprovedIsPendingAndTakesOnlyThePendingCalls) {
  CentralSystem cs(*store_, {});
  RecordingSession session;
  auto handler = open(cs, session, "CP-NEW");
  EXPECT_TRUE(cs.connected("CP-NEW"));
  EXPECT_FALSE(cs.online("CP-NEW"));  // no lock acts on it
  // (BootNotification answered Pending, after a write: tests/integration/test_ocpp_operations.)
  handler->on_message(session, session::MessageKind::text,
                      R"([2,"a1","Authorize",{"idTag":"T"}])");
  handler->on_writable(session, 8);
  ASSERT_EQ(session.sent.size(), 1u);
  EXPECT_EQ(session.last()[0].as_int64(), 4);
  EXPECT_EQ(session.last()[2].as_string(), "SecurityError");

  auto reset = call_on(cs, "CP-NEW", "Reset", {{"type", "Soft"}});
  ASSERT_TRUE(reset->has_value());
  EXPECT_EQ((*reset)->error().code, kChargePointPending);
  auto trigger = call_on(cs, "CP-NEW", "TriggerMessage", {{"requestedMessage", "BootNotification"}});
  handler->on_writable(session, 8);
  EXPECT_FALSE(trigger->has_value());  // sent, waiting for the pile's answer
  EXPECT_EQ(session.last()[2].as_string(), "TriggerMessage");
}

// As on PostgreSQL: the central system's work for a CALL waits for the pool, and its answer for
// the session's thread. Until the answer is back no other CALL is taken (one at a time, in
// order), and the storage work touches nothing of the session's.
TEST_F(ChargePointSessionTest, ACallsStorageWorkRunsOffTheSessionAndItsAnswerComesBackInOrder) {
  CentralSystem cs(*store_, {});
  RecordingSession session;
  session.offload = true;
  auto handler = open(cs, session);
  handler->on_message(session, session::MessageKind::text,
                      R"([2,"a1","Authorize",{"idTag":"T"}])");
  ASSERT_EQ(session.pool.size(), 1u);  // the central system has not run yet
  handler->on_message(session, session::MessageKind::text, R"([2,"a2","Heartbeat",{}])");
  handler->on_writable(session, 8);
  ASSERT_EQ(session.sent.size(), 1u);  // the second CALL, refused at once
  EXPECT_EQ(session.last()[1].as_string(), "a2");
  EXPECT_EQ(session.last()[2].as_string(), "ProtocolError");

  RecordingSession::drain(session.pool);  // the read, "on the pool"
  handler->on_writable(session, 8);
  EXPECT_EQ(session.sent.size(), 1u);  // nothing sent from the pool
  ASSERT_EQ(session.back.size(), 1u);
  RecordingSession::drain(session.back);  // the answer, back on the session's thread
  handler->on_writable(session, 8);
  ASSERT_EQ(session.sent.size(), 2u);
  EXPECT_EQ(session.last()[0].as_int64(), 3);
  EXPECT_EQ(session.last()[1].as_string(), "a1");
  EXPECT_EQ(session.last()[2].at("idTagInfo").at("status").as_string(), "Accepted");

  // Answered: the next CALL is taken.
  handler->on_message(session, session::MessageKind::text,
                      R"([2,"a3","Authorize",{"idTag":"U"}])");
  EXPECT_EQ(session.pool.size(), 1u);
}

// A pile's CALL is answered before any of ours goes: a boot's answer before what the lock
// workflow sends on that boot (OCPP 1.6 §4.2).
TEST_F(ChargePointSessionTest, OurCallsWaitWhileThePilesCallIsBeingAnswered) {
  CentralSystem cs(*store_, {});
  RecordingSession session;
  session.offload = true;
  auto handler = open(cs, session);
  handler->on_message(session, session::MessageKind::text,
                      R"([2,"a1","Authorize",{"idTag":"T"}])");
  auto reset = call(cs);
  handler->on_writable(session, 8);
  EXPECT_TRUE(session.sent.empty()) << "our CALL went before the answer to the pile's";
  RecordingSession::drain(session.pool);
  RecordingSession::drain(session.back);
  handler->on_writable(session, 8);
  ASSERT_EQ(session.sent.size(), 2u);
  auto answer = json::parse(session.sent[0]).as_array();
  EXPECT_EQ(answer[0].as_int64(), 3);
  EXPECT_EQ(answer[1].as_string(), "a1");
  EXPECT_EQ(session.last()[0].as_int64(), 2);
  EXPECT_EQ(session.last()[2].as_string(), "Reset");
  EXPECT_FALSE(reset->has_value());  // sent, waiting for the pile's answer
}

struct AnswerRow {
  const char* name;
  const char* answer;  // %s is the message id
  const char* error;   // expected error code name, or "" for success
};

class PileAnswers : public ChargePointSessionTest,
                    public ::testing::WithParamInterface<AnswerRow> {};

TEST_P(PileAnswers, BecomeResultsOrErrors) {
  CentralSystem cs(*store_, {});
  RecordingSession session;
  auto handler = open(cs, session);
  auto outcome = call(cs);
  handler->on_writable(session, 8);
  std::string id(session.last()[1].as_string());
  char text[256];
  std::snprintf(text, sizeof text, GetParam().answer, id.c_str());
  handler->on_message(session, session::MessageKind::text, text);
  ASSERT_TRUE(outcome->has_value());
  if (*GetParam().error) {
    ASSERT_FALSE((*outcome)->ok());
    EXPECT_EQ((*outcome)->error().code.name, GetParam().error);
  } else {
    EXPECT_TRUE((*outcome)->ok()) << (*outcome)->error().detail;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Ocpp, PileAnswers,
    ::testing::Values(
        AnswerRow{"accepted", R"([3,"%s",{"status":"Accepted"}])", ""},
        AnswerRow{"call_error", R"([4,"%s","NotImplemented","no",{}])", "charge_point_call_error"},
        AnswerRow{"result_off_schema", R"([3,"%s",{"status":"Sure"}])", "charge_point_call_error"},
        AnswerRow{"result_extra_field", R"([3,"%s",{"status":"Accepted","x":1}])",
                  "charge_point_call_error"}),
    [](const auto& info) { return std::string(info.param.name); });

TEST_F(ChargePointSessionTest, AnAnswerForAnotherIdIsIgnored) {
  CentralSystem cs(*store_, {});
  RecordingSession session;
  auto handler = open(cs, session);
  auto outcome = call(cs);
  handler->on_writable(session, 8);
  handler->on_message(session, session::MessageKind::text,
                      R"([3,"not-ours",{"status":"Accepted"}])");
  EXPECT_FALSE(outcome->has_value());
}

TEST_F(ChargePointSessionTest, ACallWithoutAnswerTimesOutAndTheNextGoes) {
  CentralSystem cs(*store_, {.call_timeout = std::chrono::seconds(0)});
  RecordingSession session;
  auto handler = open(cs, session);
  auto first = call(cs);
  auto second = call(cs);
  handler->on_writable(session, 8);
  handler->on_deadline(session);
  ASSERT_TRUE(first->has_value());
  EXPECT_EQ((*first)->error().code, kCallTimedOut);
  EXPECT_EQ(session.sent.size(), 2u);
  EXPECT_FALSE(second->has_value());
}

TEST_F(ChargePointSessionTest, TheQueueIsBoundedAndALeavingPileFailsEveryCall) {
  CentralSystem cs(*store_, {.max_queued_calls = 2});
  RecordingSession session;
  auto handler = open(cs, session);
  auto a = call(cs);
  auto b = call(cs);
  auto c = call(cs);
  ASSERT_TRUE(c->has_value());
  EXPECT_EQ((*c)->error().code, kCallQueueFull);
  handler->on_writable(session, 8);  // a is outstanding, b queued
  handler->on_closed();
  ASSERT_TRUE(a->has_value() && b->has_value());
  EXPECT_EQ((*a)->error().code, kChargePointOffline);
  EXPECT_EQ((*b)->error().code, kChargePointOffline);
  EXPECT_FALSE(cs.online("CP-1"));
  auto after = call(cs);
  ASSERT_TRUE(after->has_value());
  EXPECT_EQ((*after)->error().code, kChargePointOffline);
}

TEST_F(ChargePointSessionTest, RefusedBeforeSending) {
  CentralSystem cs(*store_, {});
  RecordingSession session;
  auto handler = open(cs, session);
  auto bad = call(cs, {{"type", "Sideways"}});
  ASSERT_TRUE(bad->has_value());
  EXPECT_EQ((*bad)->error().code, Errc::invalid_field);
  handler->on_writable(session, 8);
  EXPECT_TRUE(session.sent.empty());
}

TEST_F(ChargePointSessionTest, ANewerConnectionReplacesTheOlder) {
  CentralSystem cs(*store_, {});
  RecordingSession old_session, new_session;
  auto older = open(cs, old_session);
  auto newer = open(cs, new_session);
  EXPECT_GT(old_session.wakes, 0);
  older->on_writable(old_session, 8);
  EXPECT_EQ(old_session.code, session::kClosePolicy);
  older->on_closed();  // the old one leaving does not take the new one offline
  EXPECT_TRUE(cs.online("CP-1"));
  newer->on_closed();
  EXPECT_FALSE(cs.online("CP-1"));
}

TEST_F(ChargePointSessionTest, ABinaryMessageEndsTheConnection) {
  CentralSystem cs(*store_, {});
  RecordingSession session;
  auto handler = open(cs, session);
  handler->on_message(session, session::MessageKind::binary, "[2,\"a\",\"Heartbeat\",{}]");
  EXPECT_EQ(session.code, 1003);
}

struct BasicRow {
  const char* name;
  const char* header;
  std::optional<std::pair<std::string, std::string>> expected;
};
class BasicCredentials : public ::testing::TestWithParam<BasicRow> {};
TEST_P(BasicCredentials, Parse) {
  EXPECT_EQ(parse_basic_credentials(GetParam().header), GetParam().expected);
}
INSTANTIATE_TEST_SUITE_P(
    Ocpp, BasicCredentials,
    ::testing::Values(
        BasicRow{"plain", "Basic Q1AtMTpzZWNyZXQ=", std::make_pair("CP-1", "secret")},
        BasicRow{"scheme_any_case", "bAsIc Q1AtMTpzZWNyZXQ=", std::make_pair("CP-1", "secret")},
        BasicRow{"colon_in_password", "Basic Q1AtMTphOmI=", std::make_pair("CP-1", "a:b")},
        BasicRow{"empty_password", "Basic Q1AtMTo=", std::make_pair("CP-1", "")},
        BasicRow{"bearer", "Bearer Q1AtMTpzZWNyZXQ=", std::nullopt},
        BasicRow{"no_colon", "Basic Q1AtMQ==", std::nullopt},
        BasicRow{"not_base64", "Basic !!!", std::nullopt}, BasicRow{"empty", "", std::nullopt},
        BasicRow{"scheme_only", "Basic ", std::nullopt}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(OcppDateTime, ParsesToUnixMillis) {
  EXPECT_EQ(parse_date_time("1970-01-01T00:00:01Z"), 1000);
  EXPECT_EQ(parse_date_time("1970-01-01T00:00:01.25Z"), 1250);
  EXPECT_EQ(parse_date_time("1970-01-01T01:00:00+01:00"), 0);
  EXPECT_EQ(parse_date_time("1969-12-31T23:00:00-01:00"), 0);
  EXPECT_FALSE(parse_date_time("yesterday").has_value());
}

}  // namespace
}  // namespace paddock::ocpp
