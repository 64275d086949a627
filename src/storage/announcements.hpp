#pragma once
// storage/announcements: hands each committed announcement (storage::Writes::announce) to the
// modules that asked for its topic, and "resync" to every one of them that keeps state in
// memory. One per process, set as the store's announcement handler before serving; handlers
// run on a storage thread and must only hand work off. Also the two helpers every announcer and
// listener shares. Header-only; depends on storage's interface.
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "storage/store.hpp"

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

// Announces from outside a write job (a limiter's count, a session's end): a job that writes
// nothing and only announces. When the store is failing, the announcement is lost with it.
inline void announce_later(Store& store, std::string topic, std::string payload) {
  store.submit(WriteJob{[topic = std::move(topic), payload = std::move(payload)](Writes& w) {
                          return w.announce(topic, payload).ok();
                        },
                        [](bool) {}});
}

// Splits the first space-separated word off `rest` (payloads are words, the last may hold
// spaces).
inline std::string_view next_word(std::string_view& rest) {
  auto space = rest.find(' ');
  std::string_view word = rest.substr(0, space);
  rest = space == std::string_view::npos ? std::string_view{} : rest.substr(space + 1);
  return word;
}

}  // namespace paddock::storage
