#pragma once
// keys/car_errors: the error codes of the car's side of the server (head units, their signed
// requests, the revocation list and signed reports), besides core's.
#include "core/error.hpp"

namespace paddock::keys {

inline constexpr ErrorCode kHeadUnitAuthInvalid{
    "head_unit_auth_invalid", ErrorKind::unauthorized,
    "Head-unit authorization is malformed, stale, unknown or does not verify"};
inline constexpr ErrorCode kHeadUnitLimit{"head_unit_limit", ErrorKind::conflict,
                                          "Vehicle already has the most head units allowed"};
inline constexpr ErrorCode kReportInvalid{"report_invalid", ErrorKind::invalid_input,
                                          "Report is not a well-formed signed key report"};
inline constexpr ErrorCode kReportWrongVehicle{"report_wrong_vehicle", ErrorKind::invalid_input,
                                               "Report is for another vehicle"};
inline constexpr ErrorCode kReportSignatureInvalid{
    "report_signature_invalid", ErrorKind::unauthorized,
    "Report is not signed by a head unit registered for this vehicle"};
inline constexpr ErrorCode kReportReplayed{"report_replayed", ErrorKind::conflict,
                                           "Report counter is not above the last accepted one"};

}  // namespace paddock::keys
