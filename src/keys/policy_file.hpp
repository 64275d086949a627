#pragma once
// keys/policy_file: reads the key policy (task templates and relationship rows) from the
// operator's TOML file, documented in docs/key-policy.md, and refuses anything it does not
// understand with an error naming the file, the table and the key. The default policy
// (config/key-policy.toml) is compiled in. The only I/O of keys/. Depends on toml++.
#include <string>
#include <string_view>

#include "core/result.hpp"
#include "keys/policy.hpp"

namespace paddock::keys {

// Parses policy text; `source` names it in errors. Error: invalid_field, detail
// "<source>: [<table>] <key>: <what is wrong>".
Result<KeyPolicy> parse_key_policy(std::string_view text, std::string_view source);
// Reads and parses the file at `path`.
Result<KeyPolicy> load_key_policy(const std::string& path);
// The compiled-in default (config/key-policy.toml).
std::string_view default_key_policy_text();
Result<KeyPolicy> default_key_policy();

}  // namespace paddock::keys
