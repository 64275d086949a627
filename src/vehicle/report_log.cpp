#include "vehicle/report_log.hpp"

#include <algorithm>
#include <charconv>
#include <fstream>
#include <sstream>

#include "vehicle/state_store.hpp"

namespace paddock::vehicle {

namespace {

constexpr std::string_view kHeader = "paddock-car-reports 1";

template <class T>
bool number(const std::string& text, T& out) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc{} && end == text.data() + text.size();
}

}  // namespace

void PendingReports::add(ReportEntry entry) {
  entries.push_back(std::move(entry));
  if (entries.size() > kMaxPendingEntries) {
    entries.erase(entries.begin(), entries.begin() + static_cast<std::ptrdiff_t>(
                                                         entries.size() - kMaxPendingEntries));
  }
}

Report PendingReports::next_report(const std::string& vehicle_id,
                                   const std::string& head_unit_id) const {
  Report r;
  r.vehicle_id = vehicle_id;
  r.head_unit_id = head_unit_id;
  r.counter = last_counter + 1;
  const std::size_t n = std::min(entries.size(), kMaxReportEntries);
  r.entries.assign(entries.begin(), entries.begin() + static_cast<std::ptrdiff_t>(n));
  return r;
}

void PendingReports::mark_sent(const Report& report) {
  last_counter = report.counter;
  const std::size_t n = std::min(entries.size(), report.entries.size());
  entries.erase(entries.begin(), entries.begin() + static_cast<std::ptrdiff_t>(n));
}

std::optional<PendingReports> load_pending(const std::filesystem::path& dir, std::string& error) {
  const auto path = dir / kPendingReportFileName;
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return PendingReports{};
  if (std::filesystem::file_size(path, ec) > kMaxStateBytes || ec) {
    error = "pending report file too large or unreadable";
    return std::nullopt;
  }
  std::ifstream in(path);
  std::string line;
  if (!std::getline(in, line) || line != kHeader) {
    error = "pending report file has no valid header";
    return std::nullopt;
  }
  PendingReports pending;
  int line_number = 1;
  while (std::getline(in, line)) {
    ++line_number;
    std::istringstream words(line);
    std::vector<std::string> f;
    for (std::string word; words >> word;) f.push_back(word);
    bool ok = false;
    if (f.size() == 2 && f[0] == "counter") {
      ok = number(f[1], pending.last_counter);
    } else if (f.size() == 5 && f[0] == "entry") {
      ReportEntry e;
      auto cti = from_base64url(f[1]);
      auto action = parse_action(f[2]);
      auto reason = parse_reason(f[3]);
      ok = cti && cti->size() >= kMinCtiBytes && cti->size() <= kMaxCtiBytes && action && reason &&
           number(f[4], e.at);
      if (ok) {
        e.credential_id = std::move(*cti);
        e.action = *action;
        e.reason = *reason;
        pending.add(std::move(e));
      }
    }
    if (!ok) {
      error = "pending report file line " + std::to_string(line_number) + " is malformed";
      return std::nullopt;
    }
  }
  return pending;
}

bool save_pending(const std::filesystem::path& dir, const PendingReports& pending,
                  std::string& error) {
  std::ostringstream out;
  out << kHeader << '\n' << "counter " << pending.last_counter << '\n';
  for (const auto& e : pending.entries) {
    out << "entry " << base64url(e.credential_id) << ' ' << to_string(e.action) << ' '
        << to_string(e.reason) << ' ' << e.at << '\n';
  }
  return write_file_atomically(dir, kPendingReportFileName, out.str(), error);
}

}  // namespace paddock::vehicle
