#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <thread>

#include "core/clock.hpp"
#include "core/encoding.hpp"
#include "core/error.hpp"
#include "core/ids.hpp"
#include "core/result.hpp"
#include "core/thread_name.hpp"
#include "core/thread_post.hpp"
#include "core/work_pool.hpp"

namespace paddock {
namespace {

TEST(Base64Url, RoundTripsEveryLength) {
  ASSERT_TRUE(init_crypto());
  for (std::size_t n = 0; n < 70; ++n) {
    Bytes bytes = random_bytes(n);
    std::string text = base64url_encode(bytes);
    EXPECT_EQ(text.find('='), std::string::npos);
    auto back = base64url_decode(text);
    ASSERT_TRUE(back.has_value()) << n;
    EXPECT_EQ(*back, bytes);
  }
}

TEST(Base64Url, RejectsForeignAlphabetAndPadding) {
  struct Row { const char* name; const char* text; };
  for (Row row : {Row{"standard alphabet plus", "ab+c"}, Row{"standard alphabet slash", "ab/c"},
                  Row{"padding", "YQ=="}, Row{"space", "YW Jj"}, Row{"one char", "Y"},
                  Row{"stray low bits", "YR"}}) {
    EXPECT_FALSE(base64url_decode(row.text).has_value()) << row.name;
  }
}

// is_base64url answers as base64url_decode does, for every string of up to three characters over
// the alphabet and some foreign bytes, and for random longer ones.
TEST(Base64Url, TheFormatCheckAgreesWithDecoding) {
  ASSERT_TRUE(init_crypto());
  using namespace std::string_view_literals;  // the literal's NUL is one of the characters
  const std::string_view chars =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_+/= .\x00\xff"sv;
  std::vector<std::string> texts{""};
  for (std::size_t length = 1, first = 0; length <= 3; ++length) {
    const std::size_t end = texts.size();
    for (std::size_t i = first; i < end; ++i) {
      for (char c : chars) texts.push_back(texts[i] + c);
    }
    first = end;
  }
  for (std::size_t n = 4; n < 48; ++n) {
    for (int round = 0; round < 200; ++round) {
      Bytes pick = random_bytes(n);
      std::string text;
      // Mostly the alphabet, so that valid strings and ones with a single stray fault both occur.
      for (std::uint8_t b : pick) text += chars[b % (b < 250 ? 64 : chars.size())];
      texts.push_back(text);
    }
    texts.push_back(base64url_encode(random_bytes(n)));
  }
  int valid = 0;
  for (const auto& text : texts) {
    const bool decodes = base64url_decode(text).has_value();
    ASSERT_EQ(is_base64url(text), decodes) << "\"" << text << "\"";
    valid += decodes;
  }
  EXPECT_GT(valid, 1000);
  EXPECT_LT(valid, static_cast<int>(texts.size()) - 1000);
}

TEST(Hex, Encodes) {
  Bytes b{0x00, 0xab, 0xff};
  EXPECT_EQ(hex_encode(b), "00abff");
}

TEST(Clock, FormatsRfc3339WithMillis) {
  EXPECT_EQ(format_rfc3339(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(format_rfc3339(1795456800123), "2026-11-23T18:00:00.123Z");
}

TEST(Ids, HavePrefixAndAreUnique) {
  std::string a = new_id("usr"), b = new_id("usr");
  EXPECT_EQ(a.rfind("usr_", 0), 0u);
  EXPECT_EQ(a.size(), 20u);
  EXPECT_NE(a, b);
  EXPECT_TRUE(looks_like_id(a));
  // Later ids sort after earlier ones (by the millisecond), as byte strings.
  std::string earlier = new_id("usr");
  std::this_thread::sleep_for(std::chrono::milliseconds(2));
  EXPECT_LT(earlier, new_id("usr"));
  EXPECT_FALSE(looks_like_id("../etc"));
  EXPECT_FALSE(looks_like_id(""));
}

TEST(Errors, EveryCoreCodeHasAUniqueSnakeCaseName) {
  std::set<std::string_view> names;
  for (const ErrorCode& code : core_error_codes()) {
    ASSERT_FALSE(code.name.empty());
    for (char c : code.name) EXPECT_TRUE((c >= 'a' && c <= 'z') || c == '_') << code.name;
    EXPECT_TRUE(names.insert(code.name).second) << "duplicate " << code.name;
  }
  EXPECT_EQ(Errc::payload_too_large.kind, ErrorKind::too_large);
  EXPECT_EQ(kind_name(Errc::not_found.kind), "not_found");
}

TEST(Errors, CodesCompareByNameSoModulesCanDeclareTheirOwn) {
  constexpr ErrorCode kLocal{"test_local_code", ErrorKind::conflict};
  Error e = make_error(kLocal, "clash", "field");
  EXPECT_EQ(e.code, kLocal);
  EXPECT_FALSE(e.code == Errc::not_found);
  EXPECT_EQ(e.code, (ErrorCode{"test_local_code", ErrorKind::conflict}));
  EXPECT_EQ(Error{}.code, Errc::internal);
}

TEST(Result, HoldsValueOrError) {
  Result<int> good = 5;
  Result<int> bad = make_error(Errc::not_found, "nope");
  EXPECT_TRUE(good.ok());
  EXPECT_EQ(*good, 5);
  EXPECT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, Errc::not_found);
  Result<void> fine;
  EXPECT_TRUE(fine.ok());
}

}  // namespace
}  // namespace paddock

namespace paddock {
namespace {

TEST(WorkPool, StopCanDropQueuedTasksAndLaterPostsDoNotRun) {
  WorkPool pool(1, "test");
  std::promise<void> started, release;
  auto released = release.get_future().share();
  std::atomic<int> ran{0};
  pool.post([&] {
    started.set_value();
    released.wait();
  });
  started.get_future().wait();
  for (int i = 0; i < 5; ++i) pool.post([&] { ++ran; });
  std::thread stopper([&] { pool.stop(/*discard_queued=*/true); });
  // The queue is emptied at once; the running task still finishes.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (pool.queued() != 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  EXPECT_EQ(pool.queued(), 0u);
  release.set_value();
  stopper.join();
  pool.post([&] { ++ran; });
  EXPECT_EQ(ran.load(), 0);
}

TEST(WorkPool, TheDestructorFinishesQueuedTasks) {
  std::atomic<int> ran{0};
  {
    WorkPool pool(1, "test");
    for (int i = 0; i < 5; ++i) pool.post([&] { ++ran; });
  }
  EXPECT_EQ(ran.load(), 5);
}

// An operator reading `top -H` or perf sees which pool a busy thread belongs to.
TEST(WorkPool, NamesItsThreadsAndNumbersThemWhenThereAreSeveral) {
  auto names_of = [](std::size_t threads, std::string_view name) {
    WorkPool pool(threads, name);
    std::mutex mutex;
    std::set<std::string> seen;
    std::atomic<std::size_t> waiting{0};
    // Every task waits until each thread holds one, so each thread reports its name.
    for (std::size_t i = 0; i < threads; ++i) {
      pool.post([&] {
        {
          std::lock_guard lock(mutex);
          seen.insert(this_thread_name());
        }
        ++waiting;
        auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
        while (waiting.load() < threads && std::chrono::steady_clock::now() < deadline) {
          std::this_thread::yield();
        }
      });
    }
    pool.stop();
    return seen;
  };
  EXPECT_EQ(names_of(1, "fanout"), (std::set<std::string>{"fanout"}));
  EXPECT_EQ(names_of(3, "hash"), (std::set<std::string>{"hash-0", "hash-1", "hash-2"}));
}

TEST(ThreadName, ANameOverFifteenBytesIsCutThere) {
  std::string seen;
  std::thread t([&] {
    name_this_thread("a-name-far-longer-than-linux-keeps");
    seen = this_thread_name();
  });
  t.join();
  EXPECT_EQ(seen, "a-name-far-long");
}

// Only a thread marked as an I/O thread counts a blocking call; the mark is per thread.
// A hook that counts its hand-overs and runs each task at once.
struct CountingHook {
  int handovers = 0;
  static void post(void* target, std::function<void()> task) {
    ++static_cast<CountingHook*>(target)->handovers;
    task();
  }
  ThreadPost hook() { return ThreadPost{this, &CountingHook::post}; }
};

TEST(ThreadPost, WithoutAHookTheTaskRunsHereAndNow) {
  int ran = 0;
  ThreadPost{}([&] { ++ran; });
  EXPECT_EQ(ran, 1);
}

// Inside a batch a task without a hook waits too, and runs after the batch's hand-overs: the
// writer's inline completion (a unit test's) must not overtake the update it gave the hub.
TEST(PostBatch, ATaskWithoutAHookRunsAfterTheHandOvers) {
  CountingHook hook;
  std::string order;
  {
    PostBatch batch;
    ThreadPost{}([&] { order += "inline "; });
    hook.hook()([&] { order += "handed "; });
    EXPECT_EQ(order, "");
  }
  EXPECT_EQ(order, "handed inline ");
}

TEST(PostBatch, EachHookGetsItsTasksInOrderAsOneHandOverWhenTheBatchEnds) {
  CountingHook a, b;
  std::string order;
  {
    PostBatch batch;
    a.hook()([&] { order += "a1 "; });
    b.hook()([&] { order += "b1 "; });
    a.hook()([&] { order += "a2 "; });
    {
      PostBatch inner;  // nested: only the outermost hands over
      a.hook()([&] { order += "a3 "; });
    }
    EXPECT_EQ(order, "") << "nothing is handed over before the batch ends";
    EXPECT_EQ(a.handovers, 0);
  }
  EXPECT_EQ(order, "a1 a2 a3 b1 ");
  EXPECT_EQ(a.handovers, 1) << "three tasks, one hand-over";
  EXPECT_EQ(b.handovers, 1);

  a.hook()([&] { order += "a4 "; });  // no batch open: handed over at once
  EXPECT_EQ(order, "a1 a2 a3 b1 a4 ");
  EXPECT_EQ(a.handovers, 2);
}

TEST(PostBatch, IsPerThread) {
  CountingHook hook;
  std::atomic<int> ran{0};
  PostBatch batch;
  std::thread other([&] { hook.hook()([&] { ++ran; }); });
  other.join();
  EXPECT_EQ(ran.load(), 1) << "another thread's hand-over is not held by this thread's batch";
}

TEST(IoThreads, BlockingCallsCountOnlyOnMarkedThreads) {
  const std::uint64_t before = blocking_calls_on_io_threads();
  EXPECT_FALSE(note_blocking_call());
  std::thread io([] {
    mark_io_thread(true);
    EXPECT_TRUE(on_io_thread());
    EXPECT_TRUE(note_blocking_call());
    EXPECT_TRUE(note_blocking_call());
    mark_io_thread(false);
    EXPECT_FALSE(note_blocking_call());
  });
  io.join();
  EXPECT_FALSE(on_io_thread());
  EXPECT_EQ(blocking_calls_on_io_threads() - before, 2u);
}

}  // namespace
}  // namespace paddock
