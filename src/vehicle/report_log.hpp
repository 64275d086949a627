#pragma once
// vehicle/report_log: the car's decisions not yet reported, and the counter of the last report
// it signed, kept in the state directory (file "pending-report", line-based, documented in
// docs/credentials.md; written atomically with mode 0600 like the car state).
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "vehicle/report.hpp"

namespace paddock::vehicle {

inline constexpr const char* kPendingReportFileName = "pending-report";
// Beyond this many unreported decisions the oldest are dropped: a car that never syncs must not
// fill its storage.
inline constexpr std::size_t kMaxPendingEntries = 4096;

struct PendingReports {
  std::uint64_t last_counter = 0;    // of the last report signed (and written out)
  std::vector<ReportEntry> entries;  // oldest first

  // Appends `entry`, dropping the oldest beyond kMaxPendingEntries.
  void add(ReportEntry entry);
  // The next report: the oldest kMaxReportEntries entries under counter last_counter + 1.
  Report next_report(const std::string& vehicle_id, const std::string& head_unit_id) const;
  // Marks `report` (from next_report) as sent: its entries leave, its counter is the last.
  void mark_sent(const Report& report);
};

// A missing file is an empty log; nullopt (with `error` set) iff it is unreadable or malformed.
std::optional<PendingReports> load_pending(const std::filesystem::path& dir, std::string& error);
bool save_pending(const std::filesystem::path& dir, const PendingReports& pending,
                  std::string& error);

}  // namespace paddock::vehicle
