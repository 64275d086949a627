#include "links/publisher_message_context.hpp"

#include <boost/json/serialize.hpp>

#include "publishers/inbox_items.hpp"
#include "publishers/rules.hpp"

namespace paddock::links {
namespace {

Error no_message() {
  return make_error(Errc::not_found, "no such message in your inbox",
                    "context.publisher_message_id");
}

// The message as it is in `user`'s inbox now, or nullopt when it is not there.
Result<std::optional<publishers::InboxEntry>> in_inbox(storage::Store& store,
                                                      const std::string& user,
                                                      const std::string& id) {
  auto key = publishers::parse_inbox_item_id(id);
  if (!key) return std::optional<publishers::InboxEntry>{};
  return store.reads().publishers().inbox_item(user, key->publisher_id, key->message_id,
                                               now_millis());
}

}  // namespace

Result<void> PublisherMessageContext::check_offer(const std::string& creator_user,
                                                  const std::string& id) {
  PADDOCK_ASSIGN(entry, in_inbox(store_, creator_user, id));
  if (!entry) return no_message();
  return {};
}

Result<void> PublisherMessageContext::check_claimant(const std::string& claimant_user,
                                                     const std::string& id) {
  PADDOCK_ASSIGN(entry, in_inbox(store_, claimant_user, id));
  if (!entry) return make_error(Errc::forbidden, "this message is not for you");
  return {};
}

void PublisherMessageContext::resolve(const std::string& claimant_user, const std::string& id,
                                      Callback<std::string> done) {
  auto entry = in_inbox(store_, claimant_user, id);
  if (!entry) return done(entry.take_error());
  if (!*entry) return done(make_error(Errc::forbidden, "this message is not for you"));
  const publishers::InboxEntry e = std::move(**entry);
  std::string context = boost::json::serialize(boost::json::object{
      {"publisher_message",
       publishers::inbox_item(e.message, e.publisher_name, e.publisher_kind, now_millis())}});
  // Taking the offer makes the claimant the publisher's customer (idempotent).
  publishers_.subscribe(claimant_user, e.message.publisher_id,
                        [context = std::move(context), done = std::move(done)](
                            Result<bool> subscribed) mutable {
                          if (!subscribed) return done(subscribed.take_error());
                          done(std::move(context));
                        });
}

}  // namespace paddock::links
