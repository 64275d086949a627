#include "metrics/metrics.hpp"

#include <cmath>
#include <cstdio>

#include "core/thread_post.hpp"

namespace paddock::metrics {
namespace {

std::string format_number(double v) {
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  if (std::isnan(v)) return "NaN";
  if (v == std::floor(v) && std::fabs(v) < 1e15) {
    return std::to_string(static_cast<long long>(v));
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.9g", v);
  return buf;
}

const std::vector<double> kLatencyBounds = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                            0.05,   0.1,   0.25,   0.5,   1,    2.5, 5, 10};
const std::vector<double> kBatchBounds = {1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 4096};

}  // namespace

Histogram::Histogram(std::vector<double> upper_bounds)
    : bounds_(std::move(upper_bounds)),
      counts_(std::make_unique<std::atomic<std::uint64_t>[]>(bounds_.size() + 1)) {}

void Histogram::observe(double value) {
  std::size_t i = 0;
  while (i < bounds_.size() && value > bounds_[i]) ++i;
  counts_[i].fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(value, std::memory_order_relaxed);
}

Histogram::Snapshot Histogram::snapshot() const {
  Snapshot s;
  s.upper_bounds = bounds_;
  std::uint64_t running = 0;
  for (std::size_t i = 0; i <= bounds_.size(); ++i) {
    running += counts_[i].load(std::memory_order_relaxed);
    s.cumulative_counts.push_back(running);
  }
  s.sum = sum_.load(std::memory_order_relaxed);
  return s;
}

void TextWriter::family(std::string_view name, std::string_view help, std::string_view type) {
  out_.append("# HELP ").append(name).append(" ").append(help).append("\n");
  out_.append("# TYPE ").append(name).append(" ").append(type).append("\n");
}

void TextWriter::labels(const Labels& labels, std::string_view extra_name, std::string_view extra) {
  if (labels.empty() && extra_name.empty()) return;
  out_ += '{';
  bool first = true;
  auto put = [&](std::string_view k, std::string_view v) {
    if (!first) out_ += ',';
    first = false;
    out_.append(k).append("=\"");
    for (char c : v) {
      if (c == '\\') out_ += "\\\\";
      else if (c == '"') out_ += "\\\"";
      else if (c == '\n') out_ += "\\n";
      else out_ += c;
    }
    out_ += '"';
  };
  for (const auto& [k, v] : labels) put(k, v);
  if (!extra_name.empty()) put(extra_name, extra);
  out_ += '}';
}

void TextWriter::sample(std::string_view name, const Labels& l, double value) {
  out_.append(name);
  labels(l);
  out_.append(" ").append(format_number(value)).append("\n");
}

void TextWriter::histogram(std::string_view name, const Labels& l, const Histogram::Snapshot& s) {
  std::string bucket = std::string(name) + "_bucket";
  for (std::size_t i = 0; i < s.cumulative_counts.size(); ++i) {
    std::string le = i < s.upper_bounds.size() ? format_number(s.upper_bounds[i]) : "+Inf";
    out_.append(bucket);
    labels(l, "le", le);
    out_.append(" ").append(std::to_string(s.cumulative_counts[i])).append("\n");
  }
  sample(std::string(name) + "_sum", l, s.sum);
  sample(std::string(name) + "_count", l, static_cast<double>(s.cumulative_counts.back()));
}

HttpMetrics::HttpMetrics(std::vector<std::string> routes) : routes_(std::move(routes)) {
  routes_.push_back("unmatched");
  counts_ = std::make_unique<Counter[]>(routes_.size() * kMethods.size() * kStatuses);
  for (std::size_t i = 0; i < routes_.size(); ++i) {
    latency_.push_back(std::make_unique<Histogram>(kLatencyBounds));
  }
}

void HttpMetrics::observe(std::size_t route, std::size_t method, int status, double seconds) {
  route = std::min(route, routes_.size() - 1);
  method = std::min(method, kMethods.size() - 1);
  if (status < 0 || status >= kStatuses) status = 0;
  counts_[(route * kMethods.size() + method) * kStatuses + status].inc();
  latency_[route]->observe(seconds);
}

void HttpMetrics::render(TextWriter& out) const {
  out.family("paddock_http_requests_total", "HTTP requests answered, by route template.",
             "counter");
  for (std::size_t r = 0; r < routes_.size(); ++r) {
    for (std::size_t m = 0; m < kMethods.size(); ++m) {
      for (int s = 0; s < kStatuses; ++s) {
        auto n = counts_[(r * kMethods.size() + m) * kStatuses + s].value();
        if (n == 0) continue;
        std::string status = std::to_string(s);
        out.sample("paddock_http_requests_total",
                   {{"route", routes_[r]}, {"method", kMethods[m]}, {"status", status}},
                   static_cast<double>(n));
      }
    }
  }
  out.family("paddock_http_request_duration_seconds",
             "Time from a complete request to its response, by route template.", "histogram");
  for (std::size_t r = 0; r < routes_.size(); ++r) {
    auto snap = latency_[r]->snapshot();
    if (snap.cumulative_counts.back() == 0) continue;
    out.histogram("paddock_http_request_duration_seconds", {{"route", routes_[r]}}, snap);
  }
  out.family("paddock_http_open_connections", "Client connections currently open.", "gauge");
  out.sample("paddock_http_open_connections", {}, static_cast<double>(open_connections_.value()));
  out.family("paddock_http_in_flight_requests", "Requests being handled right now.", "gauge");
  out.sample("paddock_http_in_flight_requests", {}, static_cast<double>(in_flight_.value()));
}

StorageMetrics::StorageMetrics() : batch_size_(kBatchBounds) {}

void StorageMetrics::commit(std::size_t batch_size, bool ok) {
  batch_size_.observe(static_cast<double>(batch_size));
  (ok ? commits_ : failed_commits_).inc();
}

void StorageMetrics::rerun() { reruns_.inc(); }

void StorageMetrics::render(TextWriter& out) const {
  out.family("paddock_storage_commit_batch_size", "Write requests per group commit.", "histogram");
  out.histogram("paddock_storage_commit_batch_size", {}, batch_size_.snapshot());
  out.family("paddock_storage_commits_total", "Group commits, by outcome.", "counter");
  out.sample("paddock_storage_commits_total", {{"outcome", "ok"}},
             static_cast<double>(commits_.value()));
  out.sample("paddock_storage_commits_total", {{"outcome", "failed"}},
             static_cast<double>(failed_commits_.value()));
  out.family("paddock_storage_batch_reruns_total",
             "Batches the writer ran a second time (a job rolled back, or a lost race).",
             "counter");
  out.sample("paddock_storage_batch_reruns_total", {}, static_cast<double>(reruns_.value()));
}

std::string Registry::render() const {
  TextWriter out;
  http.render(out);
  storage.render(out);
  // Zero by design: a blocking call on an I/O thread stalls every connection of that thread.
  out.family("paddock_io_thread_blocking_calls_total",
             "Blocking storage round trips (PostgreSQL) made on an I/O thread.", "counter");
  out.sample("paddock_io_thread_blocking_calls_total", {},
             static_cast<double>(blocking_calls_on_io_threads()));
  return out.take();
}

}  // namespace paddock::metrics
