#pragma once
// api/app: the HTTP API as a table of routes and their handlers. Handlers turn a Request into
// calls on the domain services and the results into JSON or problem documents; they never
// touch sockets (the transport does) or SQL (storage does).
#include <boost/json/value.hpp>

#include <optional>
#include <span>
#include <string>
#include <vector>

#include "api/dispatcher.hpp"
#include "api/http_types.hpp"
#include "api/router.hpp"
#include "core/work_pool.hpp"
#include "events/live_events.hpp"
#include "identity/identity_service.hpp"

namespace paddock::devices { class DeviceService; }
namespace paddock::sharing { class SharingService; }
namespace paddock::keys {
class CarSyncService;
class ContactService;
class IssuerKeyring;
class KeyShareService;
struct KeyPolicy;
}  // namespace paddock::keys
namespace paddock::feed { class Hub; }
namespace paddock::links {
class LinkService;
class WatchHub;
}  // namespace paddock::links
namespace paddock::ocpp {
class ChargePointService;
class CentralSystem;
}  // namespace paddock::ocpp
namespace paddock::antitheft {
class AntiTheftService;
class LockWorkflow;
class TelemetryService;
}  // namespace paddock::antitheft
namespace paddock::publishers {
class PublisherService;
struct SignedCall;
}  // namespace paddock::publishers
namespace paddock::metrics { struct Registry; }

namespace paddock::api {

struct Services {
  storage::Store& store;
  identity::IdentityService& identity;
  devices::DeviceService& devices;
  sharing::SharingService& sharing;
  feed::Hub& hub;
  metrics::Registry& metrics;
  keys::ContactService& contacts;
  // Loaded and validated at start; the key-share routes will read it.
  const keys::KeyPolicy& key_policy;
  // The credential-issuer keys (loaded or created at start).
  const keys::IssuerKeyring& issuer_keys;
  // Head units, their signed requests, the signed revocation list and the car's reports.
  keys::CarSyncService& car_sync;
  keys::KeyShareService& key_shares;
  links::LinkService& links;
  links::WatchHub& link_watch;
  publishers::PublisherService& publishers;
  bool publishers_auto_approve = false;  // development mode: registration approves at once
  // OCPP (api/ocpp_routes.cpp). Without them the OCPP routes answer 503 not_ready.
  ocpp::ChargePointService* charge_points = nullptr;
  ocpp::CentralSystem* central_system = nullptr;
  antitheft::AntiTheftService* antitheft = nullptr;  // api/antitheft_routes.cpp
  antitheft::LockWorkflow* locks = nullptr;
  antitheft::TelemetryService* telemetry = nullptr;
  // Where a session's end goes: the hub itself on one node; with several nodes, the feed that
  // tells the others too (feed/cluster_feed). Null: the hub.
  events::LiveEvents* live = nullptr;
  // Set (PostgreSQL): live streams read their backlog pages on this pool (feed::FeedStream).
  WorkPool* stream_read_pool = nullptr;
};

class App;
// One route: its method and path template, how callers prove who they are (applied once,
// before the handler; see api/dispatcher.hpp), and the handler.
struct RouteDef {
  Method method;
  std::string_view path;
  AuthScheme auth;
  void (App::*handler)(Request&, Responder);
};

// Each area declares its routes in its own *_routes.cpp; a new area adds its file, a function
// here and one line in app.cpp's list of areas.
std::span<const RouteDef> ops_routes();
std::span<const RouteDef> identity_routes();
std::span<const RouteDef> device_routes();
std::span<const RouteDef> sharing_routes();
std::span<const RouteDef> feed_routes();
std::span<const RouteDef> keys_routes();
std::span<const RouteDef> link_routes();
std::span<const RouteDef> screen_routes();
std::span<const RouteDef> car_routes();
std::span<const RouteDef> key_share_routes();
std::span<const RouteDef> ocpp_routes();
std::span<const RouteDef> antitheft_routes();
std::span<const RouteDef> publisher_routes();

// Every route the server answers, area by area (also printed by `paddock routes`).
std::span<const RouteDef> route_table();
// Distinct route templates in table order: the metrics' route label values.
std::vector<std::string> route_templates();

class App {
 public:
  explicit App(Services services);

  // Routes the request, applies the route's authentication scheme, and eventually calls
  // `respond` exactly once. Returns the route index (into route_templates(), or its size when
  // nothing matched) for metrics.
  std::size_t dispatch(Request& request, Responder respond);

  // Handlers (one per route; defined in *_routes.cpp by area).
  void healthz(Request&, Responder);
  void readyz(Request&, Responder);
  void metrics(Request&, Responder);
  void create_user(Request&, Responder);
  void create_session(Request&, Responder);
  void delete_current_session(Request&, Responder);
  void get_me(Request&, Responder);
  void create_device(Request&, Responder);
  void list_devices(Request&, Responder);
  void delete_device(Request&, Responder);
  void create_device_challenge(Request&, Responder);
  void verify_device(Request&, Responder);
  void find_user(Request&, Responder);
  void create_vehicle(Request&, Responder);
  void list_vehicles(Request&, Responder);
  void get_vehicle(Request&, Responder);
  void update_vehicle(Request&, Responder);
  void delete_vehicle(Request&, Responder);
  void transfer_vehicle(Request&, Responder);
  void put_authorized_user(Request&, Responder);
  void delete_authorized_user(Request&, Responder);
  void create_message(Request&, Responder);
  void list_messages(Request&, Responder);
  void update_message(Request&, Responder);
  void delete_message(Request&, Responder);
  void list_followers(Request&, Responder);
  void moderate_follower(Request&, Responder);
  void remove_follower(Request&, Responder);
  void create_follow_request(Request&, Responder);
  void create_follow(Request&, Responder);
  void list_follows(Request&, Responder);
  void update_follow(Request&, Responder);
  void delete_follow(Request&, Responder);
  void get_feed(Request&, Responder);
  void open_websocket_stream(Request&, Responder);
  void open_event_source(Request&, Responder);
  void put_contact(Request&, Responder);
  void list_contacts(Request&, Responder);
  void delete_contact(Request&, Responder);
  void list_issuer_keys(Request&, Responder);
  void create_link(Request&, Responder);
  void list_links(Request&, Responder);
  void delete_link(Request&, Responder);
  void refresh_link(Request&, Responder);
  void watch_link(Request&, Responder);
  void link_qr_svg(Request&, Responder);
  void link_qr_png(Request&, Responder);
  void link_qr_text(Request&, Responder);
  void claim_link(Request&, Responder);
  void approve_link(Request&, Responder);
  void deny_link(Request&, Responder);
  void push_to_device(Request&, Responder);
  void screen_sign_in(Request&, Responder);
  void screen_vehicle(Request&, Responder);
  void screen_asset(Request&, Responder);
  void create_head_unit(Request&, Responder);
  void list_head_units(Request&, Responder);
  void delete_head_unit(Request&, Responder);
  void get_revocations(Request&, Responder);
  void create_key_events(Request&, Responder);
  void create_key_share(Request&, Responder);
  void list_vehicle_keys(Request&, Responder);
  void list_key_audit(Request&, Responder);
  void get_key_share(Request&, Responder);
  void create_key_share_challenge(Request&, Responder);
  void accept_key_share(Request&, Responder);
  void decline_key_share(Request&, Responder);
  void return_key_share(Request&, Responder);
  void revoke_key_share(Request&, Responder);
  void create_charge_point(Request&, Responder);
  void list_charge_points(Request&, Responder);
  void get_charge_point(Request&, Responder);
  void call_charge_point(Request&, Responder);
  void approve_charge_point(Request&, Responder);
  void open_ocpp(Request&, Responder);
  void put_anti_theft(Request&, Responder);
  void get_anti_theft(Request&, Responder);
  void lock_vehicle(Request&, Responder);
  void unlock_vehicle(Request&, Responder);
  void get_vehicle_lock(Request&, Responder);
  void create_vehicle_platform(Request&, Responder);
  void post_telemetry(Request&, Responder);
  void register_publisher(Request&, Responder);
  void approve_publisher(Request&, Responder);
  void suspend_publisher(Request&, Responder);
  void reinstate_publisher(Request&, Responder);
  void rotate_publisher_secret(Request&, Responder);
  void put_publisher_message(Request&, Responder);
  void withdraw_publisher_message(Request&, Responder);
  void get_publisher_message_stats(Request&, Responder);
  void put_subscription(Request&, Responder);
  void list_subscriptions(Request&, Responder);
  void delete_subscription(Request&, Responder);
  void put_service_provider(Request&, Responder);
  void list_service_providers(Request&, Responder);
  void delete_service_provider(Request&, Responder);
  void get_preferences(Request&, Responder);
  void put_preferences(Request&, Responder);
  void get_inbox(Request&, Responder);
  void mark_inbox_read(Request&, Responder);

 private:
  // The principal `scheme` proves for `request`; error unauthorized otherwise.
  Result<Principal> authenticate(AuthScheme scheme, const Request& request);
  // The schemes checked off the I/O thread (Dispatcher::AuthenticateLater): charge_point.
  void authenticate_later(AuthScheme scheme, const Request& request,
                          std::function<void(Result<Principal>)> done);
  // For handlers that authenticate themselves (a route declared `none` that accepts a token):
  // answers 401 and returns nullopt unless the request carries a live session token.
  std::optional<identity::AuthContext> authenticate(const Request& request,
                                                    const Responder& respond);
  // The publisher scheme: verifies the request's RFC 9421 signature (api/publisher_routes.cpp).
  Result<publishers::SignedCall> authenticate_publisher(const Request& request);
  // The operator check of the publisher routes; false answers 403 not_operator.
  bool is_operator(const Principal& who, const Responder& respond);

  Services services_;
  Dispatcher dispatcher_;
};

// Serializes `body` as the JSON response.
Response json_response(int status, const boost::json::value& body);
// A response whose body is JSON text already written (sharing/views' message_json).
Response json_text_response(int status, std::string body);
Response empty_response(int status);

}  // namespace paddock::api
