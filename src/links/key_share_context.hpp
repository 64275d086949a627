#pragma once
// links/key_share_context: the "key_share_id" context: a key offer shown on a screen (the
// owner's PC, a dealer's kiosk) so that its recipient takes it over with their phone. Only the
// offer's sharer or the vehicle's owner may show it, and only while it is offered; only its
// recipient may claim it (anyone else is refused before the link's secret is spent), and they
// get the offer as GET /v1/key-shares/{id} shows it to them, to verify and accept as usual.
// Depends on keys.
#include "keys/key_share_service.hpp"
#include "links/contexts.hpp"

namespace paddock::links {

class KeyShareContext final : public ContextSource {
 public:
  explicit KeyShareContext(keys::KeyShareService& key_shares) : key_shares_(key_shares) {}
  std::string_view kind() const override { return "key_share_id"; }
  Result<void> check_offer(const std::string& creator_user, const std::string& id) override;
  Result<void> check_claimant(const std::string& claimant_user, const std::string& id) override;
  void resolve(const std::string& claimant_user, const std::string& id,
               Callback<std::string> done) override;

 private:
  keys::KeyShareService& key_shares_;
};

}  // namespace paddock::links
