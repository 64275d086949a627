#include "keys/contact_service.hpp"

#include "core/clock.hpp"
#include "core/ids.hpp"

namespace paddock::keys {
namespace {

Error no_user() { return make_error(Errc::not_found, "no such user"); }

}  // namespace

void ContactService::put(const std::string& owner_id, const std::string& contact_id,
                         const std::string& relationship, Callback<PutOutcome> done) {
  auto checked = check_contact_relationship(relationship);
  if (!checked) return done(checked.take_error());
  if (contact_id == owner_id) {
    return done(make_error(Errc::invalid_field, "you cannot add yourself as a contact",
                           "user_id"));
  }
  if (!looks_like_id(contact_id)) return done(no_user());
  UnixMillis now = now_millis();
  store_.write<PutOutcome>(
      [owner_id, contact_id, relationship, now](storage::Writes& w) -> Result<PutOutcome> {
        PADDOCK_ASSIGN(user, w.identity().user_by_id(contact_id));
        if (!user) return no_user();
        PADDOCK_ASSIGN(existing, w.contacts().contact_of(owner_id, contact_id));
        ContactRecord record{owner_id, contact_id, relationship,
                             existing ? existing->created_at : now, now};
        PADDOCK_TRY(w.contacts().put_contact(record));
        return PutOutcome{{std::move(record), user->username, user->display_name},
                          !existing.has_value()};
      },
      std::move(done));
}

Result<std::vector<ContactView>> ContactService::list(const std::string& owner_id) {
  auto& reads = store_.reads();
  PADDOCK_ASSIGN(contacts, reads.contacts().contacts_of(owner_id));
  std::vector<ContactView> views;
  views.reserve(contacts.size());
  for (auto& c : contacts) {
    PADDOCK_ASSIGN(user, reads.identity().user_by_id(c.contact_id));
    if (!user) continue;  // users are never deleted today; a vanished one is not listed
    views.push_back({std::move(c), user->username, user->display_name});
  }
  return views;
}

void ContactService::remove(const std::string& owner_id, const std::string& contact_id,
                            Callback<bool> done) {
  store_.write<bool>(
      [owner_id, contact_id](storage::Writes& w) -> Result<bool> {
        PADDOCK_ASSIGN(gone, w.contacts().delete_contact(owner_id, contact_id));
        if (!gone) return make_error(Errc::not_found, "no such contact");
        return true;
      },
      std::move(done));
}

Result<Relationship> ContactService::relationship_between(const std::string& owner_id,
                                                          const std::string& other) {
  PADDOCK_ASSIGN(contact, store_.reads().contacts().contact_of(owner_id, other));
  if (!contact) return Relationship::none;
  auto r = parse_relationship(contact->relationship);
  return r ? *r : Relationship::none;
}

}  // namespace paddock::keys
