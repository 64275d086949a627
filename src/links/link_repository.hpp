#pragma once
// links/link_repository: what the links module keeps (link sessions between two terminals), as
// the interface a storage backend implements. Owned by links; depends on core only. Secrets
// and watch tokens are kept only as hashes. Every call returns a value, never throws.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"
#include "core/result.hpp"

namespace paddock::links {

// One link session: a first terminal showing a QR code, and what a second terminal did with it.
struct LinkRecord {
  std::string id;
  std::string purpose;  // share | sign_in | handoff
  std::string state;    // pending | claimed | approved | denied | revoked | dead
  std::optional<std::string> creator_user;    // absent for sign_in
  std::optional<std::string> creator_device;  // the first terminal's registered device
  std::optional<std::string> context_kind;    // "vehicle_id", ...
  std::optional<std::string> context_id;
  std::string terminal_name;
  std::string terminal_kind;
  std::optional<std::string> terminal_public_key;  // base64url Ed25519 (sign_in)
  std::string creator_address;  // where the first terminal asked from (shown to the approver)
  std::string secret_hash;      // hex BLAKE2b-256 of the current secret
  std::optional<std::string> previous_secret_hash;  // the one a refresh replaced
  UnixMillis secret_expires_at = 0;
  std::string watch_token_hash;
  int failed_attempts = 0;
  std::optional<std::string> claimant_user;
  std::optional<std::string> claimant_device;
  std::optional<std::string> claim_address;
  std::optional<UnixMillis> claimed_at;
  std::optional<std::string> signed_in_device;  // sign_in: the device record made on approval
  std::optional<std::string> session_hash;      // sign_in: the screen's session, ended on revoke
  UnixMillis created_at = 0;
  UnixMillis updated_at = 0;
};

class LinkReads {
 public:
  virtual ~LinkReads() = default;
  virtual Result<std::optional<LinkRecord>> link_by_id(std::string_view id) = 0;
  // Links the user made or claimed, newest first, at most `limit`.
  virtual Result<std::vector<LinkRecord>> links_of_user(std::string_view user_id, int limit) = 0;
};

class LinkWrites : public LinkReads {
 public:
  virtual Result<void> insert_link(const LinkRecord& link) = 0;
  // Replaces every column of the link with that id. True iff it existed.
  virtual Result<bool> update_link(const LinkRecord& link) = 0;
};

}  // namespace paddock::links
