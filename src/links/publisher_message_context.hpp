#pragma once
// links/publisher_message_context: the "publisher_message_id" context: a publisher's message (a
// dealer's offer on a kiosk, an operator's notice on a screen) handed to a phone. The id is the
// message's inbox item id (`<publisher id>-<message id>`, as GET /v1/inbox shows it). Only a user
// who has the message in their inbox may show it or claim it: a public message reaches everyone
// who has not opted out, a targeted one only its receivers; a claimant gets the item exactly as
// their inbox shows it. Depends on publishers.
#include "links/contexts.hpp"
#include "storage/store.hpp"

namespace paddock::links {

class PublisherMessageContext final : public ContextSource {
 public:
  explicit PublisherMessageContext(storage::Store& store) : store_(store) {}
  std::string_view kind() const override { return "publisher_message_id"; }
  Result<void> check_offer(const std::string& creator_user, const std::string& id) override;
  Result<void> check_claimant(const std::string& claimant_user, const std::string& id) override;
  void resolve(const std::string& claimant_user, const std::string& id,
               Callback<std::string> done) override;

 private:
  storage::Store& store_;
};

}  // namespace paddock::links
