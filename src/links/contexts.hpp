#pragma once
// links/contexts: what a `share` or `handoff` link hands over, as an open set of kinds. Each
// kind is one ContextSource (the member name of "context" in POST /v1/links, e.g.
// "vehicle_id"), owned by the module the thing belongs to and handed to LinkService at start;
// a new kind (key_share_id, publisher_message_id) is one more source, nothing else changes.
// Depends on core only.
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"

namespace paddock::links {

class ContextSource {
 public:
  virtual ~ContextSource() = default;
  // The member of "context" this source answers for, e.g. "vehicle_id".
  virtual std::string_view kind() const = 0;
  // Ok iff `creator_user` may show `id` on a screen. Error: not_found (also for things the
  // creator may not see), storage_unavailable.
  virtual Result<void> check_offer(const std::string& creator_user, const std::string& id) = 0;
  // Ok iff `claimant_user` may receive `id` at all (a key offer: only its recipient). Checked
  // before the claim takes the secret, so a wrong claimant burns nothing. Error: forbidden.
  virtual Result<void> check_claimant(const std::string& claimant_user, const std::string& id) = 0;
  // The context as the claimant may see it: a JSON object's text, nothing about the creator
  // beyond what the thing itself shows (a vehicle's follow prompt).
  virtual void resolve(const std::string& claimant_user, const std::string& id,
                       Callback<std::string> done) = 0;
};

using ContextSources = std::vector<std::shared_ptr<ContextSource>>;

}  // namespace paddock::links
