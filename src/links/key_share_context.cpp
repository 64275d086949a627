#include "links/key_share_context.hpp"

#include <boost/json/serialize.hpp>

#include "keys/errors.hpp"
#include "keys/share_view.hpp"

namespace paddock::links {
namespace {

Error no_offer() {
  return make_error(Errc::not_found, "no such key offer", "context.key_share_id");
}

}  // namespace

Result<void> KeyShareContext::check_offer(const std::string& creator_user, const std::string& id) {
  bool is_recipient = false;
  auto view = key_shares_.get(creator_user, id, is_recipient);
  if (!view) {
    if (view.error().code == Errc::not_found) return no_offer();
    return view.take_error();
  }
  // The recipient has nothing to hand over: the offer is already theirs.
  if (is_recipient) return no_offer();
  if (view->record.status != keys::kShareOffered) {
    return make_error(keys::kShareStateConflict,
                      "only an offered key share can be shown; this one is " + view->record.status,
                      "context.key_share_id");
  }
  return {};
}

Result<void> KeyShareContext::check_claimant(const std::string& claimant_user,
                                             const std::string& id) {
  bool is_recipient = false;
  auto view = key_shares_.get(claimant_user, id, is_recipient);
  if (view && is_recipient) return {};
  if (!view && view.error().code != Errc::not_found) return view.take_error();
  return make_error(Errc::forbidden, "this key offer is for someone else");
}

void KeyShareContext::resolve(const std::string& claimant_user, const std::string& id,
                              Callback<std::string> done) {
  bool is_recipient = false;
  auto view = key_shares_.get(claimant_user, id, is_recipient);
  if (!view) return done(view.error().code == Errc::not_found ? no_offer() : view.take_error());
  if (!is_recipient) return done(make_error(Errc::forbidden, "this key offer is for someone else"));
  // An offer: the credential, once there is one, goes to the accepting device, not to a link.
  done(boost::json::serialize(
      boost::json::object{{"key_share", keys::share_object(*view, /*with_credential=*/false)}}));
}

}  // namespace paddock::links
