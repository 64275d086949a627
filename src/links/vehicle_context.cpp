#include "links/vehicle_context.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include "sharing/errors.hpp"
#include "sharing/visibility.hpp"

namespace paddock::links {
namespace {

Error no_vehicle() { return make_error(Errc::not_found, "no such vehicle", "context.vehicle_id"); }

boost::json::array type_array(sharing::TypeSet types) {
  boost::json::array out;
  for (auto& name : sharing::type_names(types)) out.emplace_back(name);
  return out;
}

}  // namespace

Result<void> VehicleContext::check_offer(const std::string& creator_user, const std::string& id) {
  auto& r = store_.reads();
  auto vehicle = r.sharing().vehicle_by_id(id);
  if (!vehicle) return vehicle.take_error();
  if (!*vehicle) return no_vehicle();
  if ((*vehicle)->owner_id == creator_user) return {};
  auto member = r.sharing().is_member(id, creator_user);
  if (!member) return member.take_error();
  // A vehicle the creator has no part in answers like a missing one: ids leak nothing.
  if (!*member) return no_vehicle();
  return {};
}

Result<void> VehicleContext::check_claimant(const std::string&, const std::string&) {
  return {};  // a vehicle's follow prompt is for anyone who scans it
}

void VehicleContext::resolve(const std::string& claimant_user, const std::string& id,
                             Callback<std::string> done) {
  sharing_.request_follow_of_vehicle(
      claimant_user, id, [this, id, done = std::move(done)](Result<sharing::FollowPrompt> p) {
        boost::json::object out{{"vehicle_id", id}};
        if (p) {
          out["nickname"] = p->nickname;
          out["relation"] = "none";
          out["follow_request"] = boost::json::object{
              {"prompt", boost::json::object{{"vehicle_id", p->vehicle_id},
                                             {"nickname", p->nickname},
                                             {"visible_types", type_array(p->visible_types)},
                                             {"follower_count", p->follower_count},
                                             {"requires_approval", p->requires_approval}}},
              {"confirmation_token", p->confirmation_token},
              {"expires_at", format_rfc3339(p->expires_at)}};
          return done(boost::json::serialize(out));
        }
        const Error& e = p.error();
        if (e.code != sharing::kCannotFollowOwnVehicle && e.code != sharing::kAlreadyFollowing) {
          // not_found here also covers a claimant the owner blocked: they learn nothing more.
          if (e.code == Errc::not_found) return done(no_vehicle());
          return done(p.take_error());
        }
        auto vehicle = store_.reads().sharing().vehicle_by_id(id);
        if (!vehicle) return done(vehicle.take_error());
        if (!*vehicle) return done(no_vehicle());
        out["nickname"] = (*vehicle)->nickname;
        out["relation"] = e.code == sharing::kAlreadyFollowing ? "follower" : "member";
        out["follow_request"] = nullptr;
        done(boost::json::serialize(out));
      });
}

}  // namespace paddock::links
