#pragma once
// keys/contact_service: a user's contacts and the relationship each one has to them, the
// relationship the key policy reads (keys/policy.hpp). Owns contacts
// (keys/contacts_repository.hpp). Depends on core and storage's unit-of-work interface.
#include <string>
#include <vector>

#include "keys/contacts_repository.hpp"
#include "keys/rights.hpp"
#include "storage/store.hpp"

namespace paddock::keys {

// A contact with the user it names, as listed.
struct ContactView {
  ContactRecord contact;
  std::string username;
  std::string display_name;
};

struct PutOutcome {
  ContactView view;
  bool created = false;
};

class ContactService {
 public:
  explicit ContactService(storage::Store& store) : store_(store) {}

  // Creates or changes the caller's contact. Errors: invalid_field (relationship; the caller
  // naming themselves, field "user_id"), not_found (no such user), storage_unavailable.
  void put(const std::string& owner_id, const std::string& contact_id,
           const std::string& relationship, Callback<PutOutcome> done);
  // The caller's contacts, oldest first.
  Result<std::vector<ContactView>> list(const std::string& owner_id);
  // Error: not_found when the caller has no such contact.
  void remove(const std::string& owner_id, const std::string& contact_id, Callback<bool> done);
  // The relationship the owner gives `other`: none without a contact.
  Result<Relationship> relationship_between(const std::string& owner_id, const std::string& other);

 private:
  storage::Store& store_;
};

}  // namespace paddock::keys
