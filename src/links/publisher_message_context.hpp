#pragma once
// links/publisher_message_context: the "publisher_message_id" context: a publisher's message (a
// dealer's offer on a kiosk, an operator's notice on a screen) handed to a phone. The id is the
// message's inbox item id (`<publisher id>-<message id>`, as GET /v1/inbox shows it). Only a user
// who has the message in their inbox may show it or claim it: a public message reaches everyone
// who has not opted out, a targeted one only its receivers; a claimant gets the item exactly as
// their inbox shows it. Claiming it is accepting the publisher's offer: the claimant becomes its
// customer (subscribed), so that the publisher may target them afterwards (issue 11). Depends on
// publishers.
#include "links/contexts.hpp"
#include "publishers/publisher_service.hpp"
#include "storage/store.hpp"

namespace paddock::links {

class PublisherMessageContext final : public ContextSource {
 public:
  PublisherMessageContext(storage::Store& store, publishers::PublisherService& publishers)
      : store_(store), publishers_(publishers) {}
  std::string_view kind() const override { return "publisher_message_id"; }
  Result<void> check_offer(const std::string& creator_user, const std::string& id) override;
  Result<void> check_claimant(const std::string& claimant_user, const std::string& id) override;
  void resolve(const std::string& claimant_user, const std::string& id,
               Callback<std::string> done) override;

 private:
  storage::Store& store_;
  publishers::PublisherService& publishers_;
};

}  // namespace paddock::links
