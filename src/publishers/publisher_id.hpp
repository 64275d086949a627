#pragma once
// publishers/publisher_id: the publisher's public identifier: two letters naming its kind
// (DL dealer, IN insurer, CH charging, RP repair, PK parking, OT other) and 16 digits, the
// last a Luhn check digit over the 15 before it, so a mistyped id is caught before any lookup.
// Uniqueness is the database's (a UNIQUE column; a collision draws again). Depends on core.
#include <optional>
#include <string>
#include <string_view>

namespace paddock::publishers {

// The kinds a publisher may register as, and their prefixes.
std::optional<std::string_view> kind_prefix(std::string_view kind);
// A fresh id for `kind` (which must be a known kind): prefix, 15 random digits, check digit.
std::string mint_publisher_id(std::string_view kind);
// True iff `text` is a known prefix, 16 digits and the check digit is right.
bool valid_publisher_id(std::string_view text);
// The Luhn check digit ('0'..'9') of `digits` (all ASCII digits).
char luhn_check_digit(std::string_view digits);

}  // namespace paddock::publishers
