#pragma once
// metrics: counters, gauges and histograms that hot paths update lock-free, and their rendering
// in the Prometheus text exposition format (version 0.0.4). Knows nothing of HTTP or SQL: callers
// hand it route names and method indexes. Depends only on the standard library.
#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace paddock::metrics {

class Counter {
 public:
  void inc(std::uint64_t n = 1) { value_.fetch_add(n, std::memory_order_relaxed); }
  std::uint64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::uint64_t> value_{0};
};

class Gauge {
 public:
  void add(std::int64_t n) { value_.fetch_add(n, std::memory_order_relaxed); }
  std::int64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::int64_t> value_{0};
};

class Histogram {
 public:
  // `upper_bounds` must be strictly increasing; +Inf is implied.
  explicit Histogram(std::vector<double> upper_bounds);
  void observe(double value);

  struct Snapshot {
    std::vector<double> upper_bounds;
    std::vector<std::uint64_t> cumulative_counts;  // one per bound, then +Inf
    double sum = 0;
  };
  Snapshot snapshot() const;

 private:
  std::vector<double> bounds_;
  std::unique_ptr<std::atomic<std::uint64_t>[]> counts_;  // bounds_.size() + 1 buckets
  std::atomic<double> sum_{0};
};

// Builds exposition text. Label values are escaped; families must be written whole.
class TextWriter {
 public:
  using Labels = std::vector<std::pair<std::string_view, std::string_view>>;
  void family(std::string_view name, std::string_view help, std::string_view type);
  void sample(std::string_view name, const Labels& labels, double value);
  void histogram(std::string_view name, const Labels& labels, const Histogram::Snapshot& snap);
  std::string take() { return std::move(out_); }

 private:
  void labels(const Labels& labels, std::string_view extra_name = {}, std::string_view extra = {});
  std::string out_;
};

inline constexpr std::array<std::string_view, 8> kMethods = {"GET",   "POST",    "PUT",  "PATCH",
                                                             "DELETE", "OPTIONS", "HEAD", "OTHER"};

// Request counts by route template, method and status, latency by route, and connection gauges.
class HttpMetrics {
 public:
  // `routes` are the route templates; index routes.size() counts unmatched requests.
  explicit HttpMetrics(std::vector<std::string> routes);
  void observe(std::size_t route, std::size_t method, int status, double seconds);
  Gauge& open_connections() { return open_connections_; }
  Gauge& in_flight_requests() { return in_flight_; }
  void render(TextWriter& out) const;

 private:
  static constexpr int kStatuses = 600;
  std::vector<std::string> routes_;
  std::unique_ptr<Counter[]> counts_;  // [route][method][status]
  std::vector<std::unique_ptr<Histogram>> latency_;
  Gauge open_connections_;
  Gauge in_flight_;
};

// Group-commit behaviour of the storage writer.
class StorageMetrics {
 public:
  StorageMetrics();
  void commit(std::size_t batch_size, bool ok);
  // A batch run a second time: on SQLite after a job rolled back in a pass without a savepoint
  // per job, on PostgreSQL after losing a race to another node.
  void rerun();
  void render(TextWriter& out) const;

 private:
  Histogram batch_size_;
  Counter reruns_;
  Counter commits_;
  Counter failed_commits_;
};

struct Registry {
  explicit Registry(std::vector<std::string> routes) : http(std::move(routes)) {}
  HttpMetrics http;
  StorageMetrics storage;
  std::string render() const;
};

}  // namespace paddock::metrics
