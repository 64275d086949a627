// paddock: the command-line entry point. Wires configuration, storage, domain services, the
// API and the transport together; owns process-level concerns (exit codes, stdout contract).
#include <CLI/CLI.hpp>

#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <future>
#include <iostream>
#include <thread>

#include "antitheft/anti_theft.hpp"
#include "antitheft/lock_workflow.hpp"
#include "antitheft/telemetry.hpp"
#include "api/app.hpp"
#include "config/config.hpp"
#include "core/encoding.hpp"
#include "core/log.hpp"
#include "devices/device_service.hpp"
#include "feed/cluster_feed.hpp"
#include "feed/hub.hpp"
#include "links/key_share_context.hpp"
#include "links/publisher_message_context.hpp"
#include "links/link_service.hpp"
#include "links/vehicle_context.hpp"
#include "identity/identity_service.hpp"
#include "keys/contact_service.hpp"
#include "keys/car_sync_service.hpp"
#include "keys/issuer_keys.hpp"
#include "keys/key_share_service.hpp"
#include "keys/policy_file.hpp"
#include "metrics/metrics.hpp"
#include "ocpp/central_system.hpp"
#include "ocpp/charge_points.hpp"
#include "publishers/publisher_service.hpp"
#include "publishers/secret_sealer.hpp"
#include "sharing/sharing_service.hpp"
#include "storage/announcements.hpp"
#include "storage/postgres/pg_store.hpp"
#include "storage/sqlite/sqlite_store.hpp"
#include "transport/http_server.hpp"

namespace paddock {
namespace {

std::string database_path(const std::string& data_dir) {
  return (std::filesystem::path(data_dir) / "paddock.db").string();
}

// The configured store: PostgreSQL when `database` names it (every node on that database),
// else the embedded SQLite file in the data directory.
Result<std::unique_ptr<storage::Store>> open_configured_store(const config::Config& cfg,
                                                              std::size_t max_batch,
                                                              metrics::StorageMetrics* metrics) {
  if (storage::postgres::is_postgres_uri(cfg.database)) {
    return storage::postgres::open_store({cfg.database, max_batch, metrics});
  }
  storage::sqlite::SqliteStoreOptions options{database_path(cfg.data_dir), max_batch, metrics};
  // Tests only, and no setting: every write job runs twice (GroupCommitOptions::rehearse_jobs),
  // so that the integration tests catch a job that PostgreSQL's retry would break.
  options.rehearse_jobs = std::getenv("PADDOCK_TEST_REHEARSE_WRITES") != nullptr;
  return storage::sqlite::open_store(options);
}

// Where the data lives, for messages: the URI without its password, or the SQLite file.
std::string describe_database(const config::Config& cfg) {
  if (cfg.database.empty()) return database_path(cfg.data_dir);
  std::string shown = cfg.database;
  auto scheme = shown.find("://");
  auto at = shown.find('@');
  auto colon = shown.find(':', scheme + 3);
  if (at != std::string::npos && colon != std::string::npos && colon < at) {
    shown.replace(colon + 1, at - colon - 1, "***");
  }
  return shown;
}

// The credential-issuer keys live beside the database and are backed up with it.
std::filesystem::path issuer_keys_path(const std::string& data_dir) {
  return std::filesystem::path(data_dir) / "issuer-keys.toml";
}

// The key that seals publishers' HMAC secrets. Beside the database but not in it, so a copy of
// the database alone cannot sign as a publisher; keep it out of database-only backups.
std::filesystem::path publisher_key_path(const std::string& data_dir) {
  return std::filesystem::path(data_dir) / "publisher-secrets.key";
}

// Handler threads on PostgreSQL: each blocks on its own read connection's round trips, so a
// few per core keep the cores busy while others wait on the network.
constexpr int kPostgresHandlerThreads = 16;
// Live streams catching up from a cursor read their backlog pages on this many threads.
constexpr int kPostgresStreamReadThreads = 4;

int fail(const std::string& message) {
  std::cerr << "paddock: " << message << "\n";
  return 1;
}

// The key files beside the database must be those its rows were made with: nodes on one
// database share them (README, "Several nodes"), and a database restored without them meets new
// ones. A mismatch found at start stops the node and names the file, instead of failing one
// request in N behind the load balancer (a publisher's push answered 401 by one node; a car that
// synced its issuer keys from one node unable to verify a credential another signed).
Result<void> check_key_files_fit(storage::Store& store, const keys::IssuerKeyring& issuer_keys,
                                 const publishers::SecretSealer& sealer,
                                 const std::string& data_dir) {
  auto& reads = store.reads();
  PADDOCK_ASSIGN(kids, reads.key_shares().kids_in_use(now_millis()));
  if (auto absent = issuer_keys.missing(kids); !absent.empty()) {
    std::string named;
    for (const auto& kid : absent) named += (named.empty() ? "" : ", ") + kid;
    return make_error(Errc::invalid_field,
                      issuer_keys_path(data_dir).string() + " lacks the issuer key(s) " + named +
                          ", which signed credentials that are still valid. Put back the file "
                          "that holds them; on several nodes, which all need the same file, "
                          "copy it from the node that rotated (`paddock issuer-keys list` shows "
                          "a file's keys)",
                      "issuer_keys");
  }
  PADDOCK_ASSIGN(newest, reads.publishers().newest_secret());
  if (newest && !sealer.open_sealed(newest->sealed)) {
    return make_error(Errc::invalid_field,
                      publisher_key_path(data_dir).string() +
                          " does not open the publishers' secrets in the database: another key "
                          "sealed them. Put back the file they were sealed with (kept apart from "
                          "database backups); on several nodes, which all need the same file, "
                          "copy it from a node that serves this database",
                      "publisher_key");
  }
  return {};
}

// `paddock backup` on PostgreSQL: the database is not a file of ours to copy, so this runs
// PostgreSQL's own pg_dump (custom format, for pg_restore), which reads a consistent snapshot
// while the nodes keep writing.
int backup_postgres(const config::Config& cfg, const std::string& file) {
  std::vector<std::string> args = {"pg_dump", "--format=custom", "--file=" + file,
                                   "--dbname=" + cfg.database};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  if (posix_spawnp(&pid, "pg_dump", nullptr, nullptr, argv.data(), environ) != 0) {
    std::fprintf(stderr,
                 "paddock: the database is PostgreSQL (%s); back it up with pg_dump, which was "
                 "not found (Debian: apt install postgresql-client), or your PostgreSQL's own "
                 "backup tooling\n",
                 describe_database(cfg).c_str());
    return 1;
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return fail("pg_dump failed (its message is above); nothing was written to " + file);
  }
  std::printf("backup of %s written to %s by pg_dump (restore with pg_restore)\n",
              describe_database(cfg).c_str(), file.c_str());
  return 0;
}

// The data directory holds password and token hashes, device nonces and every message, so
// whatever the umask, what Paddock creates is its own user's only: files 0600 (SQLite gives the
// -wal and -shm files the database's mode) and directories 0700. Call before creating anything.
void keep_new_files_private() { ::umask(077); }

std::string octal_mode(std::filesystem::perms p) {
  char text[8];
  std::snprintf(text, sizeof text, "%04o", static_cast<unsigned>(p) & 07777u);
  return text;
}

// Creates the data directory 0700 when it is missing. An existing one keeps the mode its
// operator chose, but a warning says when group or others can reach it.
Result<void> prepare_data_dir(const std::string& data_dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  bool created = fs::create_directories(data_dir, ec);
  if (ec) {
    return make_error(Errc::invalid_field,
                      "cannot create data directory " + data_dir + ": " + ec.message(), "data_dir");
  }
  if (created) {
    fs::permissions(data_dir, fs::perms::owner_all, fs::perm_options::replace, ec);
    if (ec) {
      return make_error(Errc::invalid_field,
                        "cannot restrict data directory " + data_dir + ": " + ec.message(),
                        "data_dir");
    }
    return {};
  }
  auto mode = fs::status(data_dir, ec).permissions();
  if (!ec && (mode & (fs::perms::group_all | fs::perms::others_all)) != fs::perms::none) {
    log::event(log::Level::warn,
               "data directory is accessible to group or others; it holds credentials "
               "(chmod 700 it)",
               {{"data_dir", data_dir}, {"mode", octal_mode(mode)}});
  }
  return {};
}

int serve(const std::string& config_file, const config::Overrides& flags) {
  auto loaded = config::load(config_file, flags);
  if (!loaded) return fail(loaded.error().detail);
  const config::Config& cfg = *loaded;

  log::Level level = log::Level::info;
  if (!log::parse_level(cfg.log_level, level)) return fail("log_level: debug, info, warn or error");
  log::configure(cfg.log_format == "json" ? log::Format::json : log::Format::text, level);
  if (!init_crypto()) return fail("libsodium could not be initialized");

  // A policy the server cannot read or understand stops it before it serves anything.
  auto key_policy = cfg.key_policy.empty() ? keys::default_key_policy()
                                           : keys::load_key_policy(cfg.key_policy);
  if (!key_policy) return fail("key policy: " + key_policy.error().detail);
  log::event(log::Level::info, "key policy loaded",
             {{"file", cfg.key_policy.empty() ? std::string("built-in") : cfg.key_policy}});

  keep_new_files_private();
  if (auto ready = prepare_data_dir(cfg.data_dir); !ready) return fail(ready.error().detail);
  auto issuer_keys = keys::IssuerKeyring::open(issuer_keys_path(cfg.data_dir), now_millis());
  if (!issuer_keys) return fail(issuer_keys.error().detail);
  log::event(log::Level::info, "issuer keys loaded", {{"signing_kid", issuer_keys->signing_kid()}});

  auto sealer = publishers::SecretSealer::open(publisher_key_path(cfg.data_dir));
  if (!sealer) return fail(sealer.error().detail);

  metrics::Registry metrics(api::route_templates());
  // Declared before the store so that it is destroyed after it: the store's last completions
  // post to the server's io_context.
  std::unique_ptr<transport::HttpServer> server;
  auto store = open_configured_store(cfg, 1024, &metrics.storage);
  if (!store) return fail(store.error().detail);
  log::event(log::Level::info, "database open",
             {{"backend", cfg.database.empty() ? "sqlite" : "postgresql"},
              {"database", describe_database(cfg)}});
  if (auto fit = check_key_files_fit(**store, *issuer_keys, *sealer, cfg.data_dir); !fit) {
    // A PostgreSQL node may start before its database answers (not ready until it does); the
    // files then go unchecked, as they did before the check existed.
    if (fit.error().code != Errc::storage_unavailable ||
        !storage::postgres::is_postgres_uri(cfg.database)) {
      return fail(fit.error().detail);
    }
    log::event(log::Level::warn, "key files not checked against the database: it did not answer",
               {{"error", fit.error().detail}});
  }
  // What other nodes (and, on SQLite, this node's own writer) announce after their commits.
  // Modules that keep state in memory register their topics below, before the handler is set.
  storage::AnnouncementRouter announcements;

  unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  WorkPool hashing_pool(cores, "hash");
  identity::PasswordHasher hasher(*identity::parse_hash_strength(cfg.auth.password_hash),
                                  hashing_pool);
  identity::LoginLimiter limiter({cfg.auth.login_max_failures_per_user,
                                  cfg.auth.login_max_failures_per_address,
                                  cfg.auth.login_failure_window_seconds});
  limiter.share_through(**store, announcements, "login");
  identity::IdentityService identity(**store, hasher, limiter, {cfg.auth.session_ttl_seconds});
  devices::DeviceService devices(**store);
  const bool shared_database = storage::postgres::is_postgres_uri(cfg.database);
  feed::Hub hub(**store);
  if (auto loaded_feed = hub.load(); !loaded_feed) {
    // On PostgreSQL the node starts without its database (not ready) and reloads the hub when
    // its listener first connects ("resync"); one SQLite file that cannot be read is fatal.
    if (!shared_database) return fail(loaded_feed.error().detail);
    log::event(log::Level::warn, "feed: follow index not loaded yet; it loads when the database answers",
               {{"error", loaded_feed.error().detail}});
  }
  // On a database other nodes share, events reach the hub from the log and live state changes
  // travel as announcements (feed/cluster_feed); alone, the hub hears this node's commits.
  std::unique_ptr<feed::ClusterFeed> cluster;
  if (shared_database) {
    cluster = std::make_unique<feed::ClusterFeed>(**store, hub);
    if (auto started = cluster->start(announcements); !started) {
      return fail(started.error().detail);
    }
  } else {
    // Alone, the hub hears every commit after this one: nothing is served before it.
    auto head = (*store)->reads().events().last_event_seq();
    if (!head) return fail(head.error().detail);
    hub.delivers_after(*head);
  }
  sharing::LiveFeed& live_feed = cluster ? static_cast<sharing::LiveFeed&>(*cluster) : hub;
  events::LiveEvents& live = cluster ? static_cast<events::LiveEvents&>(*cluster) : hub;
  events::LiveNotices& notices = cluster ? static_cast<events::LiveNotices&>(*cluster) : hub;
  sharing::SharingService sharing(**store, live_feed);
  keys::ContactService contacts(**store);
  keys::CarSyncService car_sync(**store, *issuer_keys, live);
  keys::KeyShareService key_shares(**store, *key_policy, *issuer_keys, live);
  publishers::PublisherService publisher_hub(
      **store, *sealer, &notices,
      {cfg.publisher_pushes_per_minute, cfg.publisher_daily_quota});
  publisher_hub.share_limits_through(announcements);
  hub.on_reach([&publisher_hub](const std::string& counted_as,
                                std::span<const std::string_view> users) {
    publisher_hub.record_reach(counted_as, users);
  });
  devices.set_removal_hook(&key_shares);
  // Both hooks run in the transfer's write job; the first error rolls the transfer back.
  struct TransferHooks final : sharing::VehicleTransferHook {
    std::vector<sharing::VehicleTransferHook*> hooks;
    Result<void> on_vehicle_transferred(storage::Writes& w, const std::string& vehicle_id,
                                        const std::string& old_owner_id,
                                        std::vector<storage::EventRecord>& events) override {
      for (auto* hook : hooks) {
        PADDOCK_TRY(hook->on_vehicle_transferred(w, vehicle_id, old_owner_id, events));
      }
      return {};
    }
  } transfer_hooks;
  transfer_hooks.hooks = {&key_shares, &publisher_hub};
  sharing.set_transfer_hook(&transfer_hooks);
  links::WatchHub link_watch;
  // Context kinds a share/handoff link can carry: one source each.
  links::ContextSources link_contexts{
      std::make_shared<links::VehicleContext>(**store, sharing),
      std::make_shared<links::KeyShareContext>(key_shares),
      std::make_shared<links::PublisherMessageContext>(**store, publisher_hub)};
  links::LinkOptions link_options;
  link_options.public_base_url = cfg.public_base_url;
  link_options.secret_ttl_seconds = cfg.link_secret_ttl_seconds;
  links::LinkService link_service(**store, live, link_watch, std::move(link_contexts),
                                  link_options);
  link_service.share_limits_through(announcements);
  // Charge point passwords fail like logins: limited per (pile, address) and per address.
  identity::LoginLimiter charge_point_limiter({cfg.auth.login_max_failures_per_user,
                                               cfg.auth.login_max_failures_per_address,
                                               cfg.auth.login_failure_window_seconds});
  charge_point_limiter.share_through(**store, announcements, "pile_login");
  ocpp::ChargePointService charge_points(**store, hasher, charge_point_limiter);
  antitheft::AntiTheftService antitheft(**store);
  ocpp::CentralSystem central_system(**store, ocpp::CentralSystemOptions{}, &live);
  // The owner's password re-check is limited together with their logins.
  antitheft::LockWorkflow locks(**store, hasher, limiter, &live, central_system);
  central_system.set_pile_events(&locks);
  locks.listen(announcements);
  antitheft::TelemetryService telemetry(**store, &live, &locks);
  // Streams' backlog pages on PostgreSQL: read off the I/O threads (feed::FeedStream).
  std::unique_ptr<WorkPool> stream_reads =
      shared_database ? std::make_unique<WorkPool>(kPostgresStreamReadThreads, "reads") : nullptr;
  api::App app({**store, identity, devices, sharing, hub, metrics, contacts, *key_policy,
                *issuer_keys, car_sync, key_shares, link_service, link_watch, publisher_hub,
                cfg.publishers_auto_approve, &charge_points,
                &central_system, &antitheft, &locks, &telemetry, &live, stream_reads.get()});

  (*store)->set_announcement_handler(
      [&announcements](const std::string& topic, const std::string& payload) {
        announcements(topic, payload);
      });

  server = std::make_unique<transport::HttpServer>(
      transport::ServerOptions{.listen = cfg.listen,
                               .threads = cfg.threads,
                               .limits = cfg.limits,
                               .trusted_proxies = cfg.trusted_proxies,
                               // PostgreSQL reads are network round trips: off the I/O threads.
                               .handler_threads = shared_database ? kPostgresHandlerThreads : 0},
      app, metrics.http);
  auto bound = server->bind();
  if (!bound) return fail(bound.error().detail);
  // The one line on stdout: tests and scripts read the port from it.
  std::printf("listening on %s\n", bound->c_str());
  std::fflush(stdout);
  log::event(log::Level::info, "serving",
             {{"address", *bound}, {"data_dir", cfg.data_dir}, {"pid", std::to_string(::getpid())}});
  server->run();
  // Order matters from here. Password hashes still queued are dropped (their requests' clients
  // are gone with the I/O threads; a long queue must not outlast the grace period), the ones
  // running finish and submit their writes. Then the writer drains while the services its
  // completions call into are alive; then the connections that outlived the grace period are
  // freed (their handlers unsubscribe from the hub) before the hub and the services go.
  hashing_pool.stop(/*discard_queued=*/true);
  if (stream_reads) stream_reads->stop(/*discard_queued=*/true);
  hub.on_reach({});  // no statistics write may reach the store once it starts closing
  hub.drain();
  store->reset();
  server.reset();
  log::event(log::Level::info, "stopped");
  return 0;
}

}  // namespace
}  // namespace paddock

int main(int argc, char** argv) {
  using namespace paddock;
  CLI::App cli{"Paddock: a connected-vehicle information-sharing server"};
  cli.require_subcommand(1);

  config::Overrides flags;
  std::string config_file;
  auto* serve_cmd = cli.add_subcommand("serve", "Run the HTTP server");
  auto flag = [&](CLI::App* cmd, const char* name, const char* key, const char* help) {
    cmd->add_option_function<std::string>(
        name, [&flags, key](const std::string& v) { flags[key] = v; }, help);
  };
  serve_cmd->add_option("--config", config_file, "TOML configuration file (env PADDOCK_CONFIG)");
  flag(serve_cmd, "--listen", "LISTEN", "HOST:PORT to listen on; port 0 picks a free port");
  flag(serve_cmd, "--data-dir", "DATA_DIR", "directory holding paddock.db");
  flag(serve_cmd, "--database", "DATABASE",
       "postgresql://... to share one PostgreSQL database between nodes; default: SQLite in DATA_DIR");
  flag(serve_cmd, "--log-format", "LOG_FORMAT", "text or json");
  flag(serve_cmd, "--log-level", "LOG_LEVEL", "debug, info, warn or error");
  flag(serve_cmd, "--threads", "THREADS", "I/O threads; 0 means one per core");
  flag(serve_cmd, "--max-connections-per-address", "MAX_CONNECTIONS_PER_ADDRESS",
       "connections one client address (IPv6: one /64) may hold");
  flag(serve_cmd, "--first-byte-timeout-seconds", "FIRST_BYTE_TIMEOUT_SECONDS",
       "seconds a new connection may stay silent before it is closed");
  flag(serve_cmd, "--trusted-proxies", "TRUSTED_PROXIES",
       "comma-separated addresses/CIDR blocks that must send a PROXY protocol header");
  flag(serve_cmd, "--key-policy", "KEY_POLICY",
       "key policy TOML file (docs/key-policy.md); default: the built-in policy");

  auto* migrate_cmd = cli.add_subcommand("migrate", "Apply database migrations and exit");
  flag(migrate_cmd, "--data-dir", "DATA_DIR", "directory holding paddock.db");
  flag(migrate_cmd, "--database", "DATABASE", "postgresql://...; default: SQLite in DATA_DIR");
  migrate_cmd->add_option("--config", config_file, "TOML configuration file");

  std::string backup_file;
  auto* backup_cmd = cli.add_subcommand("backup", "Copy the database while the server runs");
  backup_cmd->add_option("FILE", backup_file, "destination file")->required();
  flag(backup_cmd, "--data-dir", "DATA_DIR", "directory holding paddock.db");
  flag(backup_cmd, "--database", "DATABASE", "postgresql://...; default: SQLite in DATA_DIR");
  backup_cmd->add_option("--config", config_file, "TOML configuration file");

  auto* issuer_cmd = cli.add_subcommand(
      "issuer-keys", "Show or rotate the credential-issuer keys (rotation applies at restart)");
  issuer_cmd->require_subcommand(1);
  auto* issuer_list_cmd = issuer_cmd->add_subcommand("list", "Print the published keys");
  auto* issuer_rotate_cmd =
      issuer_cmd->add_subcommand("rotate", "Add a signing key; the old one stays published");
  for (auto* cmd : {issuer_list_cmd, issuer_rotate_cmd}) {
    flag(cmd, "--data-dir", "DATA_DIR", "directory holding issuer-keys.toml");
    flag(cmd, "--database", "DATABASE", "postgresql://... (to keep keys still in use listed)");
    cmd->add_option("--config", config_file, "TOML configuration file");
  }
  std::string operator_name;
  auto* users_cmd = cli.add_subcommand("users", "Manage user roles");
  users_cmd->require_subcommand(1);
  auto* grant_operator_cmd =
      users_cmd->add_subcommand("grant-operator", "Let a user register charge points (OCPP)");
  grant_operator_cmd->add_option("USERNAME", operator_name, "the user's username")->required();
  flag(grant_operator_cmd, "--data-dir", "DATA_DIR", "directory holding paddock.db");
  flag(grant_operator_cmd, "--database", "DATABASE", "postgresql://...; default: SQLite in DATA_DIR");
  grant_operator_cmd->add_option("--config", config_file, "TOML configuration file");

  std::string publisher_ref;
  auto* publishers_cmd = cli.add_subcommand(
      "publishers", "Approve, suspend or reinstate a publisher (on the database directly)");
  publishers_cmd->require_subcommand(1);
  std::vector<CLI::App*> publisher_actions;
  for (auto [name, help] : {std::pair{"approve", "Approve a pending registration; prints the id and secret once"},
                            std::pair{"suspend", "Suspend an active publisher"},
                            std::pair{"reinstate", "Reinstate a suspended publisher"}}) {
    auto* cmd = publishers_cmd->add_subcommand(name, help);
    cmd->add_option("ID", publisher_ref, "registration id (reg_...) or publisher id")->required();
    flag(cmd, "--data-dir", "DATA_DIR", "directory holding paddock.db");
    flag(cmd, "--database", "DATABASE", "postgresql://...; default: SQLite in DATA_DIR");
    cmd->add_option("--config", config_file, "TOML configuration file");
    publisher_actions.push_back(cmd);
  }

  auto* version_cmd = cli.add_subcommand("version", "Print the version");
  auto* routes_cmd = cli.add_subcommand("routes", "Print every HTTP route, one per line");

  CLI11_PARSE(cli, argc, argv);

  if (serve_cmd->parsed()) return serve(config_file, flags);
  if (version_cmd->parsed()) {
    std::printf("paddock %s\n", PADDOCK_VERSION);
    return 0;
  }
  if (routes_cmd->parsed()) {
    for (const auto& r : api::route_table()) {
      std::printf("%s %s\n", std::string(api::method_name(r.method)).c_str(),
                  std::string(r.path).c_str());
    }
    return 0;
  }
  auto loaded = config::load(config_file, flags);
  if (!loaded) return fail(loaded.error().detail);
  // stdout carries the one result line; warnings go to stderr.
  log::configure(log::Format::text, log::Level::warn);
  keep_new_files_private();
  std::string db = database_path(loaded->data_dir);
  const bool postgres = storage::postgres::is_postgres_uri(loaded->database);
  if (migrate_cmd->parsed()) {
    if (auto ready = prepare_data_dir(loaded->data_dir); !ready) return fail(ready.error().detail);
    if (postgres) {
      // Every node also migrates at start (one at a time, under an advisory lock); this runs
      // them ahead of a rolling upgrade.
      auto version = storage::postgres::migrate_database(loaded->database);
      if (!version) return fail(version.error().detail);
      std::printf("schema version %d (PostgreSQL %s)\n", *version,
                  describe_database(*loaded).c_str());
      return 0;
    }
    auto version = storage::sqlite::migrate_database(db);
    if (!version) return fail(version.error().detail);
    std::printf("schema version %d\n", *version);
    return 0;
  }
  if (issuer_cmd->parsed()) {
    if (!init_crypto()) return fail("libsodium could not be initialized");
    if (auto ready = prepare_data_dir(loaded->data_dir); !ready) return fail(ready.error().detail);
    auto file = issuer_keys_path(loaded->data_dir);
    if (issuer_rotate_cmd->parsed()) {
      // A first rotation on a fresh directory creates the first key, then rotates it.
      if (auto ring = keys::IssuerKeyring::open(file, now_millis()); !ring) {
        return fail(ring.error().detail);
      }
      // Keys whose credentials are still valid stay in the file past their window.
      std::vector<std::string> in_use;
      if (postgres || std::filesystem::exists(db)) {
        auto store = open_configured_store(*loaded, 1, nullptr);
        if (!store) return fail(store.error().detail);
        auto kids = (*store)->reads().key_shares().kids_in_use(now_millis());
        if (!kids) return fail(kids.error().detail);
        in_use = std::move(*kids);
      }
      auto kid = keys::IssuerKeyring::rotate(file, now_millis(), in_use);
      if (!kid) return fail(kid.error().detail);
      std::printf("signing key %s (restart the server to sign with it)\n", kid->c_str());
      return 0;
    }
    if (!std::filesystem::exists(file)) {
      return fail("no issuer keys in " + loaded->data_dir + " yet; the server creates them at start");
    }
    auto ring = keys::IssuerKeyring::open(file, now_millis());
    if (!ring) return fail(ring.error().detail);
    // Retired keys whose credentials are still valid stay listed, as GET /v1/issuer-keys does.
    std::vector<std::string> in_use;
    if (postgres || std::filesystem::exists(db)) {
      auto store = open_configured_store(*loaded, 1, nullptr);
      if (!store) return fail(store.error().detail);
      auto kids = (*store)->reads().key_shares().kids_in_use(now_millis());
      if (!kids) return fail(kids.error().detail);
      in_use = std::move(*kids);
    }
    for (const auto& k : ring->published(now_millis(), in_use)) {
      std::string line = k.kid + " " + base64url_encode(k.public_key) + " created " +
                         format_rfc3339(k.created_at);
      if (k.retired_at) line += " retired " + format_rfc3339(*k.retired_at);
      std::printf("%s\n", line.c_str());
    }
    return 0;
  }
  if (grant_operator_cmd->parsed()) {
    if (!init_crypto()) return fail("libsodium could not be initialized");
    auto store = open_configured_store(*loaded, 1, nullptr);
    if (!store) return fail(store.error().detail);
    WorkPool unused_pool(1, "unused");
    identity::PasswordHasher hasher(identity::HashStrength::min, unused_pool);
    identity::LoginLimiter limiter({});
    ocpp::ChargePointService charge_points(**store, hasher, limiter);
    std::promise<Result<std::string>> granted;
    charge_points.grant_operator(operator_name, [&granted](Result<std::string> id) {
      granted.set_value(std::move(id));
    });
    auto id = granted.get_future().get();
    if (!id) return fail(id.error().detail);
    std::printf("%s (%s) is an operator\n", operator_name.c_str(), id->c_str());
    return 0;
  }
  if (publishers_cmd->parsed()) {
    if (!init_crypto()) return fail("libsodium could not be initialized");
    if (auto ready = prepare_data_dir(loaded->data_dir); !ready) return fail(ready.error().detail);
    auto sealer = publishers::SecretSealer::open(publisher_key_path(loaded->data_dir));
    if (!sealer) return fail(sealer.error().detail);
    auto store = open_configured_store(*loaded, 16, nullptr);
    if (!store) return fail(store.error().detail);
    // No hub in this process: a running server's receivers see the change when they sync.
    publishers::PublisherService service(**store, *sealer, nullptr);
    std::promise<Result<publishers::Approval>> promise;
    auto finished = promise.get_future();
    auto deliver = [&promise](Result<publishers::PublisherRecord> r) {
      if (!r) return promise.set_value(r.take_error());
      promise.set_value(publishers::Approval{std::move(*r), std::nullopt});
    };
    if (publisher_actions[0]->parsed()) {
      service.approve(publisher_ref, [&promise](Result<publishers::Approval> r) {
        promise.set_value(std::move(r));
      });
    } else if (publisher_actions[1]->parsed()) {
      service.suspend(publisher_ref, deliver);
    } else {
      service.reinstate(publisher_ref, deliver);
    }
    auto done = finished.get();
    store->reset();
    if (!done) return fail(done.error().detail);
    std::printf("%s %s %s\n", done->publisher.id.value_or("-").c_str(),
                done->publisher.registration_id.c_str(), done->publisher.status.c_str());
    if (done->secret) std::printf("secret %s (shown once)\n", done->secret->c_str());
    return 0;
  }
  if (backup_cmd->parsed()) {
    if (postgres) return backup_postgres(*loaded, backup_file);
    auto ok = storage::sqlite::backup_database(db, backup_file);
    if (!ok) return fail(ok.error().detail);
    // The umask covers a new file; one that already existed is narrowed too: it is a copy of
    // the database.
    std::error_code ec;
    std::filesystem::permissions(
        backup_file, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write,
        std::filesystem::perm_options::replace, ec);
    if (ec) return fail("cannot restrict " + backup_file + ": " + ec.message());
    std::printf("backup written to %s\n", backup_file.c_str());
    return 0;
  }
  return 0;
}
