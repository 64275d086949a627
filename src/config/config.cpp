#include "config/config.hpp"

#include <arpa/inet.h>

#include <charconv>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <vector>

#include <toml++/toml.h>

namespace paddock::config {
namespace {

// One row per setting: its environment/flag key, its TOML path, and how to store a text value.
struct Setting {
  const char* key;        // PADDOCK_<key> in the environment
  const char* toml_path;  // dotted path in the TOML file
  std::function<bool(Config&, const std::string&)> assign;
};

bool parse_int(const std::string& text, int& out) {
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, out);
  return ec == std::errc() && ptr == end;
}


std::function<bool(Config&, const std::string&)> text(std::string Config::*member) {
  return [member](Config& c, const std::string& v) {
    c.*member = v;
    return true;
  };
}
std::function<bool(Config&, const std::string&)> number(int Config::*member) {
  return [member](Config& c, const std::string& v) { return parse_int(v, c.*member); };
}
std::function<bool(Config&, const std::string&)> limit(int Limits::*member) {
  return [member](Config& c, const std::string& v) { return parse_int(v, c.limits.*member); };
}
std::function<bool(Config&, const std::string&)> byte_limit(std::size_t Limits::*member) {
  return [member](Config& c, const std::string& v) {
    int n = 0;
    if (!parse_int(v, n) || n < 0) return false;
    c.limits.*member = static_cast<std::size_t>(n);
    return true;
  };
}
std::function<bool(Config&, const std::string&)> auth(int Auth::*member) {
  return [member](Config& c, const std::string& v) { return parse_int(v, c.auth.*member); };
}

// A comma-separated list (environment, flags, or a TOML array joined by toml_value_as_text).
bool assign_trusted_proxies(Config& c, const std::string& v) {
  std::vector<AddressRange> ranges;
  std::string_view rest = v;
  while (!rest.empty()) {
    auto comma = rest.find(',');
    std::string_view item = rest.substr(0, comma);
    rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (item.empty()) continue;
    auto range = parse_address_range(item);
    if (!range) return false;
    ranges.push_back(*range);
  }
  c.trusted_proxies = std::move(ranges);
  return true;
}

const std::vector<Setting>& settings() {
  static const std::vector<Setting> kSettings = {
      {"LISTEN", "listen", text(&Config::listen)},
      {"DATA_DIR", "data_dir", text(&Config::data_dir)},
      {"DATABASE", "database", text(&Config::database)},
      {"LOG_FORMAT", "log_format", text(&Config::log_format)},
      {"LOG_LEVEL", "log_level", text(&Config::log_level)},
      {"THREADS", "threads", number(&Config::threads)},
      {"MAX_BODY_BYTES", "limits.max_body_bytes", byte_limit(&Limits::max_body_bytes)},
      {"MAX_HEADER_BYTES", "limits.max_header_bytes", byte_limit(&Limits::max_header_bytes)},
      {"READ_TIMEOUT_SECONDS", "limits.read_timeout_seconds", limit(&Limits::read_timeout_seconds)},
      {"IDLE_TIMEOUT_SECONDS", "limits.idle_timeout_seconds", limit(&Limits::idle_timeout_seconds)},
      {"MAX_CONNECTIONS", "limits.max_connections", limit(&Limits::max_connections)},
      {"MAX_CONNECTIONS_PER_ADDRESS", "limits.max_connections_per_address",
       limit(&Limits::max_connections_per_address)},
      {"FIRST_BYTE_TIMEOUT_SECONDS", "limits.first_byte_timeout_seconds",
       limit(&Limits::first_byte_timeout_seconds)},
      {"TRUSTED_PROXIES", "trusted_proxies", assign_trusted_proxies},
      {"KEY_POLICY", "key_policy", text(&Config::key_policy)},
      {"PUBLIC_BASE_URL", "public_base_url", text(&Config::public_base_url)},
      {"LINK_SECRET_TTL_SECONDS", "link_secret_ttl_seconds",
       number(&Config::link_secret_ttl_seconds)},
      {"PUBLISHER_PUSHES_PER_MINUTE", "publishers.pushes_per_minute",
       number(&Config::publisher_pushes_per_minute)},
      {"PUBLISHER_DAILY_QUOTA", "publishers.daily_quota", number(&Config::publisher_daily_quota)},
      {"PUBLISHERS_AUTO_APPROVE", "publishers.auto_approve",
       [](Config& c, const std::string& v) {
         if (v != "true" && v != "false") return false;
         c.publishers_auto_approve = v == "true";
         return true;
       }},
      {"SESSION_TTL_SECONDS", "auth.session_ttl_seconds", auth(&Auth::session_ttl_seconds)},
      {"LOGIN_MAX_FAILURES_PER_USER", "auth.login_max_failures_per_user",
       auth(&Auth::login_max_failures_per_user)},
      {"LOGIN_MAX_FAILURES_PER_ADDRESS", "auth.login_max_failures_per_address",
       auth(&Auth::login_max_failures_per_address)},
      {"LOGIN_FAILURE_WINDOW_SECONDS", "auth.login_failure_window_seconds",
       auth(&Auth::login_failure_window_seconds)},
      {"PASSWORD_HASH", "auth.password_hash",
       [](Config& c, const std::string& v) {
         c.auth.password_hash = v;
         return true;
       }},
  };
  return kSettings;
}

Error bad_setting(const std::string& where, const std::string& name, const std::string& value) {
  return make_error(Errc::invalid_field,
                    "setting " + name + " from " + where + " has an unusable value '" + value + "'",
                    name);
}

template <class View>
std::optional<std::string> toml_value_as_text(const View& node) {
  if (auto s = node.template value<std::string>()) return *s;
  if (auto i = node.template value<int64_t>()) return std::to_string(*i);
  if (auto b = node.template value<bool>()) return *b ? "true" : "false";
  if (auto* array = node.as_array()) {
    std::string joined;
    for (const auto& element : *array) {
      auto s = element.template value<std::string>();
      if (!s || s->find(',') != std::string::npos) return std::nullopt;
      if (!joined.empty()) joined += ',';
      joined += *s;
    }
    return joined;
  }
  return std::nullopt;
}

}  // namespace

bool AddressRange::contains(const std::array<std::uint8_t, 16>& address) const {
  int bits = prefix_bits;
  for (std::size_t i = 0; i < 16 && bits > 0; ++i, bits -= 8) {
    std::uint8_t mask = bits >= 8 ? 0xFF : static_cast<std::uint8_t>(0xFF << (8 - bits));
    if ((address[i] & mask) != network[i]) return false;
  }
  return true;
}

Result<AddressRange> parse_address_range(std::string_view text) {
  auto bad = [&] {
    return make_error(
        Errc::invalid_field,
        "trusted_proxies: '" + std::string(text) + "' is not an IP address or CIDR block",
        "trusted_proxies");
  };
  std::string address(text.substr(0, text.find('/')));
  AddressRange range;
  int max_bits = 0;
  if (in_addr v4{}; inet_pton(AF_INET, address.c_str(), &v4) == 1) {
    range.network[10] = range.network[11] = 0xFF;
    std::memcpy(range.network.data() + 12, &v4, 4);
    max_bits = 32;
  } else if (in6_addr v6{}; inet_pton(AF_INET6, address.c_str(), &v6) == 1) {
    std::memcpy(range.network.data(), &v6, 16);
    max_bits = 128;
  } else {
    return bad();
  }
  int bits = max_bits;
  if (auto slash = text.find('/'); slash != std::string_view::npos) {
    std::string digits(text.substr(slash + 1));
    if (digits.empty() || digits.size() > 3 || !parse_int(digits, bits) || bits < 0 ||
        bits > max_bits) {
      return bad();
    }
  }
  range.prefix_bits = bits + (128 - max_bits);
  int keep = range.prefix_bits;
  for (auto& byte : range.network) {
    if (keep <= 0) {
      byte = 0;
    } else if (keep < 8) {
      byte &= static_cast<std::uint8_t>(0xFF << (8 - keep));
    }
    keep -= 8;
  }
  return range;
}

Result<void> validate(const Config& c) {
  auto bad = [](const char* field, const std::string& why) {
    return make_error(Errc::invalid_field, std::string(field) + ": " + why, field);
  };
  if (c.log_format != "text" && c.log_format != "json") return bad("log_format", "text or json");
  if (c.threads < 0 || c.threads > 256) return bad("threads", "0 to 256");
  if (c.publisher_pushes_per_minute < 1) return bad("publishers.pushes_per_minute", "at least 1");
  if (c.publisher_daily_quota < 1) return bad("publishers.daily_quota", "at least 1");
  if (c.limits.max_body_bytes < 64) return bad("limits.max_body_bytes", "at least 64");
  if (c.limits.max_header_bytes < 1024) return bad("limits.max_header_bytes", "at least 1024");
  if (c.limits.read_timeout_seconds < 1) return bad("limits.read_timeout_seconds", "at least 1");
  if (c.limits.idle_timeout_seconds < 1) return bad("limits.idle_timeout_seconds", "at least 1");
  if (c.limits.max_connections < 1) return bad("limits.max_connections", "at least 1");
  if (c.limits.max_connections_per_address < 1) {
    return bad("limits.max_connections_per_address", "at least 1");
  }
  if (c.limits.first_byte_timeout_seconds < 1) {
    return bad("limits.first_byte_timeout_seconds", "at least 1");
  }
  if (c.auth.session_ttl_seconds < 1) return bad("auth.session_ttl_seconds", "at least 1");
  if (c.auth.login_max_failures_per_user < 1 || c.auth.login_max_failures_per_address < 1 ||
      c.auth.login_failure_window_seconds < 1) {
    return bad("auth.login_max_failures_per_user", "login limits must be at least 1");
  }
  const auto& ph = c.auth.password_hash;
  if (ph != "interactive" && ph != "moderate" && ph != "min") {
    return bad("auth.password_hash", "interactive, moderate or min");
  }
  if (c.listen.rfind(':') == std::string::npos) return bad("listen", "HOST:PORT");
  if (c.link_secret_ttl_seconds < 1 || c.link_secret_ttl_seconds > 3600) {
    return bad("link_secret_ttl_seconds", "1 to 3600");
  }
  if (!c.database.empty() && !c.database.starts_with("postgresql://") &&
      !c.database.starts_with("postgres://")) {
    return bad("database",
               "a postgresql:// URI, or empty for the embedded SQLite database in data_dir");
  }
  return {};
}

Result<Config> load(const std::string& config_file, const Overrides& flags) {
  Config config;
  std::string file = config_file;
  if (file.empty()) {
    if (const char* env = std::getenv("PADDOCK_CONFIG")) file = env;
  }
  if (!file.empty()) {
    toml::table table;
    try {
      table = toml::parse_file(file);
    } catch (const toml::parse_error& e) {
      return make_error(Errc::invalid_field,
                        "cannot read config file " + file + ": " + std::string(e.description()),
                        "config");
    }
    for (const auto& s : settings()) {
      auto node = table.at_path(s.toml_path);
      if (!node) continue;
      auto value = toml_value_as_text(node);
      if (!value || !s.assign(config, *value)) return bad_setting(file, s.toml_path, value.value_or("?"));
    }
  }
  for (const auto& s : settings()) {
    std::string env_name = std::string("PADDOCK_") + s.key;
    if (const char* env = std::getenv(env_name.c_str())) {
      if (!s.assign(config, env)) return bad_setting("the environment", env_name, env);
    }
  }
  for (const auto& s : settings()) {
    auto it = flags.find(s.key);
    if (it != flags.end() && !s.assign(config, it->second)) {
      return bad_setting("the command line", s.toml_path, it->second);
    }
  }
  if (auto ok = validate(config); !ok) return ok.take_error();
  return config;
}

}  // namespace paddock::config
