#pragma once
// vehicle/report: the car's signed report of its decisions (docs/credentials.md, "Use and deny
// reports"): a COSE_Sign1 by the head unit's own Ed25519 key over {vehicle, head unit id,
// counter, entries}. The counter rises with every report a head unit signs, so the server
// refuses a replayed one. The parser is strict like the others in this module.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "vehicle/cose.hpp"
#include "vehicle/credential.hpp"
#include "vehicle/decision.hpp"

namespace paddock::vehicle {

inline constexpr std::string_view kReportContentType = "application/paddock-key-report";
inline constexpr std::size_t kMaxReportBytes = 64 * 1024;
inline constexpr std::size_t kMaxReportEntries = 256;
inline constexpr std::size_t kMaxHeadUnitIdBytes = 64;

// Payload keys of the report and of each entry.
inline constexpr std::int64_t kReportVehicle = 1, kReportHeadUnit = 2, kReportCounter = 3,
                              kReportEntries = 4;
inline constexpr std::int64_t kEntryCti = 1, kEntryAction = 2, kEntryReason = 3, kEntryAt = 4;

struct ReportEntry {
  Bytes credential_id;  // cti of the credential presented
  Action action = Action::unlock;
  Reason reason = Reason::allowed;  // allowed, or why the car denied
  std::int64_t at = 0;              // the car's clock, UNIX seconds
  bool allowed() const { return reason == Reason::allowed; }
};

struct Report {
  std::string vehicle_id;
  std::string head_unit_id;
  std::uint64_t counter = 0;  // >= 1, above every counter this head unit signed before
  std::vector<ReportEntry> entries;
};

struct SignedReport {
  Report report;
  Sign1 sign1;
};

// Returns the reason named `name` (to_string(Reason) spelling), nullopt for any other text.
std::optional<Reason> parse_reason(std::string_view name);

// Returns CodecError::bad_claim iff the report cannot be encoded faithfully (empty or long ids,
// counter 0 or above INT64_MAX, a cti of the wrong size, no entries or too many).
Result<Bytes> encode_and_sign_report(const Report& report, const SecretKey& head_unit_key);
// Structure and claims only; the caller checks the signature (verify_sign1) with the key of the
// head unit the report names.
Result<SignedReport> parse_report(std::span<const std::uint8_t> bytes);

}  // namespace paddock::vehicle
