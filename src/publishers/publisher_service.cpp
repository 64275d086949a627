#include "publishers/publisher_service.hpp"

#include <algorithm>

#include "core/ids.hpp"
#include "core/log.hpp"
#include "publishers/errors.hpp"
#include "publishers/inbox_items.hpp"
#include "publishers/publisher_id.hpp"
#include "publishers/reach_sketch.hpp"
#include "publishers/rules.hpp"
#include "sharing/access.hpp"

namespace paddock::publishers {
namespace {

constexpr std::string_view kNoncePurpose = "publisher_nonce";
constexpr int kIdDraws = 8;  // collisions among 10^15 ids are rare; a few draws always suffice
constexpr std::size_t kSecretBytes = 32;

Error no_publisher() { return make_error(Errc::not_found, "no such publisher"); }

Result<std::optional<PublisherRecord>> find(storage::Reads& r, const std::string& ref) {
  if (valid_publisher_id(ref)) return r.publishers().publisher_by_id(ref);
  if (!looks_like_id(ref)) return std::optional<PublisherRecord>{};
  return r.publishers().publisher_by_registration(ref);
}

// Spends the call's nonce: refused if it was seen within the window. Kept until the window
// in which its `created` is acceptable has passed.
Result<void> spend_nonce(storage::Writes& w, const SignedCall& call, UnixMillis now) {
  std::string key = call.publisher_id + ":" + call.nonce;
  PADDOCK_ASSIGN(seen, w.secrets().take_secret(kNoncePurpose, key, now));
  if (seen)
    return make_error(kNonceReplayed, "this nonce was already used; sign each request anew");
  return w.secrets().put_secret(
      {std::string(kNoncePurpose), key, "", call.created * 1000 + kClockWindow + 1000});
}

Result<PublisherRecord> active_publisher(storage::Writes& w, const std::string& id) {
  PADDOCK_ASSIGN(p, w.publishers().publisher_by_id(id));
  if (!p) return make_error(kUnknownPublisher, "no publisher has this keyid");
  if (p->status != "active") return make_error(kPublisherSuspended, "the publisher is suspended");
  return *p;
}

std::string new_secret_text() { return base64url_encode(random_bytes(kSecretBytes)); }

std::vector<std::string> minus(const std::vector<std::string>& sorted_a,
                               const std::vector<std::string>& sorted_b) {
  std::vector<std::string> out;
  std::set_difference(sorted_a.begin(), sorted_a.end(), sorted_b.begin(), sorted_b.end(),
                      std::back_inserter(out));
  return out;
}

}  // namespace

void PublisherService::register_publisher(Registration reg, bool auto_approve,
                                          Callback<Approval> done) {
  if (reg.name.empty() || char_count(reg.name) > kMaxNameChars) {
    return done(make_error(Errc::invalid_field, "name is 1 to 200 characters", "name"));
  }
  if (!kind_prefix(reg.kind)) {
    return done(make_error(Errc::invalid_field,
                           "kind is dealer, insurer, charging, repair, parking or other", "kind"));
  }
  if (reg.contact.empty() || char_count(reg.contact) > kMaxContactChars) {
    return done(make_error(Errc::invalid_field, "contact is 1 to 320 characters", "contact"));
  }
  if (reg.public_key) {
    auto key = base64url_decode(*reg.public_key);
    if (!key || key->size() != 32) {
      return done(make_error(Errc::invalid_field,
                             "public_key is an Ed25519 public key: 32 bytes, base64url",
                             "public_key"));
    }
  }
  UnixMillis now = now_millis();
  PublisherRecord record{new_id("reg"),  std::nullopt, reg.name, reg.kind, reg.contact,
                         reg.public_key, "pending",    now,      now};
  std::string ref = record.registration_id;
  store_.write<std::string>(
      [record](storage::Writes& w) -> Result<std::string> {
        PADDOCK_TRY(w.publishers().insert_publisher(record));
        return record.registration_id;
      },
      [this, auto_approve, record, done](Result<std::string> inserted) {
        if (!inserted) return done(inserted.take_error());
        if (auto_approve) return approve(*inserted, done);
        done(Approval{record, std::nullopt});
      });
}

void PublisherService::approve(const std::string& ref, Callback<Approval> done) {
  UnixMillis now = now_millis();
  // The secret is drawn and sealed here, outside the writer; only the sealed form is stored.
  std::string secret = new_secret_text();
  std::string sealed =
      sealer_.seal(std::span(reinterpret_cast<const std::uint8_t*>(secret.data()), secret.size()));
  store_.write<Approval>(
      [ref, now, secret, sealed](storage::Writes& w) -> Result<Approval> {
        PADDOCK_ASSIGN(found, find(w, ref));
        if (!found) return no_publisher();
        PublisherRecord p = *found;
        if (p.status != "pending") {
          return make_error(kPublisherStateConflict,
                            "the publisher is " + p.status + ", not pending");
        }
        for (int draw = 0; draw < kIdDraws && !p.id; ++draw) {
          std::string id = mint_publisher_id(p.kind);
          PADDOCK_ASSIGN(assigned, w.publishers().assign_publisher_id(p.registration_id, id));
          if (assigned) p.id = id;
        }
        if (!p.id) return make_error(Errc::internal, "no free publisher id was drawn");
        PADDOCK_TRY(w.publishers().set_publisher_status(p.registration_id, "active", now));
        p.status = "active";
        p.updated_at = now;
        Approval out{p, std::nullopt};
        // A publisher that registered a key signs with it alone until it asks for a secret.
        if (!p.public_key) {
          PADDOCK_TRY(
              w.publishers().insert_secret({p.registration_id, 1, sealed, now, std::nullopt}));
          out.secret = secret;
        }
        return out;
      },
      std::move(done));
}

void PublisherService::transition(const std::string& ref, std::string_view from,
                                  std::string_view to, Callback<PublisherRecord> done) {
  UnixMillis now = now_millis();
  store_.write<PublisherRecord>(
      [ref, from = std::string(from), to = std::string(to),
       now](storage::Writes& w) -> Result<PublisherRecord> {
        PADDOCK_ASSIGN(found, find(w, ref));
        if (!found) return no_publisher();
        PublisherRecord p = *found;
        if (p.status != from) {
          return make_error(kPublisherStateConflict,
                            "the publisher is " + p.status + ", not " + from);
        }
        PADDOCK_TRY(w.publishers().set_publisher_status(p.registration_id, to, now));
        p.status = to;
        p.updated_at = now;
        return p;
      },
      std::move(done));
}

void PublisherService::suspend(const std::string& ref, Callback<PublisherRecord> done) {
  transition(ref, "active", "suspended", std::move(done));
}

void PublisherService::reinstate(const std::string& ref, Callback<PublisherRecord> done) {
  transition(ref, "suspended", "active", std::move(done));
}

Result<SignedCall> PublisherService::authenticate(const SignedRequest& request,
                                                  std::string_view body, UnixMillis now) {
  auto input = request.header("signature-input");
  auto signature = request.header("signature");
  if (!input || !signature) {
    return make_error(kSignatureMissing,
                      "sign the request with HTTP Message Signatures (RFC 9421): Signature-Input "
                      "and Signature fields");
  }
  PADDOCK_ASSIGN(parsed, parse_signature(*input, *signature));
  const SignatureParams& p = parsed.params;
  auto incomplete = [](std::string what) {
    return make_error(kSignatureIncomplete, "the signature must " + what);
  };
  if (!p.keyid || p.keyid->empty()) return incomplete("carry keyid (your publisher id)");
  if (!p.created) return incomplete("carry created");
  if (!p.nonce || p.nonce->empty() || p.nonce->size() > kMaxNonceBytes) {
    return incomplete("carry a nonce of 1 to 128 characters");
  }
  if (!p.covers("@method")) return incomplete("cover @method");
  if (!p.covers("@target-uri") && !p.covers("@path"))
    return incomplete("cover @target-uri or @path");
  if (!request.query.empty() && !p.covers("@target-uri") && !p.covers("@query") &&
      !p.covers("@request-target")) {
    return incomplete("cover @query (the request has a query)");
  }
  if (!body.empty() && !p.covers("content-digest")) return incomplete("cover content-digest");
  if (p.alg && *p.alg != "hmac-sha256" && *p.alg != "ed25519") {
    return make_error(kUnsupportedAlgorithm, "alg is hmac-sha256 or ed25519");
  }
  std::int64_t skew = now / 1000 - *p.created;
  if (skew > kClockWindow / 1000 || -skew > kClockWindow / 1000) {
    return make_error(kSignatureExpired, "created is " + std::to_string(skew < 0 ? -skew : skew) +
                                             " s in the " + (skew < 0 ? "future" : "past") +
                                             "; at most 300 s either way");
  }
  if (p.expires && *p.expires < now / 1000) {
    return make_error(kSignatureExpired, "the signature's expires has passed");
  }
  if (auto digest = request.header("content-digest")) {
    PADDOCK_TRY(check_content_digest(*digest, body));
  }
  PADDOCK_ASSIGN(base, signature_base(request, p));
  // Behind a TLS-terminating proxy the signer saw https: the base for that scheme is tried too
  // (the scheme guards nothing here that method, authority, path and body do not).
  std::vector<std::string> bases{base};
  if (request.scheme == "http" && (p.covers("@target-uri") || p.covers("@scheme"))) {
    SignedRequest tls = request;
    tls.scheme = "https";
    PADDOCK_ASSIGN(tls_base, signature_base(tls, p));
    bases.push_back(std::move(tls_base));
  }

  auto& reads = store_.reads().publishers();
  std::optional<PublisherRecord> publisher;
  if (valid_publisher_id(*p.keyid)) {
    PADDOCK_ASSIGN(found, reads.publisher_by_id(*p.keyid));
    publisher = found;
  }
  if (!publisher) return make_error(kUnknownPublisher, "no publisher has this keyid");
  bool verified = false;
  if (!p.alg || *p.alg == "hmac-sha256") {
    PADDOCK_ASSIGN(secrets, reads.secrets_of(publisher->registration_id));
    for (const auto& s : secrets) {
      if (s.expires_at && *s.expires_at <= now) continue;
      auto key = sealer_.open_sealed(s.sealed);
      for (const auto& b : bases) {
        verified = verified || (key && verify_hmac_sha256(*key, b, parsed.signature));
      }
      if (verified) break;
    }
  }
  if (!verified && (!p.alg || *p.alg == "ed25519") && publisher->public_key) {
    auto key = base64url_decode(*publisher->public_key);
    for (const auto& b : bases) {
      verified = verified || (key && verify_ed25519(*key, b, parsed.signature));
    }
  }
  if (!verified) {
    return make_error(kSignatureInvalid,
                      "the signature does not verify under this publisher's secrets or key (check "
                      "the secret, and that method, URI and covered fields are as sent)");
  }
  if (publisher->status != "active") {
    return make_error(kPublisherSuspended, "the publisher is " + publisher->status);
  }
  return SignedCall{*publisher->id, *p.nonce, *p.created};
}

void PublisherService::rotate_secret(const SignedCall& call, UnixMillis overlap,
                                     Callback<Rotation> done) {
  UnixMillis now = now_millis();
  std::string secret = new_secret_text();
  std::string sealed =
      sealer_.seal(std::span(reinterpret_cast<const std::uint8_t*>(secret.data()), secret.size()));
  store_.write<Rotation>(
      [call, now, overlap, secret, sealed](storage::Writes& w) -> Result<Rotation> {
        PADDOCK_TRY(spend_nonce(w, call, now));
        PADDOCK_ASSIGN(p, active_publisher(w, call.publisher_id));
        PADDOCK_ASSIGN(secrets, w.publishers().secrets_of(p.registration_id));
        std::int64_t serial = secrets.empty() ? 1 : secrets.front().serial + 1;
        // The old secrets keep working for the overlap, so senders can switch without a gap.
        PADDOCK_TRY(w.publishers().expire_secrets(p.registration_id, now + overlap));
        PADDOCK_TRY(
            w.publishers().insert_secret({p.registration_id, serial, sealed, now, std::nullopt}));
        return Rotation{secret, serial, now + overlap};
      },
      std::move(done));
}

void PublisherService::deliver(const MessageRecord& message, const PublisherRecord& publisher,
                               std::vector<std::string> users, std::vector<std::string> except,
                               UnixMillis now) {
  if (!live_) return;
  events::LiveNotice notice;
  notice.json = live_frame(message, publisher.name, publisher.kind, now);
  notice.everyone = message.is_public;
  notice.users = std::move(users);
  notice.except = std::move(except);
  // Counted after the fan-out (record_reach), on every node: the answer never waits for it.
  notice.counted_as = inbox_item_id(message.publisher_id, message.message_id);
  live_->notify(std::move(notice));
}

namespace {

// What the commit hands to live delivery.
struct Change {
  PutOutcome outcome;
  PublisherRecord publisher;
  std::vector<std::string> users;   // targeted: receivers who did not opt out
  std::vector<std::string> except;  // public: users who opted out
};

bool same_content(const MessageRecord& m, const MessageInput& in) {
  return m.category == in.category && m.title == in.title && m.body == in.body &&
         m.data == in.data && m.expires_at == in.expires_at;
}

Result<Change> put_job(storage::Writes& w, const SignedCall& call, const MessageInput& in,
                       UnixMillis now) {
  PADDOCK_TRY(spend_nonce(w, call, now));
  PADDOCK_ASSIGN(publisher, active_publisher(w, call.publisher_id));
  auto& repo = w.publishers();
  std::vector<std::string> receivers;
  if (!in.is_public) {
    for (std::size_t i = 0; i < in.user_ids.size(); ++i) {
      const auto& user_id = in.user_ids[i];
      bool customer = false;
      if (looks_like_id(user_id)) {
        PADDOCK_ASSIGN(subscribed, repo.is_subscribed(user_id, call.publisher_id));
        customer = subscribed;
        if (!customer) {
          PADDOCK_ASSIGN(served, repo.serves_vehicle_of(user_id, call.publisher_id));
          customer = served;
        }
      }
      if (!customer) {
        return make_error(kNotACustomer,
                          "audience.user_ids[" + std::to_string(i) +
                              "] is not your customer (a user who subscribed to you or owns a vehicle you serve)",
                          "audience.user_ids[" + std::to_string(i) + "]");
      }
    }
    receivers = in.user_ids;
    std::sort(receivers.begin(), receivers.end());
    receivers.erase(std::unique(receivers.begin(), receivers.end()), receivers.end());
  }
  PADDOCK_ASSIGN(existing, repo.publisher_message(call.publisher_id, in.message_id));
  Change change;
  change.publisher = publisher;
  MessageRecord m;
  if (existing) {
    m = *existing;
    if (m.is_public != in.is_public) {
      return make_error(kAudienceChanged, "message " + in.message_id + " was " +
                                              (m.is_public ? "public" : "targeted") +
                                              "; publish under a new id");
    }
    PADDOCK_ASSIGN(known, repo.message_receivers(call.publisher_id, in.message_id));
    bool same_receivers = minus(receivers, known).empty();
    bool same = !m.withdrawn && same_content(m, in) && same_receivers;
    std::int64_t version = in.version.value_or(m.version + (same ? 0 : 1));
    if (version < m.version || (version == m.version && !same) ||
        (m.withdrawn && version <= m.version)) {
      return make_error(kStaleVersion, "message " + in.message_id + " is at version " +
                                           std::to_string(m.version) +
                                           "; send a higher version to change it");
    }
    if (same && version == m.version) {
      change.outcome = {m, false, false};
      return change;
    }
    if (m.withdrawn) m.first_seq = 0;  // receivers dropped it: it is new to them again
    m.version = version;
  } else {
    m.publisher_id = call.publisher_id;
    m.message_id = in.message_id;
    m.is_public = in.is_public;
    m.version = in.version.value_or(1);
    m.created_at = now;
    m.first_seq = 0;
  }
  PADDOCK_ASSIGN(seq, repo.next_publisher_seq());
  m.seq = seq;
  if (m.first_seq == 0) m.first_seq = seq;
  m.category = in.category;
  m.title = in.title;
  m.body = in.body;
  m.data = in.data;
  m.expires_at = in.expires_at;
  m.withdrawn = false;
  m.updated_at = now;
  PADDOCK_TRY(repo.put_publisher_message(m));
  PADDOCK_ASSIGN(opted_out, repo.users_opted_out(call.publisher_id, m.category));
  if (!m.is_public) {
    // Receivers who opted out get no row; the publisher is not told (it must not learn who).
    auto kept = minus(receivers, opted_out);
    PADDOCK_TRY(repo.add_message_receivers(call.publisher_id, m.message_id, kept));
    PADDOCK_ASSIGN(all, repo.message_receivers(call.publisher_id, m.message_id));
    change.users = minus(all, opted_out);
  } else {
    change.except = opted_out;
  }
  change.outcome = {m, !existing.has_value(), true};
  return change;
}

}  // namespace

void PublisherService::put_message(const SignedCall& call, MessageInput in,
                                   Callback<PutOutcome> done) {
  if (auto ok = check_message_id(in.message_id); !ok) return done(ok.take_error());
  if (auto ok = check_category(in.category); !ok) return done(ok.take_error());
  if (in.title.empty() || char_count(in.title) > kMaxTitleChars) {
    return done(make_error(Errc::invalid_field, "title is 1 to 200 characters", "title"));
  }
  if (char_count(in.body) > kMaxBodyChars) {
    return done(make_error(Errc::invalid_field, "body is at most 4000 characters", "body"));
  }
  if (in.data.size() > kMaxDataBytes) {
    return done(make_error(Errc::invalid_field, "data is at most 16 KiB of JSON", "data"));
  }
  if (!in.is_public && (in.user_ids.empty() || in.user_ids.size() > kMaxReceivers)) {
    return done(make_error(Errc::invalid_field, "audience.user_ids names 1 to 1000 receivers",
                           "audience.user_ids"));
  }
  if (in.version && *in.version < 1) {
    return done(make_error(Errc::invalid_field, "version is a positive integer", "version"));
  }
  UnixMillis now = now_millis();
  if (auto allowed = limiter_.take(call.publisher_id, now); !allowed) {
    return done(allowed.take_error());
  }
  if (in.expires_at && (*in.expires_at <= now || *in.expires_at > now + kMaxLifetime)) {
    return done(make_error(Errc::invalid_field, "expires_at is in the future, within 366 days",
                           "expires_at"));
  }
  store_.write<Change>(
      [call, in = std::move(in), now](storage::Writes& w) { return put_job(w, call, in, now); },
      [done](Result<Change> change) {
        if (!change) return done(change.take_error());
        done(std::move(change->outcome));
      },
      [this, now](Change& change) {
        if (!change.outcome.changed) return;
        deliver(change.outcome.message, change.publisher, std::move(change.users),
                std::move(change.except), now);
      });
}

void PublisherService::withdraw_message(const SignedCall& call, const std::string& message_id,
                                        Callback<MessageRecord> done) {
  if (auto ok = check_message_id(message_id); !ok) return done(ok.take_error());
  UnixMillis now = now_millis();
  if (auto allowed = limiter_.take(call.publisher_id, now); !allowed) {
    return done(allowed.take_error());
  }
  store_.write<Change>(
      [call, message_id, now](storage::Writes& w) -> Result<Change> {
        PADDOCK_TRY(spend_nonce(w, call, now));
        PADDOCK_ASSIGN(publisher, active_publisher(w, call.publisher_id));
        auto& repo = w.publishers();
        PADDOCK_ASSIGN(existing, repo.publisher_message(call.publisher_id, message_id));
        if (!existing) return make_error(Errc::not_found, "you published no message " + message_id);
        Change change{{*existing, false, false}, publisher, {}, {}};
        if (existing->withdrawn) return change;  // withdrawing twice changes nothing
        MessageRecord m = *existing;
        PADDOCK_ASSIGN(seq, repo.next_publisher_seq());
        m.seq = seq;
        m.withdrawn = true;
        // The content goes with the withdrawal: a tombstone says only which message it was.
        m.title.clear();
        m.body.clear();
        m.data = "{}";
        m.updated_at = now;
        PADDOCK_TRY(repo.put_publisher_message(m));
        PADDOCK_ASSIGN(opted_out, repo.users_opted_out(call.publisher_id, m.category));
        if (m.is_public) {
          change.except = opted_out;
        } else {
          PADDOCK_ASSIGN(all, repo.message_receivers(call.publisher_id, m.message_id));
          change.users = minus(all, opted_out);
        }
        change.outcome = {m, false, true};
        return change;
      },
      [done](Result<Change> change) {
        if (!change) return done(change.take_error());
        done(std::move(change->outcome.message));
      },
      [this, now](Change& change) {
        if (!change.outcome.changed) return;
        deliver(change.outcome.message, change.publisher, std::move(change.users),
                std::move(change.except), now);
      });
}

void PublisherService::stats(const SignedCall& call, const std::string& message_id,
                             Callback<MessageStats> done) {
  if (auto ok = check_message_id(message_id); !ok) return done(ok.take_error());
  UnixMillis now = now_millis();
  store_.write<MessageStats>(
      [call, message_id, now](storage::Writes& w) -> Result<MessageStats> {
        PADDOCK_TRY(spend_nonce(w, call, now));
        PADDOCK_TRY(active_publisher(w, call.publisher_id));
        PADDOCK_ASSIGN(m, w.publishers().publisher_message(call.publisher_id, message_id));
        if (!m) return make_error(Errc::not_found, "you published no message " + message_id);
        PADDOCK_ASSIGN(tally, w.publishers().message_tally(call.publisher_id, message_id));
        auto reach = ReachSketch::from_text(tally.delivered_reach);
        return MessageStats{reach ? reach->estimate() : 0, tally.synced, tally.read};
      },
      std::move(done));
}

void PublisherService::record_reach(const std::string& counted_as,
                                    std::span<const std::string_view> users) {
  auto key = parse_inbox_item_id(counted_as);
  if (!key || users.empty()) return;
  ReachSketch reached;
  for (auto user : users) reached.add_user(user);
  store_.write<bool>(
      [key = *key, reached = std::move(reached)](storage::Writes& w) -> Result<bool> {
        PADDOCK_ASSIGN(text, w.publishers().message_reach(key.publisher_id, key.message_id));
        auto sketch = ReachSketch::from_text(text);
        if (!sketch) {
          // Only a damaged row gets here; counting afresh beats counting nothing from now on.
          log::event(log::Level::warn, "publishers: a message's reach sketch was unreadable",
                     {{"message", key.message_id}});
          sketch.emplace();
        }
        sketch->merge(reached);
        PADDOCK_TRY(
            w.publishers().put_message_reach(key.publisher_id, key.message_id, sketch->to_text()));
        return true;
      },
      [](Result<bool>) {});
}

void PublisherService::subscribe(const std::string& user_id, const std::string& publisher_id,
                                 Callback<bool> done) {
  if (!valid_publisher_id(publisher_id)) return done(no_publisher());
  UnixMillis now = now_millis();
  store_.write<bool>(
      [user_id, publisher_id, now](storage::Writes& w) -> Result<bool> {
        PADDOCK_ASSIGN(p, w.publishers().publisher_by_id(publisher_id));
        if (!p || p->status != "active") return no_publisher();
        return w.publishers().put_subscription(user_id, publisher_id, now);
      },
      std::move(done));
}

void PublisherService::unsubscribe(const std::string& user_id, const std::string& publisher_id,
                                   Callback<bool> done) {
  store_.write<bool>(
      [user_id, publisher_id](storage::Writes& w) -> Result<bool> {
        PADDOCK_ASSIGN(gone, w.publishers().delete_subscription(user_id, publisher_id));
        if (!gone) return make_error(Errc::not_found, "you are not subscribed to " + publisher_id);
        return true;
      },
      std::move(done));
}

Result<std::vector<PublisherRecord>> PublisherService::subscriptions(const std::string& user_id) {
  auto& reads = store_.reads().publishers();
  PADDOCK_ASSIGN(ids, reads.subscriptions_of(user_id));
  std::vector<PublisherRecord> out;
  for (const auto& id : ids) {
    PADDOCK_ASSIGN(p, reads.publisher_by_id(id));
    if (p) out.push_back(std::move(*p));
  }
  return out;
}

void PublisherService::add_service_provider(const std::string& user_id,
                                            const std::string& vehicle_id,
                                            const std::string& publisher_id, Callback<bool> done) {
  UnixMillis now = now_millis();
  store_.write<bool>(
      [user_id, vehicle_id, publisher_id, now](storage::Writes& w) -> Result<bool> {
        PADDOCK_TRY(sharing::vehicle_for_owner(w, user_id, vehicle_id));
        if (!valid_publisher_id(publisher_id)) return no_publisher();
        PADDOCK_ASSIGN(p, w.publishers().publisher_by_id(publisher_id));
        if (!p || p->status != "active") return no_publisher();
        return w.publishers().put_service_provider(vehicle_id, publisher_id, now);
      },
      std::move(done));
}

void PublisherService::remove_service_provider(const std::string& user_id,
                                               const std::string& vehicle_id,
                                               const std::string& publisher_id,
                                               Callback<bool> done) {
  store_.write<bool>(
      [user_id, vehicle_id, publisher_id](storage::Writes& w) -> Result<bool> {
        PADDOCK_TRY(sharing::vehicle_for_owner(w, user_id, vehicle_id));
        PADDOCK_ASSIGN(gone, w.publishers().delete_service_provider(vehicle_id, publisher_id));
        if (!gone) {
          return make_error(Errc::not_found, publisher_id + " does not serve this vehicle");
        }
        return true;
      },
      std::move(done));
}

Result<std::vector<PublisherRecord>> PublisherService::service_providers(
    const std::string& user_id, const std::string& vehicle_id) {
  auto& reads = store_.reads();
  PADDOCK_TRY(sharing::vehicle_for_member(reads, user_id, vehicle_id));
  PADDOCK_ASSIGN(ids, reads.publishers().service_providers_of(vehicle_id));
  std::vector<PublisherRecord> out;
  for (const auto& id : ids) {
    PADDOCK_ASSIGN(p, reads.publishers().publisher_by_id(id));
    if (p) out.push_back(std::move(*p));
  }
  return out;
}

Result<void> PublisherService::on_vehicle_transferred(storage::Writes& w,
                                                      const std::string& vehicle_id,
                                                      const std::string& /*old_owner_id*/,
                                                      std::vector<storage::EventRecord>& /*events*/) {
  // The old owner chose them; the new owner names their own.
  return w.publishers().delete_service_providers(vehicle_id);
}

void PublisherService::set_opt_outs(const std::string& user_id, std::vector<OptOut> opt_outs,
                                    Callback<std::vector<OptOut>> done) {
  if (opt_outs.size() > kMaxOptOuts) {
    return done(make_error(Errc::invalid_field, "at most 100 opt-outs", "opt_out"));
  }
  for (const auto& o : opt_outs) {
    if (o.kind == OptOut::Kind::category) {
      if (auto ok = check_category(o.value, "opt_out.categories"); !ok)
        return done(ok.take_error());
    } else if (!valid_publisher_id(o.value)) {
      return done(make_error(Errc::invalid_field, "not a publisher id: " + o.value.substr(0, 40),
                             "opt_out.publishers"));
    }
  }
  store_.write<std::vector<OptOut>>(
      [user_id, opt_outs = std::move(opt_outs)](storage::Writes& w) -> Result<std::vector<OptOut>> {
        PADDOCK_TRY(w.publishers().replace_opt_outs(user_id, opt_outs));
        return w.publishers().opt_outs_of(user_id);
      },
      std::move(done));
}

Result<std::vector<OptOut>> PublisherService::opt_outs(const std::string& user_id) {
  return store_.reads().publishers().opt_outs_of(user_id);
}

Result<InboxPage> PublisherService::inbox(const std::string& user_id, std::int64_t cursor,
                                          int limit) {
  auto& reads = store_.reads().publishers();
  PADDOCK_ASSIGN(head, reads.last_publisher_seq());
  if (cursor < 0 || cursor > head) {
    return make_error(kInvalidInboxCursor, "the cursor is not one this server gave out", "cursor");
  }
  PADDOCK_ASSIGN(entries, reads.inbox_after(user_id, cursor, now_millis(), limit));
  InboxPage page;
  // A short page means nothing more is visible to this user up to the head read before it.
  page.next_cursor = static_cast<int>(entries.size()) < limit ? head : entries.back().message.seq;
  if (!entries.empty()) page.next_cursor = std::max(page.next_cursor, entries.back().message.seq);
  page.next_cursor = std::max(page.next_cursor, cursor);
  page.entries = std::move(entries);
  // The user's sync position is what "synced" counts (one row per user, never per message),
  // written apart so the page is not held up.
  if (page.next_cursor > cursor) {
    store_.write<bool>(
        [user_id, seq = page.next_cursor, now = now_millis()](storage::Writes& w) -> Result<bool> {
          PADDOCK_TRY(w.publishers().advance_inbox_cursor(user_id, seq, now));
          return true;
        },
        [](Result<bool>) {});
  }
  return page;
}

void PublisherService::mark_read(const std::string& user_id, const std::string& item_id,
                                 Callback<bool> done) {
  auto key = parse_inbox_item_id(item_id);
  if (!key) return done(make_error(Errc::not_found, "no such inbox item"));
  UnixMillis now = now_millis();
  store_.write<bool>(
      [user_id, key = *key, now](storage::Writes& w) -> Result<bool> {
        PADDOCK_ASSIGN(item,
                       w.publishers().inbox_item(user_id, key.publisher_id, key.message_id, now));
        if (!item) return make_error(Errc::not_found, "no such inbox item");
        PADDOCK_TRY(w.publishers().mark_read(user_id, key.publisher_id, key.message_id,
                                             item->message.is_public, now));
        return true;
      },
      std::move(done));
}

}  // namespace paddock::publishers
