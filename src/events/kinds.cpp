#include "events/kinds.hpp"

#include <mutex>
#include <shared_mutex>
#include <vector>

namespace paddock::events {
namespace {

// A handful of kinds: a vector beats a hash map, and the names are string literals that
// outlive the registry.
struct Registry {
  std::shared_mutex mutex;
  std::vector<EventKind> kinds;
};

Registry& registry() {
  static Registry r;
  return r;
}

}  // namespace

void register_kinds(std::span<const EventKind> kinds) {
  auto& r = registry();
  std::unique_lock lock(r.mutex);
  for (const auto& kind : kinds) {
    bool known = false;
    for (auto& k : r.kinds) {
      if (k.name == kind.name) {
        k = kind;
        known = true;
      }
    }
    if (!known) r.kinds.push_back(kind);
  }
}

std::string_view payload_key(std::string_view kind) {
  auto& r = registry();
  std::shared_lock lock(r.mutex);
  for (const auto& k : r.kinds) {
    if (k.name == kind) return k.payload_key;
  }
  return "data";
}

}  // namespace paddock::events
