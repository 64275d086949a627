#include "keys/policy_file.hpp"

#include <fstream>
#include <sstream>

#include <toml++/toml.h>

namespace paddock::keys {
namespace {

// A fault in the file, rendered "<source>: [<table>] <key>: <problem>".
struct Reader {
  std::string_view source;

  Error fault(std::string_view table, std::string_view key, const std::string& problem) const {
    std::string where(source);
    where += ": ";
    if (!table.empty()) {
      where += '[';
      where += table;
      where += "] ";
    }
    if (!key.empty()) {
      where += key;
      where += ": ";
    }
    where += problem;
    return make_error(Errc::invalid_field, std::move(where), "key_policy");
  }

  template <class T>
  Result<std::optional<T>> positive(const toml::table& row, std::string_view table,
                                    std::string_view key) const {
    const toml::node* node = row.get(key);
    if (!node) return std::optional<T>{};
    auto v = node->value<std::int64_t>();
    if (!node->is_integer() || !v) return fault(table, key, "must be an integer");
    if (*v < 1) return fault(table, key, "must be at least 1, got " + std::to_string(*v));
    if (*v > 1000000000) return fault(table, key, "is too large: " + std::to_string(*v));
    return std::optional<T>{static_cast<T>(*v)};
  }

  Result<Rights> rights(const toml::table& row, std::string_view table,
                        std::initializer_list<std::string_view> extra_keys) const {
    for (const auto& [k, v] : row) {
      std::string_view key = k.str();
      bool known = key == "rights" || key == "max_speed_kmh" || key == "max_duration_minutes" ||
                   key == "max_uses" || key == "max_radius_m";
      for (auto extra : extra_keys) known = known || key == extra;
      if (!known) return fault(table, key, "unknown key");
    }
    Rights r;
    const toml::array* actions = row.get_as<toml::array>("rights");
    if (!actions) return fault(table, "rights", "missing (an array of rights, may be empty)");
    for (const auto& element : *actions) {
      auto name = element.value<std::string>();
      if (!element.is_string() || !name) return fault(table, "rights", "must hold strings");
      auto action = parse_action(*name);
      if (!action) {
        return fault(table, "rights",
                     "unknown right '" + *name +
                         "' (unlock, lock, open_trunk, start, drive, reshare)");
      }
      r.actions.add(*action);
    }
    PADDOCK_ASSIGN(speed, positive<int>(row, table, "max_speed_kmh"));
    PADDOCK_ASSIGN(minutes, positive<std::int64_t>(row, table, "max_duration_minutes"));
    PADDOCK_ASSIGN(uses, positive<int>(row, table, "max_uses"));
    PADDOCK_ASSIGN(radius, positive<int>(row, table, "max_radius_m"));
    r.max_speed_kmh = speed;
    r.max_duration_minutes = minutes;
    r.max_uses = uses;
    if (radius) r.max_radius_m = *radius;
    return r;
  }

  // The named section: every one of `names` present as a table, nothing else.
  template <class Enum, std::size_t N>
  Result<const toml::table*> section(const toml::table& root, std::string_view name,
                                     const Enum (&values)[N]) const {
    const toml::node* node = root.get(name);
    if (!node) return fault(name, "", "missing section");
    const toml::table* t = node->as_table();
    if (!t) return fault(name, "", "must be a table");
    for (const auto& [k, v] : *t) {
      bool known = false;
      for (Enum e : values) known = known || name_of(e) == k.str();
      if (!known) return fault(std::string(name) + "." + std::string(k.str()), "", "unknown " +
                               std::string(name == "tasks" ? "task" : "relationship"));
      if (!v.is_table()) {
        return fault(std::string(name) + "." + std::string(k.str()), "", "must be a table");
      }
    }
    for (Enum e : values) {
      if (!t->get(name_of(e))) {
        return fault(std::string(name) + "." + std::string(name_of(e)), "", "missing table");
      }
    }
    return t;
  }
};

}  // namespace

Result<KeyPolicy> parse_key_policy(std::string_view text, std::string_view source) {
  Reader reader{source};
  toml::table root;
  try {
    root = toml::parse(text, source);
  } catch (const toml::parse_error& e) {
    return reader.fault("", "",
                        "not valid TOML at line " + std::to_string(e.source().begin.line) + ": " +
                            std::string(e.description()));
  }
  for (const auto& [k, v] : root) {
    if (k.str() != "tasks" && k.str() != "relationships") {
      return reader.fault(k.str(), "", "unknown section (tasks, relationships)");
    }
  }
  KeyPolicy policy;
  PADDOCK_ASSIGN(tasks, reader.section(root, "tasks", kTasks));
  for (Task t : kTasks) {
    std::string table = "tasks." + std::string(name_of(t));
    const toml::table& row = *tasks->get_as<toml::table>(name_of(t));
    PADDOCK_ASSIGN(rights, reader.rights(row, table, {"verification"}));
    TaskTemplate tmpl{rights, {}};
    if (const toml::node* v = row.get("verification")) {
      const toml::array* list = v->as_array();
      if (!list) return reader.fault(table, "verification", "must be an array");
      for (const auto& element : *list) {
        auto name = element.value<std::string>();
        if (!element.is_string() || !name || *name != "code") {
          return reader.fault(table, "verification", "unknown step (code)");
        }
        tmpl.verification.push_back(*name);
      }
    }
    policy.tasks[static_cast<std::size_t>(t)] = std::move(tmpl);
  }
  PADDOCK_ASSIGN(relationships, reader.section(root, "relationships", kRelationships));
  for (Relationship r : kRelationships) {
    std::string table = "relationships." + std::string(name_of(r));
    const toml::table& row = *relationships->get_as<toml::table>(name_of(r));
    PADDOCK_ASSIGN(rights, reader.rights(row, table, {}));
    policy.relationships[static_cast<std::size_t>(r)] = rights;
  }
  return policy;
}

Result<KeyPolicy> load_key_policy(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return make_error(Errc::invalid_field, path + ": cannot read the key policy file",
                      "key_policy");
  }
  std::ostringstream text;
  text << in.rdbuf();
  return parse_key_policy(text.str(), path);
}

Result<KeyPolicy> default_key_policy() {
  return parse_key_policy(default_key_policy_text(), "the built-in key policy");
}

}  // namespace paddock::keys
