#pragma once
// config: the one struct every limit and setting is read from, and how it is assembled.
// Precedence, lowest to highest: built-in default < TOML file < PADDOCK_* environment < flags.
// Depends only on core.
#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"

namespace paddock::config {

struct Limits {
  std::size_t max_body_bytes = 1 << 20;
  std::size_t max_header_bytes = 16 * 1024;
  int read_timeout_seconds = 15;   // a whole request (head and body) must arrive within this
  int idle_timeout_seconds = 60;   // a keep-alive connection may sit idle this long
  int max_connections = 10000;
  // One address (an IPv4 address, an IPv6 /64) may hold at most this many connections, so that
  // one client cannot take every slot; behind a trusted proxy it is the client the proxy names.
  int max_connections_per_address = 256;
  // A connection that has sent nothing yet (no PROXY header, no request) is closed after this;
  // once a request has completed, idle_timeout_seconds applies between requests.
  int first_byte_timeout_seconds = 10;
};

// An IP address or CIDR block ("10.0.0.0/8", "2001:db8::/32", "127.0.0.1"). IPv4 is held in its
// IPv4-mapped IPv6 form (::ffff:a.b.c.d), so one comparison covers both families.
struct AddressRange {
  std::array<std::uint8_t, 16> network{};  // host bits are zero
  int prefix_bits = 128;                   // of the 128-bit form

  // True iff `address` (16 bytes, IPv4 mapped) lies in the range.
  bool contains(const std::array<std::uint8_t, 16>& address) const;
};

// Parses one address or CIDR block; host bits past the prefix are ignored. Returns
// invalid_field naming `trusted_proxies` when `text` is neither.
Result<AddressRange> parse_address_range(std::string_view text);

struct Auth {
  int session_ttl_seconds = 30 * 24 * 3600;
  int login_max_failures_per_user = 5;
  int login_max_failures_per_address = 50;
  int login_failure_window_seconds = 900;
  std::string password_hash = "interactive";  // interactive | moderate | min (tests only)
};

struct Config {
  std::string listen = "127.0.0.1:8080";
  std::string data_dir = "./var";
  // Empty: the embedded SQLite database, DATA_DIR/paddock.db. A postgresql:// URI: that
  // PostgreSQL database, shared by every node (the data directory still holds the keys).
  std::string database;
  std::string log_format = "text";  // text | json
  std::string log_level = "info";
  int threads = 0;                  // 0: one I/O thread per core
  Limits limits;
  Auth auth;
  // Peers allowed to (and then required to) begin each connection with a PROXY protocol header
  // naming the real client. Empty: no peer is trusted and every connection is plain HTTP.
  std::vector<AddressRange> trusted_proxies;
  // The key policy file (docs/key-policy.md); empty: the built-in config/key-policy.toml.
  std::string key_policy;
  // The URL phones use to reach this server, put into link QR codes (links/); empty: the
  // Host the asking terminal used.
  std::string public_base_url;
  // How long a link's secret (its QR code) stays valid; RFC 8628 §5.2 advises short.
  int link_secret_ttl_seconds = 60;
  // The development mode that approves publisher registrations at once (operators, granted with
  // `paddock users grant-operator`, approve them otherwise).
  bool publishers_auto_approve = false;
  int publisher_pushes_per_minute = 600;     // per publisher (a token bucket)
  int publisher_daily_quota = 100000;        // pushes per publisher per UTC day
};

// Settings given on the command line, keyed like the environment variables without the prefix
// ("LISTEN", "DATA_DIR", ...). Only the ones the user actually passed are present.
using Overrides = std::map<std::string, std::string>;

// Assembles the configuration. `config_file` may be empty (then PADDOCK_CONFIG is consulted).
// Returns an invalid_field error naming the setting when a value cannot be used.
Result<Config> load(const std::string& config_file, const Overrides& flags);

// Checks ranges and enumerations; load() calls it.
Result<void> validate(const Config& config);

}  // namespace paddock::config
