#pragma once
// sharing/identification: how a vehicle is named in the street. VINs (ISO 3779) and licence
// plates are normalized so that what a stranger types finds the car: "粤B·12345", "粤b 12345"
// and "粤B12345" are one plate. Pure functions, no I/O; depends on core only.
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace paddock::sharing {

// Upper-cases and checks a VIN: 17 characters from [0-9A-Z] without I, O, Q. The ISO 3779
// check digit (position 9) is enforced when the VIN's world manufacturer identifier is North
// American (first character 1-5) and accepted unchecked otherwise.
// Errors: invalid_field on `field` ("vin" by default) saying which rule failed.
Result<std::string> normalize_vin(std::string_view vin, std::string_view field = "vin");

// The ISO 3779 check character ('0'-'9' or 'X') for a 17-character upper-case VIN.
char vin_check_digit(std::string_view vin);

// Normalizes a plate number: full-width ASCII forms become ASCII, letters are upper-cased, and
// spaces (including U+3000), '-', '.', '·' (U+00B7), '・' (U+30FB) and '•' (U+2022) are removed.
// CJK characters (province abbreviations) are kept. Result: 2 to 16 characters.
// Errors: invalid_field on `field` ("plate.number" by default): empty, too long, or other
// punctuation/control characters.
Result<std::string> normalize_plate_number(std::string_view number,
                                           std::string_view field = "plate.number");

// Normalizes an ISO 3166 code: "cn" -> "CN", "us-ca" -> "US-CA". Accepts a 3166-1 alpha-2
// code optionally followed by '-' and a 1-3 character alphanumeric subdivision.
// Errors: invalid_field on `field` ("plate.region" by default).
Result<std::string> normalize_region(std::string_view region,
                                     std::string_view field = "plate.region");

// The lookup key a plate is stored and found under: "<REGION>:<NUMBER>" after normalization.
std::string plate_key(std::string_view normalized_region, std::string_view normalized_number);

}  // namespace paddock::sharing
