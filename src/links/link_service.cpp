#include "links/link_service.hpp"

#include <sodium.h>

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include "core/encoding.hpp"
#include "core/ids.hpp"
#include "core/text.hpp"
#include "devices/device_service.hpp"
#include "devices/proof.hpp"
#include "identity/tokens.hpp"
#include "links/errors.hpp"
#include "links/event_kinds.hpp"

namespace paddock::links {
namespace {

constexpr std::size_t kSecretBytes = 16;  // 128 bits: see docs/linking.md

Error link_not_found() { return make_error(Errc::not_found, "no such link"); }
Error watch_refused() {
  return make_error(Errc::unauthorized, "a valid watch_token for this link is required");
}

bool is_purpose(std::string_view p) { return p == "share" || p == "sign_in" || p == "handoff"; }

// A watch notice: {"type": ..., "link_id": ..., plus `fields`}.
std::string notice(std::string_view type, const LinkRecord& link, boost::json::object fields = {}) {
  boost::json::object o{{"type", type}, {"link_id", link.id}, {"state", link.state}};
  for (auto& [k, v] : fields) o[k] = v;
  return boost::json::serialize(o);
}

// What a wrong claim was, decided inside the write job so that counting it is atomic with it.
enum class ClaimOutcome {
  claimed,
  wrong,
  wrong_locked,
  expired,
  used,
  superseded,
  closed,
  missing
};

}  // namespace

std::string new_link_secret() { return base64url_encode(random_bytes(kSecretBytes)); }

bool secret_matches(std::string_view candidate, std::string_view hash) {
  std::string computed = identity::hash_token(candidate);
  // Both are hex of a fixed-length hash; sodium_memcmp's time depends only on the length.
  return computed.size() == hash.size() &&
         sodium_memcmp(computed.data(), hash.data(), computed.size()) == 0;
}

std::string LinkService::link_url(std::string_view base_url, std::string_view id,
                                  std::string_view secret) {
  std::string url(base_url);
  while (!url.empty() && url.back() == '/') url.pop_back();
  url.append("/l/").append(id).append("?s=").append(secret);
  return url;
}

LinkService::LinkService(storage::Store& store, events::LiveEvents& live, WatchHub& watch,
                         ContextSources contexts, LinkOptions options)
    : store_(store),
      live_(live),
      watch_(watch),
      contexts_(std::move(contexts)),
      options_(options),
      // Per link, the stored count locks the link for good at max_wrong_secrets; the limiter
      // adds the per-address window across links (its per-key limit is the same count).
      claim_limiter_({options.max_wrong_secrets + 1, options.failed_claims_per_address,
                      options.window_seconds}),
      creation_limiter_(
          {options.links_per_address, options.links_per_address, options.window_seconds}) {
  events::register_kinds(kLinkEventKinds);
}

ContextSource* LinkService::context_source(std::string_view kind) {
  for (auto& c : contexts_) {
    if (c->kind() == kind) return c.get();
  }
  return nullptr;
}

void LinkService::share_limits_through(storage::AnnouncementRouter& router) {
  claim_limiter_.share_through(store_, router, "link_claim");
  creation_limiter_.share_through(store_, router, "link_creation");
}

void LinkService::create(std::optional<std::string> creator_user, NewLink request,
                         Callback<IssuedLink> done) {
  if (!is_purpose(request.purpose)) {
    return done(
        make_error(Errc::invalid_field, "purpose must be share, sign_in or handoff", "purpose"));
  }
  bool sign_in = request.purpose == "sign_in";
  if (!sign_in && !creator_user) {
    return done(
        make_error(Errc::unauthorized, "a share or handoff link needs a signed-in first terminal"));
  }
  if (auto name = check_name(request.terminal.name, "terminal.name"); !name) {
    return done(name.take_error());
  }
  if (auto kind = devices::check_kind(request.terminal.kind); !kind) {
    Error e = kind.take_error();
    e.field = "terminal.kind";
    return done(std::move(e));
  }
  if (sign_in) {
    if (request.terminal.kind == "phone") {
      return done(make_error(Errc::invalid_field,
                             "a screen signing in is a pc, car_screen or kiosk", "terminal.kind"));
    }
    // The screen's own key is bound into the device record the approval makes.
    if (!request.terminal.public_key) {
      return done(make_error(Errc::invalid_field, "sign_in needs the screen's Ed25519 public key",
                             "terminal.public_key"));
    }
    if (request.context_kind) {
      return done(make_error(Errc::invalid_field, "a sign_in link carries no context", "context"));
    }
  }
  if (request.terminal.public_key) {
    if (auto key = devices::parse_public_key(*request.terminal.public_key, "terminal.public_key");
        !key) {
      return done(key.take_error());
    }
  }
  if (request.context_kind) {
    auto* source = context_source(*request.context_kind);
    if (!source) {
      return done(make_error(kUnknownContext,
                             "context must be one of the supported kinds (vehicle_id)",
                             "context." + *request.context_kind));
    }
    if (auto ok = source->check_offer(*creator_user, *request.context_id); !ok) {
      return done(ok.take_error());
    }
  } else if (request.purpose == "share") {
    return done(make_error(Errc::invalid_field, "a share link needs a context", "context"));
  }
  if (request.device_id) {
    if (!creator_user) {
      return done(
          make_error(Errc::invalid_field, "device_id needs a signed-in terminal", "device_id"));
    }
    devices::DeviceService devices(store_);
    if (auto ok = devices.check_own_device(*creator_user, *request.device_id); !ok) {
      return done(ok.take_error());
    }
  }
  UnixMillis now = now_millis();
  if (!creator_user) {
    // Anyone may ask for a sign_in link: bound the rows one address can make.
    if (int wait = creation_limiter_.retry_after(request.address, request.address, now); wait > 0) {
      Error e = make_error(kTooManyClaims, "too many links asked for from this address");
      e.retry_after_seconds = wait;
      return done(std::move(e));
    }
    creation_limiter_.record_failure(request.address, request.address, now);
  }

  IssuedLink issued;
  issued.secret = new_link_secret();
  auto watch = identity::issue_token();
  issued.watch_token = std::move(watch.token);
  LinkRecord& l = issued.link;
  l.id = new_id("lnk");
  l.purpose = request.purpose;
  l.state = "pending";
  l.creator_user = creator_user;
  l.creator_device = request.device_id;
  l.context_kind = request.context_kind;
  l.context_id = request.context_id;
  l.terminal_name = std::move(request.terminal.name);
  l.terminal_kind = std::move(request.terminal.kind);
  l.terminal_public_key = std::move(request.terminal.public_key);
  l.creator_address = std::move(request.address);
  l.secret_hash = identity::hash_token(issued.secret);
  l.secret_expires_at = now + options_.secret_ttl_seconds * 1000LL;
  l.watch_token_hash = std::move(watch.hash);
  l.created_at = l.updated_at = now;
  store_.write<IssuedLink>(
      [issued = std::move(issued)](storage::Writes& w) -> Result<IssuedLink> {
        PADDOCK_TRY(w.links().insert_link(issued.link));
        return issued;
      },
      std::move(done));
}

Result<LinkRecord> LinkService::authenticate_watch(const std::string& link_id,
                                                   std::string_view watch_token) {
  if (!looks_like_id(link_id) || !identity::looks_like_token(watch_token)) return watch_refused();
  auto link = store_.reads().links().link_by_id(link_id);
  if (!link) return link.take_error();
  if (!*link || !secret_matches(watch_token, (*link)->watch_token_hash)) return watch_refused();
  return std::move(**link);
}

void LinkService::refresh(const std::string& link_id, std::string watch_token,
                          Callback<IssuedLink> done) {
  auto link = authenticate_watch(link_id, watch_token);
  if (!link) return done(link.take_error());
  std::string secret = new_link_secret();
  std::string hash = identity::hash_token(secret);
  UnixMillis expires = now_millis() + options_.secret_ttl_seconds * 1000LL;
  store_.write<IssuedLink>(
      [link_id, secret, hash, expires](storage::Writes& w) -> Result<IssuedLink> {
        auto found = w.links().link_by_id(link_id);
        if (!found) return found.take_error();
        if (!*found) return link_not_found();
        LinkRecord l = std::move(**found);
        if (l.state != "pending") {
          return make_error(kLinkState, "only a link nobody has claimed yet can be refreshed");
        }
        l.previous_secret_hash = std::move(l.secret_hash);
        l.secret_hash = hash;
        l.secret_expires_at = expires;
        l.updated_at = now_millis();
        PADDOCK_TRY(w.links().update_link(l));
        return IssuedLink{std::move(l), secret, {}};
      },
      std::move(done),
      [this](IssuedLink& issued) {
        watch_.publish(issued.link.id,
                       notice("link.refreshed", issued.link,
                              {{"expires_at", format_rfc3339(issued.link.secret_expires_at)}}));
      });
}

void LinkService::claim(const std::string& user_id, const std::string& link_id, std::string secret,
                        const std::string& device_id, const std::string& address,
                        Callback<Claim> done) {
  if (!looks_like_id(link_id)) return done(link_not_found());
  UnixMillis now = now_millis();
  if (int wait = claim_limiter_.retry_after(link_id, address, now); wait > 0) {
    Error e = make_error(kTooManyClaims, "too many wrong secrets; wait before trying again");
    e.retry_after_seconds = wait;
    return done(std::move(e));
  }
  devices::DeviceService devices(store_);
  if (auto ok = devices.check_own_device(user_id, device_id); !ok) return done(ok.take_error());
  auto read = store_.reads().links().link_by_id(link_id);
  if (!read) return done(read.take_error());
  if (!*read) {
    // A guessed id counts against the address like a guessed secret.
    claim_limiter_.record_failure(address, address, now);
    return done(link_not_found());
  }
  const LinkRecord& seen = **read;
  // A handoff is between one user's own terminals: to anybody else it does not exist.
  if (seen.purpose == "handoff" && seen.creator_user != user_id) return done(link_not_found());
  if (seen.context_kind) {
    auto* source = context_source(*seen.context_kind);
    if (!source) return done(make_error(kUnknownContext, "this server no longer serves it"));
    if (auto ok = source->check_claimant(user_id, *seen.context_id); !ok) {
      return done(ok.take_error());
    }
  }
  int max_wrong = options_.max_wrong_secrets;
  auto outcome = std::make_shared<ClaimOutcome>(ClaimOutcome::missing);
  store_.write<LinkRecord>(
      [=, secret = std::move(secret)](storage::Writes& w) -> Result<LinkRecord> {
        auto found = w.links().link_by_id(link_id);
        if (!found) return found.take_error();
        if (!*found) return link_not_found();
        LinkRecord l = std::move(**found);
        UnixMillis at = now_millis();
        bool current = secret_matches(secret, l.secret_hash);
        if (l.state == "revoked" || l.state == "dead" || l.state == "denied") {
          *outcome = ClaimOutcome::closed;
        } else if (l.state != "pending") {
          *outcome = current ? ClaimOutcome::used : ClaimOutcome::closed;
        } else if (current) {
          if (l.secret_expires_at <= at) {
            *outcome = ClaimOutcome::expired;
          } else {
            *outcome = ClaimOutcome::claimed;
            l.state = "claimed";
            l.claimant_user = user_id;
            l.claimant_device = device_id;
            l.claim_address = address;
            l.claimed_at = at;
          }
        } else if (l.previous_secret_hash && secret_matches(secret, *l.previous_secret_hash)) {
          *outcome = ClaimOutcome::superseded;
        } else {
          // A guess: counted for good, and the fifth one locks the link.
          ++l.failed_attempts;
          *outcome =
              l.failed_attempts >= max_wrong ? ClaimOutcome::wrong_locked : ClaimOutcome::wrong;
          if (*outcome == ClaimOutcome::wrong_locked) l.state = "dead";
        }
        if (*outcome == ClaimOutcome::claimed || *outcome == ClaimOutcome::wrong ||
            *outcome == ClaimOutcome::wrong_locked) {
          l.updated_at = at;
          PADDOCK_TRY(w.links().update_link(l));
        }
        return l;
      },
      [this, user_id, link_id, address, outcome, done](Result<LinkRecord> l) mutable {
        if (!l) return done(l.take_error());
        switch (*outcome) {
          case ClaimOutcome::claimed:
            return finish_claim(std::move(*l), user_id, std::move(done));
          case ClaimOutcome::wrong:
          case ClaimOutcome::wrong_locked:
            claim_limiter_.record_failure(link_id, address, now_millis());
            return done(make_error(kLinkSecretInvalid,
                                   *outcome == ClaimOutcome::wrong_locked
                                       ? "wrong secret; the link is now locked"
                                       : "wrong secret",
                                   "secret"));
          case ClaimOutcome::expired:
            return done(make_error(kLinkSecretExpired,
                                   "the secret has expired; scan the code again", "secret"));
          case ClaimOutcome::used:
            return done(make_error(kLinkSecretUsed, "this secret was already used", "secret"));
          case ClaimOutcome::superseded:
            return done(make_error(kLinkSecretSuperseded,
                                   "the code was refreshed; scan the new one", "secret"));
          case ClaimOutcome::closed:
            return done(make_error(kLinkClosed, "this link is closed"));
          case ClaimOutcome::missing:
            break;
        }
        done(link_not_found());
      },
      [this](LinkRecord& l) {
        if (l.state != "claimed") return;
        // The claimant's display name is read here, so the notice says only what it must.
        auto user = store_.reads().identity().user_by_id(*l.claimant_user);
        auto device = store_.reads().devices().device_by_id(*l.claimant_device);
        std::string name = user && *user ? (*user)->display_name : std::string();
        std::string kind = device && *device ? (*device)->kind : std::string();
        watch_.publish(l.id, notice("link.claimed", l,
                                    {{"claimant", boost::json::object{{"display_name", name},
                                                                      {"device_kind", kind}}}}));
      });
}

void LinkService::finish_claim(LinkRecord link, std::string user_id, Callback<Claim> done) {
  if (!link.context_kind) return done(Claim{std::move(link), std::nullopt});
  auto* source = context_source(*link.context_kind);
  if (!source) return done(make_error(kUnknownContext, "this server no longer serves it"));
  std::string id = *link.context_id;
  source->resolve(
      user_id, id,
      [this, link = std::move(link), done = std::move(done)](Result<std::string> context) mutable {
        if (!context) return done(context.take_error());
        // The context also goes to the claiming device's stream, where the phone's app listens.
        storage::EventRecord e;
        e.target_user = link.claimant_user;
        e.target_device = link.claimant_device;
        e.type = std::string(kLinkContext.name);
        e.payload = R"({"link_id":")" + link.id + R"(","purpose":")" + link.purpose +
                    R"(","context":)" + *context + "}";
        e.created_at = now_millis();
        struct Delivered {
          Claim claim;
          storage::EventRecord event;
        };
        store_.write<Delivered>(
            [delivered = Delivered{Claim{std::move(link), std::move(*context)}, std::move(e)}](
                storage::Writes& w) -> Result<Delivered> {
              auto seq = w.events().append_event(delivered.event);
              if (!seq) return seq.take_error();
              // A copy: the job may run again (PostgreSQL retries a batch that lost a race).
              Delivered out = delivered;
              out.event.seq = *seq;
              return out;
            },
            [done = std::move(done)](Result<Delivered> d) {
              if (!d) return done(d.take_error());
              done(std::move(d->claim));
            },
            [this](Delivered& d) { live_.publish({d.event}); });
      });
}

void LinkService::end_sign_in(const std::string& user_id, const std::string& link_id,
                              const std::string& device_id, bool approve,
                              Callback<LinkRecord> done) {
  if (!looks_like_id(link_id)) return done(link_not_found());
  // The session and its token are made here; the writer only stores the hash.
  auto token = identity::issue_token();
  UnixMillis expires = now_millis() + options_.screen_session_ttl_seconds * 1000LL;
  auto issued_token = std::make_shared<std::string>(std::move(token.token));
  std::string token_hash = std::move(token.hash);
  store_.write<LinkRecord>(
      [=](storage::Writes& w) -> Result<LinkRecord> {
        auto found = w.links().link_by_id(link_id);
        if (!found) return found.take_error();
        // Only the claimant's own device may answer; to anyone else the link does not exist.
        if (!*found || (*found)->claimant_user != user_id ||
            (*found)->claimant_device != device_id) {
          return link_not_found();
        }
        LinkRecord l = std::move(**found);
        if (l.purpose != "sign_in" || l.state != "claimed") {
          return make_error(kLinkState, "only a claimed sign_in link can be approved or denied");
        }
        UnixMillis at = now_millis();
        l.updated_at = at;
        if (!approve) {
          l.state = "denied";
          PADDOCK_TRY(w.links().update_link(l));
          return l;
        }
        storage::DeviceRecord device{
            new_id("dev"),          user_id, l.terminal_name, l.terminal_kind,
            *l.terminal_public_key, false,   std::nullopt,    at};
        PADDOCK_TRY(w.devices().insert_device(device));
        PADDOCK_TRY(w.identity().insert_session({token_hash, user_id, at, expires}));
        l.state = "approved";
        l.signed_in_device = device.id;
        l.session_hash = token_hash;
        PADDOCK_TRY(w.links().update_link(l));
        return l;
      },
      std::move(done),
      [this, issued_token, expires](LinkRecord& l) {
        if (l.state == "denied") {
          return watch_.publish(l.id, notice("link.denied", l), /*final=*/true);
        }
        watch_.publish(
            l.id,
            notice("link.approved", l,
                   {{"session", boost::json::object{{"token", *issued_token},
                                                    {"user_id", *l.claimant_user},
                                                    {"expires_at", format_rfc3339(expires)}}},
                    {"device_id", *l.signed_in_device}}),
            /*final=*/true);
      });
}

void LinkService::approve(const std::string& user_id, const std::string& link_id,
                          const std::string& device_id, Callback<LinkRecord> done) {
  end_sign_in(user_id, link_id, device_id, true, std::move(done));
}

void LinkService::deny(const std::string& user_id, const std::string& link_id,
                       const std::string& device_id, Callback<LinkRecord> done) {
  end_sign_in(user_id, link_id, device_id, false, std::move(done));
}

Result<std::vector<LinkRecord>> LinkService::list(const std::string& user_id) {
  return store_.reads().links().links_of_user(user_id, 200);
}

void LinkService::revoke(const std::string& user_id, const std::string& link_id,
                         Callback<LinkRecord> done) {
  if (!looks_like_id(link_id)) return done(link_not_found());
  store_.write<LinkRecord>(
      [=](storage::Writes& w) -> Result<LinkRecord> {
        auto found = w.links().link_by_id(link_id);
        if (!found) return found.take_error();
        if (!*found || ((*found)->creator_user != user_id && (*found)->claimant_user != user_id)) {
          return link_not_found();
        }
        LinkRecord l = std::move(**found);
        if (l.session_hash) {
          PADDOCK_TRY(w.identity().delete_session(*l.session_hash));
        }
        if (l.signed_in_device && l.claimant_user) {
          PADDOCK_TRY(w.devices().delete_device(*l.signed_in_device, *l.claimant_user));
        }
        l.state = "revoked";
        l.updated_at = now_millis();
        PADDOCK_TRY(w.links().update_link(l));
        return l;
      },
      std::move(done), [this](LinkRecord& l) {
        // The screen's streams opened with the revoked session end at once.
        if (l.session_hash && l.claimant_user) live_.end_session(*l.claimant_user, *l.session_hash);
        watch_.publish(l.id, notice("link.revoked", l), /*final=*/true);
      });
}

}  // namespace paddock::links
