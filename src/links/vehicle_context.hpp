#pragma once
// links/vehicle_context: the "vehicle_id" context: a vehicle page on a screen; whoever claims
// it gets the vehicle's follow prompt, exactly as POST /v1/follow-requests would give it (a
// member or follower gets the vehicle's name and their relation instead). Only the vehicle's
// owner or an authorized user may put it on a screen. Depends on sharing.
#include "links/contexts.hpp"
#include "sharing/sharing_service.hpp"

namespace paddock::links {

class VehicleContext final : public ContextSource {
 public:
  VehicleContext(storage::Store& store, sharing::SharingService& sharing)
      : store_(store), sharing_(sharing) {}
  std::string_view kind() const override { return "vehicle_id"; }
  Result<void> check_offer(const std::string& creator_user, const std::string& id) override;
  Result<void> check_claimant(const std::string& claimant_user, const std::string& id) override;
  void resolve(const std::string& claimant_user, const std::string& id,
               Callback<std::string> done) override;

 private:
  storage::Store& store_;
  sharing::SharingService& sharing_;
};

}  // namespace paddock::links
