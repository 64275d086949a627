// SharingService, the message library.
#include <boost/json/serialize.hpp>

#include "core/ids.hpp"
#include "core/text.hpp"
#include "sharing/access.hpp"
#include "sharing/event_kinds.hpp"
#include "sharing/views.hpp"

namespace paddock::sharing {
namespace {

using storage::MessageRecord;

Error text_too_long() {
  return make_error(Errc::invalid_field,
                    "text must be at most " + std::to_string(kMaxMessageChars) + " characters",
                    "text");
}

// The message `message_id` of `vehicle_id`, read inside a write job. Error: not_found.
Result<MessageRecord> message_of(storage::Writes& w, const std::string& vehicle_id,
                                 const std::string& message_id) {
  if (!looks_like_id(message_id)) return make_error(Errc::not_found, "no such message");
  PADDOCK_ASSIGN(found, w.sharing().message_by_id(message_id));
  if (!found || found->vehicle_id != vehicle_id) {
    return make_error(Errc::not_found, "no such message");
  }
  return std::move(*found);
}

}  // namespace

void SharingService::post_message(const std::string& user_id, const std::string& vehicle_id,
                                  NewMessage message, Callback<MessageRecord> done) {
  auto type = parse_type(message.type);
  if (!type) {
    return done(
        make_error(Errc::invalid_field, "type must be one of " + type_names_text(), "type"));
  }
  if (utf8_length(message.text) > kMaxMessageChars) return done(text_too_long());
  MessageRecord m;
  m.id = new_id("msg");
  m.vehicle_id = vehicle_id;
  m.type = static_cast<int>(*type);
  m.text = std::move(message.text);
  m.attributes = std::move(message.attributes);
  m.author_id = user_id;
  commit<MessageRecord>(
      [user_id, m = std::move(m)](storage::Writes& w) mutable -> Result<Outcome<MessageRecord>> {
        auto v = vehicle_for_member(w, user_id, m.vehicle_id);
        if (!v) return v.take_error();
        m.created_at = now_millis();
        PADDOCK_ASSIGN(seq, w.sharing().insert_next_message(m));
        m.seq = seq;
        Outcome<MessageRecord> out{m, {}};
        PADDOCK_TRY(
            emit(w, out.update,
                 message_event(kMessageCreated.name, m, public_message_json(m, v->owner_id))));
        return out;
      },
      std::move(done));
}

void SharingService::edit_message(const std::string& user_id, const std::string& vehicle_id,
                                  const std::string& message_id, MessageEdit edit,
                                  Callback<MessageRecord> done) {
  if (edit.text && utf8_length(*edit.text) > kMaxMessageChars) return done(text_too_long());
  commit<MessageRecord>(
      [user_id, vehicle_id, message_id,
       edit = std::move(edit)](storage::Writes& w) -> Result<Outcome<MessageRecord>> {
        auto v = vehicle_for_member(w, user_id, vehicle_id);
        if (!v) return v.take_error();
        auto m = message_of(w, vehicle_id, message_id);
        if (!m) return m.take_error();
        if (edit.text) m->text = *edit.text;
        if (edit.attributes) m->attributes = *edit.attributes;
        m->updated_at = now_millis();
        PADDOCK_TRY(w.sharing().update_message(*m));
        Outcome<MessageRecord> out{*m, {}};
        PADDOCK_TRY(emit(
            w, out.update,
            message_event(kMessageUpdated.name, *m, public_message_json(*m, v->owner_id))));
        return out;
      },
      std::move(done));
}

void SharingService::delete_message(const std::string& user_id, const std::string& vehicle_id,
                                    const std::string& message_id, Callback<bool> done) {
  commit<bool>(
      [user_id, vehicle_id, message_id](storage::Writes& w) -> Result<Outcome<bool>> {
        auto v = vehicle_for_member(w, user_id, vehicle_id);
        if (!v) return v.take_error();
        auto m = message_of(w, vehicle_id, message_id);
        if (!m) return m.take_error();
        PADDOCK_TRY(w.sharing().delete_message(message_id));
        // The message's text must not outlive it in the feed log: earlier events go, and the
        // deletion itself carries only the id.
        PADDOCK_TRY(w.events().delete_message_events(message_id));
        Outcome<bool> out{true, {}};
        auto deleted = message_event(kMessageDeleted.name, *m,
                                     boost::json::serialize(deleted_message_view(*m)));
        deleted.message_id.reset();
        PADDOCK_TRY(emit(w, out.update, std::move(deleted)));
        return out;
      },
      std::move(done));
}

Result<MessagePage> SharingService::messages(const std::string& user_id,
                                             const std::string& vehicle_id, std::int64_t after,
                                             int limit, TypeSet requested) {
  auto& r = store_.reads();
  if (!looks_like_id(vehicle_id)) return vehicle_not_found();
  PADDOCK_ASSIGN(v, r.sharing().vehicle_by_id(vehicle_id));
  if (!v) return vehicle_not_found();
  std::optional<storage::FollowRecord> follow;
  PADDOCK_ASSIGN(role, role_of(r, *v, user_id, &follow));
  // Blocking ends everything the owner shares with that person: the vehicle answers them
  // exactly as an unknown one would, its public messages included.
  if (follow && follow->status == storage::FollowStatus::blocked) return vehicle_not_found();
  MessagePage page{{}, role == Role::member, v->owner_id};
  TypeSet visible = VisibilityPolicy::decode(v->visibility).visible_to(role) & requested;
  if (visible == 0) return page;
  PADDOCK_ASSIGN(messages, r.sharing().messages_page(vehicle_id, after, visible, limit));
  page.messages = std::move(messages);
  return page;
}

}  // namespace paddock::sharing
