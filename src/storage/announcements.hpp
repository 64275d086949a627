#pragma once
// storage/announcements: hands each committed announcement (storage::Writes::announce) to the
// modules that asked for its topic, and "resync" to every one of them that keeps state in
// memory. One per process, set as the store's announcement handler before serving; handlers
// run on a storage thread and must only hand work off. Header-only; depends on nothing.
#include <functional>
#include <string>
#include <unordered_map>
#include <vector>

namespace paddock::storage {

class AnnouncementRouter {
 public:
  using Handler = std::function<void(const std::string& payload)>;

  // Registration happens before the router is handed to the store: no locking needed.
  void on(const std::string& topic, Handler handler) {
    handlers_[topic].push_back(std::move(handler));
  }
  // Called with an empty payload when announcements may have been missed (see Store).
  void on_resync(Handler handler) { on("resync", std::move(handler)); }

  void operator()(const std::string& topic, const std::string& payload) const {
    auto found = handlers_.find(topic);
    if (found == handlers_.end()) return;
    for (const auto& handler : found->second) handler(payload);
  }

 private:
  std::unordered_map<std::string, std::vector<Handler>> handlers_;
};

}  // namespace paddock::storage
