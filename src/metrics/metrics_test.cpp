#include "metrics/metrics.hpp"

#include <gtest/gtest.h>

namespace paddock::metrics {
namespace {

TEST(Histogram, BucketsAreCumulativeAndEndWithEverything) {
  Histogram h({1, 5});
  for (double v : {0.5, 1.0, 3.0, 7.0}) h.observe(v);
  auto s = h.snapshot();
  ASSERT_EQ(s.cumulative_counts.size(), 3u);
  EXPECT_EQ(s.cumulative_counts[0], 2u);  // 0.5 and 1.0 (le is inclusive)
  EXPECT_EQ(s.cumulative_counts[1], 3u);
  EXPECT_EQ(s.cumulative_counts[2], 4u);
  EXPECT_DOUBLE_EQ(s.sum, 11.5);
}

TEST(TextWriter, EscapesLabelValues) {
  TextWriter w;
  w.family("x_total", "help", "counter");
  w.sample("x_total", {{"route", "a\"b\\c\nd"}}, 3);
  EXPECT_EQ(w.take(),
            "# HELP x_total help\n# TYPE x_total counter\n"
            "x_total{route=\"a\\\"b\\\\c\\nd\"} 3\n");
}

TEST(HttpMetrics, RendersRequestsByRouteTemplate) {
  HttpMetrics m({"/v1/devices/{id}"});
  m.observe(0, 4, 204, 0.002);
  m.observe(1, 0, 404, 0.0001);
  TextWriter w;
  m.render(w);
  std::string text = w.take();
  EXPECT_NE(text.find("paddock_http_requests_total{route=\"/v1/devices/{id}\",method=\"DELETE\","
                      "status=\"204\"} 1"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("route=\"unmatched\",method=\"GET\",status=\"404\"} 1"), std::string::npos);
  EXPECT_NE(text.find("paddock_http_request_duration_seconds_bucket{route=\"/v1/devices/{id}\","
                      "le=\"+Inf\"} 1"),
            std::string::npos);
}

TEST(StorageMetrics, CountsCommitsBatchSizesAndReruns) {
  StorageMetrics m;
  m.commit(10, true);
  m.commit(1, false);
  m.rerun();
  TextWriter w;
  m.render(w);
  std::string text = w.take();
  EXPECT_NE(text.find("paddock_storage_commits_total{outcome=\"ok\"} 1"), std::string::npos);
  EXPECT_NE(text.find("paddock_storage_commit_batch_size_count 2"), std::string::npos);
  EXPECT_NE(text.find("paddock_storage_commit_batch_size_sum 11"), std::string::npos);
  EXPECT_NE(text.find("# TYPE paddock_storage_batch_reruns_total counter\n"
                      "paddock_storage_batch_reruns_total 1\n"),
            std::string::npos);
}

}  // namespace
}  // namespace paddock::metrics
