// PostgreSQL: NOT YET WRITTEN (skeleton; every call fails until its helper fills it in).
#include "storage/postgres/repositories.hpp"

namespace paddock::storage::postgres {

Result<std::optional<publishers::PublisherRecord>> PgPublishers::publisher_by_registration( std::string_view registration_id) {
  return make_error(Errc::storage_unavailable, "PgPublishers::publisher_by_registration is not written yet");
}

Result<std::optional<publishers::PublisherRecord>> PgPublishers::publisher_by_id(std::string_view id) {
  return make_error(Errc::storage_unavailable, "PgPublishers::publisher_by_id is not written yet");
}

Result<std::vector<publishers::SecretRecord>> PgPublishers::secrets_of( std::string_view registration_id) {
  return make_error(Errc::storage_unavailable, "PgPublishers::secrets_of is not written yet");
}

Result<std::optional<publishers::MessageRecord>> PgPublishers::publisher_message( std::string_view publisher_id, std::string_view message_id) {
  return make_error(Errc::storage_unavailable, "PgPublishers::publisher_message is not written yet");
}

Result<std::vector<std::string>> PgPublishers::message_receivers(std::string_view publisher_id, std::string_view message_id) {
  return make_error(Errc::storage_unavailable, "PgPublishers::message_receivers is not written yet");
}

Result<bool> PgPublishers::is_subscribed(std::string_view user_id, std::string_view publisher_id) {
  return make_error(Errc::storage_unavailable, "PgPublishers::is_subscribed is not written yet");
}

Result<std::vector<std::string>> PgPublishers::subscriptions_of(std::string_view user_id) {
  return make_error(Errc::storage_unavailable, "PgPublishers::subscriptions_of is not written yet");
}

Result<std::vector<publishers::OptOut>> PgPublishers::opt_outs_of(std::string_view user_id) {
  return make_error(Errc::storage_unavailable, "PgPublishers::opt_outs_of is not written yet");
}

Result<std::vector<std::string>> PgPublishers::users_opted_out(std::string_view publisher_id, std::string_view category) {
  return make_error(Errc::storage_unavailable, "PgPublishers::users_opted_out is not written yet");
}

Result<std::vector<publishers::InboxEntry>> PgPublishers::inbox_after(std::string_view user_id, std::int64_t after, UnixMillis now, int limit) {
  return make_error(Errc::storage_unavailable, "PgPublishers::inbox_after is not written yet");
}

Result<std::optional<publishers::InboxEntry>> PgPublishers::inbox_item(std::string_view user_id, std::string_view publisher_id, std::string_view message_id, UnixMillis now) {
  return make_error(Errc::storage_unavailable, "PgPublishers::inbox_item is not written yet");
}

Result<publishers::MessageStats> PgPublishers::message_stats(std::string_view publisher_id, std::string_view message_id) {
  return make_error(Errc::storage_unavailable, "PgPublishers::message_stats is not written yet");
}

Result<std::int64_t> PgPublishers::last_publisher_seq() {
  return make_error(Errc::storage_unavailable, "PgPublishers::last_publisher_seq is not written yet");
}

Result<void> PgPublishers::insert_publisher(const publishers::PublisherRecord& publisher) {
  return make_error(Errc::storage_unavailable, "PgPublishers::insert_publisher is not written yet");
}

Result<void> PgPublishers::set_publisher_status(std::string_view registration_id, std::string_view status, UnixMillis at) {
  return make_error(Errc::storage_unavailable, "PgPublishers::set_publisher_status is not written yet");
}

Result<bool> PgPublishers::assign_publisher_id(std::string_view registration_id, std::string_view id) {
  return make_error(Errc::storage_unavailable, "PgPublishers::assign_publisher_id is not written yet");
}

Result<void> PgPublishers::insert_secret(const publishers::SecretRecord& secret) {
  return make_error(Errc::storage_unavailable, "PgPublishers::insert_secret is not written yet");
}

Result<void> PgPublishers::expire_secrets(std::string_view registration_id, UnixMillis at) {
  return make_error(Errc::storage_unavailable, "PgPublishers::expire_secrets is not written yet");
}

Result<std::int64_t> PgPublishers::next_publisher_seq() {
  return make_error(Errc::storage_unavailable, "PgPublishers::next_publisher_seq is not written yet");
}

Result<void> PgPublishers::put_publisher_message(const publishers::MessageRecord& message) {
  return make_error(Errc::storage_unavailable, "PgPublishers::put_publisher_message is not written yet");
}

Result<void> PgPublishers::add_message_receivers(std::string_view publisher_id, std::string_view message_id, const std::vector<std::string>& user_ids) {
  return make_error(Errc::storage_unavailable, "PgPublishers::add_message_receivers is not written yet");
}

Result<bool> PgPublishers::put_subscription(std::string_view user_id, std::string_view publisher_id, UnixMillis at) {
  return make_error(Errc::storage_unavailable, "PgPublishers::put_subscription is not written yet");
}

Result<bool> PgPublishers::delete_subscription(std::string_view user_id, std::string_view publisher_id) {
  return make_error(Errc::storage_unavailable, "PgPublishers::delete_subscription is not written yet");
}

Result<void> PgPublishers::replace_opt_outs(std::string_view user_id, const std::vector<publishers::OptOut>& opt_outs) {
  return make_error(Errc::storage_unavailable, "PgPublishers::replace_opt_outs is not written yet");
}

Result<void> PgPublishers::mark_read(std::string_view user_id, std::string_view publisher_id, std::string_view message_id, bool is_public, UnixMillis at) {
  return make_error(Errc::storage_unavailable, "PgPublishers::mark_read is not written yet");
}

Result<void> PgPublishers::add_message_stats(std::string_view publisher_id, std::string_view message_id, std::int64_t delivered, std::int64_t synced) {
  return make_error(Errc::storage_unavailable, "PgPublishers::add_message_stats is not written yet");
}

}  // namespace paddock::storage::postgres
