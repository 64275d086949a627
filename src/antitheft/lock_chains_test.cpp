#include "antitheft/lock_chains.hpp"

#include <gtest/gtest.h>

namespace paddock::antitheft {
namespace {

using Next = LockChains::Next;

TEST(LockChains, ASendAskedForWhileOneRunsFollowsItOnce) {
  LockChains chains;
  EXPECT_TRUE(chains.begin_send("lck_1"));
  EXPECT_FALSE(chains.begin_send("lck_1"));
  EXPECT_FALSE(chains.begin_send("lck_1"));  // remembered once, not twice
  EXPECT_TRUE(chains.begin_send("lck_2")) << "another lock's chain is its own";
  EXPECT_TRUE(chains.end_send("lck_1"));
  EXPECT_TRUE(chains.begin_send("lck_1"));
  EXPECT_FALSE(chains.end_send("lck_1"));
  EXPECT_TRUE(chains.begin_send("lck_1")) << "ended: a new one begins";
}

TEST(LockChains, AReapplicationAskedForMeanwhileRunsAgainWithoutEndingTheChain) {
  LockChains chains;
  EXPECT_TRUE(chains.begin_reapply("lck_1"));
  EXPECT_FALSE(chains.begin_reapply("lck_1"));
  EXPECT_EQ(chains.end_reapply("lck_1"), Next::again);
  // Still running: a reversal keeps waiting for the second round.
  EXPECT_FALSE(chains.begin_reverse("lck_1"));
  EXPECT_EQ(chains.end_reapply("lck_1"), Next::reverse);
  EXPECT_FALSE(chains.begin_reverse("lck_1")) << "handed over as begun";
  chains.end_reverse("lck_1");
  EXPECT_TRUE(chains.begin_reapply("lck_1"));
  EXPECT_EQ(chains.end_reapply("lck_1"), Next::nothing);
}

TEST(LockChains, AReversalGoesOnceAtATimeAndNeverAmongReappliedLevers) {
  LockChains chains;
  EXPECT_TRUE(chains.begin_reverse("lck_1"));
  EXPECT_FALSE(chains.begin_reverse("lck_1"));
  EXPECT_FALSE(chains.begin_reverse("lck_1"));
  EXPECT_TRUE(chains.end_reverse("lck_1")) << "asked for meanwhile: the caller looks again";
  EXPECT_TRUE(chains.begin_reverse("lck_1")) << "not begun on its own";
  EXPECT_FALSE(chains.end_reverse("lck_1")) << "asked for once, looked at once";

  EXPECT_TRUE(chains.begin_reapply("lck_1"));
  EXPECT_FALSE(chains.begin_reverse("lck_1"));
  EXPECT_FALSE(chains.begin_reverse("lck_1"));
  EXPECT_EQ(chains.end_reapply("lck_1"), Next::reverse) << "the waiting reversal, once";
  chains.end_reverse("lck_1");
  EXPECT_TRUE(chains.begin_reapply("lck_1"));
  EXPECT_EQ(chains.end_reapply("lck_1"), Next::nothing);
}

TEST(LockChains, AReapplicationWhileAReversalRunsIsNotHeldBack) {
  // It reads the lock first and finds it released; nothing of it reaches the pile.
  LockChains chains;
  EXPECT_TRUE(chains.begin_reverse("lck_1"));
  EXPECT_TRUE(chains.begin_reapply("lck_1"));
  EXPECT_EQ(chains.end_reapply("lck_1"), Next::nothing);
  chains.end_reverse("lck_1");
}

TEST(LockChains, EndingWhatNeverBeganChangesNothing) {
  LockChains chains;
  EXPECT_FALSE(chains.end_send("lck_1"));
  EXPECT_EQ(chains.end_reapply("lck_1"), Next::nothing);
  chains.end_reverse("lck_1");
  EXPECT_TRUE(chains.begin_send("lck_1"));
  EXPECT_TRUE(chains.begin_reverse("lck_1")) << "a reversal does not wait for a send";
  EXPECT_TRUE(chains.begin_reapply("lck_1"));
}

}  // namespace
}  // namespace paddock::antitheft
