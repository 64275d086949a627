#include "publishers/reach_sketch.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "core/encoding.hpp"

namespace paddock::publishers {
namespace {

ReachSketch users(int from, int to) {
  ReachSketch s;
  for (int i = from; i < to; ++i) s.add_user("usr_" + std::to_string(i));
  return s;
}

// A sketch's text form by hand: its kind letter, then the bytes.
std::string text_form(char kind, const Bytes& bytes) {
  std::string text(1, kind);
  text += base64url_encode(bytes);
  return text;
}

// Within `tolerance` (a fraction) of `expected`.
void expect_near(std::int64_t got, double expected, double tolerance) {
  EXPECT_LE(std::abs(static_cast<double>(got) - expected), expected * tolerance)
      << got << " vs " << expected;
}

TEST(ReachSketch, CountsSmallAudiencesExactlyAndEachReceiverOnce) {
  ReachSketch s;
  EXPECT_EQ(s.estimate(), 0);
  for (int round = 0; round < 3; ++round) {
    for (int i = 0; i < 300; ++i) s.add_user("usr_" + std::to_string(i));
  }
  EXPECT_TRUE(s.exact());
  EXPECT_EQ(s.estimate(), 300);
}

TEST(ReachSketch, MergingCountsTheUnion) {
  auto a = users(0, 200);
  a.merge(users(150, 400));  // two nodes, overlapping receivers
  EXPECT_TRUE(a.exact());
  EXPECT_EQ(a.estimate(), 400);
}

TEST(ReachSketch, LargeAudiencesAreEstimatedWithinAFewPercent) {
  for (int n : {513, 2'000, 10'000, 100'000}) {
    auto s = users(0, n);
    EXPECT_FALSE(s.exact()) << n;
    expect_near(s.estimate(), n, 0.05);
  }
}

TEST(ReachSketch, MergesAcrossExactAndEstimatedSketches) {
  auto dense = users(0, 20'000);
  dense.merge(users(10'000, 30'000));
  expect_near(dense.estimate(), 30'000, 0.05);

  auto exact = users(29'900, 30'100);  // 100 new, 200 in all
  dense.merge(exact);
  expect_near(dense.estimate(), 30'100, 0.05);

  auto small = users(0, 10);
  small.merge(dense);
  EXPECT_FALSE(small.exact());
  EXPECT_EQ(small.estimate(), dense.estimate());
}

TEST(ReachSketch, SurvivesItsTextForm) {
  for (int n : {0, 1, 512, 5'000}) {
    auto s = users(0, n);
    auto back = ReachSketch::from_text(s.to_text());
    ASSERT_TRUE(back) << n;
    EXPECT_EQ(back->estimate(), s.estimate());
    EXPECT_EQ(back->to_text(), s.to_text());
  }
  EXPECT_EQ(users(0, 0).to_text(), "");
}

TEST(ReachSketch, RefusesTextItDidNotMake) {
  auto dense = users(0, 1'000).to_text();
  auto exact = users(0, 3).to_text();
  std::string wrong_kind = exact, kind_mismatch = exact;
  wrong_kind[0] = 'X';
  kind_mismatch[0] = 'D';
  for (const std::string& bad : {wrong_kind, kind_mismatch, exact.substr(0, exact.size() - 2),
                                 std::string("E!!"), dense.substr(0, dense.size() - 4)}) {
    EXPECT_FALSE(ReachSketch::from_text(bad)) << bad.substr(0, 20);
  }
  // Hashes out of order or repeated, or a register no hash can reach.
  Bytes descending = {0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 1};
  EXPECT_FALSE(ReachSketch::from_text(text_form('E', descending)));
  Bytes repeated = {0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1};
  EXPECT_FALSE(ReachSketch::from_text(text_form('E', repeated)));
  Bytes registers(ReachSketch::kRegisters, 0);
  EXPECT_TRUE(ReachSketch::from_text(text_form('D', registers)));
  registers[7] = 54;
  EXPECT_FALSE(ReachSketch::from_text(text_form('D', registers)));
}

}  // namespace
}  // namespace paddock::publishers
