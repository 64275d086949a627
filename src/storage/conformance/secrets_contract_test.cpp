// Conformance: single-use secrets (storage/secrets.hpp).
#include "storage/conformance/conformance.hpp"

namespace paddock::storage::conformance {
namespace {

Result<bool> take(Writes& w, const char* purpose, const char* key, UnixMillis now) {
  PADDOCK_ASSIGN(taken, w.secrets().take_secret(purpose, key, now));
  return taken.has_value();
}

TEST_P(StoreContract, ASecretIsTakenOnceAndOnlyUnderItsPurpose) {
  UnixMillis now = now_millis();
  must_write([now](Writes& w) {
    return w.secrets().put_secret({"device_challenge", "k1", "payload", now + 60'000});
  });
  EXPECT_FALSE(
      *write<bool>([now](Writes& w) { return take(w, "follow_confirmation", "k1", now); }));
  auto first = write<std::optional<SecretRecord>>(
      [now](Writes& w) { return w.secrets().take_secret("device_challenge", "k1", now); });
  ASSERT_TRUE(first.ok() && first->has_value());
  EXPECT_EQ((*first)->payload, "payload");
  EXPECT_EQ((*first)->expires_at, now + 60'000);
  EXPECT_FALSE(*write<bool>([now](Writes& w) { return take(w, "device_challenge", "k1", now); }));
}

TEST_P(StoreContract, TwoTakesInOneBatchYieldTheSecretOnce) {
  UnixMillis now = now_millis();
  must_write([now](Writes& w) { return w.secrets().put_secret({"p", "race", "", now + 60'000}); });
  std::atomic<int> got{0};
  std::promise<void> both;
  std::atomic<int> remaining{2};
  for (int i = 0; i < 2; ++i) {
    store_->write<bool>([now](Writes& w) { return take(w, "p", "race", now); },
                        [&](Result<bool> r) {
                          if (r.ok() && *r) ++got;
                          if (--remaining == 0) both.set_value();
                        });
  }
  both.get_future().wait();
  EXPECT_EQ(got.load(), 1);
}

TEST_P(StoreContract, AnExpiredSecretIsNeverRedeemedAndPurgeRemovesOnlyExpiredOnes) {
  // Judged at `now`, a little ahead of real time, so that the writer's own periodic purge
  // leaves these rows to the test.
  UnixMillis now = now_millis() + 1000;
  must_write([now](Writes& w) -> Result<void> {
    PADDOCK_TRY(w.secrets().put_secret({"p", "late", "", now - 1}));
    PADDOCK_TRY(w.secrets().put_secret({"p", "old", "", now - 1}));
    return w.secrets().put_secret({"q", "fresh", "", now + 60'000});
  });
  EXPECT_FALSE(*write<bool>([now](Writes& w) { return take(w, "p", "late", now); }));
  auto purged =
      write<std::size_t>([now](Writes& w) { return w.secrets().purge_expired_secrets(now); });
  EXPECT_EQ(*purged, 1u);  // "old"; "late" went when it was taken
  EXPECT_TRUE(*write<bool>([now](Writes& w) { return take(w, "q", "fresh", now); }));
}

}  // namespace
}  // namespace paddock::storage::conformance
