#pragma once
// keys/share_view: a key share as stored (its rights and refusals as JSON text) and as shown
// (the same JSON shape in API responses and key.* feed events), and the mapping of a share's
// rights onto the credential's claims. Pure functions. Depends on keys/rights, keys/policy,
// the key-share records, the car-side claim types and Boost.JSON.
#include <boost/json/object.hpp>

#include <string>
#include <vector>

#include "keys/key_share_repository.hpp"
#include "keys/policy.hpp"
#include "keys/rights.hpp"
#include "vehicle/credential.hpp"

namespace paddock::keys {

// A share with its stored texts decoded.
struct ShareView {
  KeyShareRecord record;
  Rights rights;
  std::vector<Refusal> refused;
  std::vector<std::string> verification;
};

// {"actions":[...],"max_speed_kmh"?,"max_uses"?,"max_duration_minutes"?,"max_radius_m"?,
//  "geofence"?:{"lat","lon","radius_m"}}
std::string encode_rights(const Rights& rights);
// Error internal iff `text` is not what encode_rights writes (a damaged row grants nothing).
Result<Rights> decode_rights(std::string_view text);
std::string encode_refusals(const std::vector<Refusal>& refused);
Result<std::vector<Refusal>> decode_refusals(std::string_view text);
std::string join_verification(const std::vector<std::string>& required);
std::vector<std::string> split_verification(std::string_view text);

// Decodes a stored share. Error internal on a damaged row.
Result<ShareView> view_of(KeyShareRecord record);

// The share as the API and the feed show it. The credential (base64url) is included iff
// `with_credential` and the share has one (only its recipient ever sees it).
boost::json::object share_object(const ShareView& view, bool with_credential);
std::string share_json(const ShareView& view, bool with_credential);

// The credential's rights for the share's rights: the car's actions (reshare as its flag), the
// speed limit, the geofence (radius rounded down to whole metres, at least 1) and max_uses.
vehicle::Rights credential_rights(const Rights& rights);

}  // namespace paddock::keys
