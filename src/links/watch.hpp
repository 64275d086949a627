#pragma once
// links/watch: live notices for the first terminal watching its link (link.claimed,
// link.approved, link.denied, link.refreshed, link.revoked), and the SSE/WebSocket handler that
// sends them. In memory and per node: a link's notices are kept (at most kKeptPerLink, for
// kKeepSeconds) so that a screen that connects after the phone acted still learns of it; the
// approval's session token exists nowhere else (the database keeps its hash). Depends on core
// and session only.
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/clock.hpp"
#include "session/session.hpp"

namespace paddock::links {

class WatchHub {
 public:
  static constexpr std::size_t kKeptPerLink = 16;
  static constexpr int kKeepSeconds = 600;
  static constexpr std::size_t kQueuePerWatcher = 64;

  // A watcher's side: frames in order, and whether the link ended (revoked, denied, ...).
  class Watcher {
   public:
    // Moves up to `max` frames into `out`; returns false once the watch is over and drained.
    bool next(std::vector<std::shared_ptr<const std::string>>& out, std::size_t max);

   private:
    friend class WatchHub;
    std::mutex mutex_;
    std::deque<std::shared_ptr<const std::string>> queue_;
    std::function<void()> wake_;
    bool ended_ = false;
  };

  // Any thread. Queues `json` for the link's watchers (and keeps it for later ones); `final`
  // ends their watch after it.
  void publish(const std::string& link_id, std::string json, bool final = false);
  // A new watcher, given the link's kept notices first. `wake` is called (any thread) when
  // there is something to send.
  std::shared_ptr<Watcher> subscribe(const std::string& link_id, std::function<void()> wake);
  void unsubscribe(const std::string& link_id, const std::shared_ptr<Watcher>& watcher);

 private:
  struct Entry {
    std::vector<std::shared_ptr<const std::string>> kept;
    bool final = false;
    UnixMillis touched = 0;
    std::vector<std::weak_ptr<Watcher>> watchers;
  };
  void prune(UnixMillis now);
  std::mutex mutex_;
  std::unordered_map<std::string, Entry> links_;
};

// The session handler of GET /v1/links/{id}/events.
class WatchSession final : public session::Handler {
 public:
  WatchSession(WatchHub& hub, std::string link_id) : hub_(hub), link_id_(std::move(link_id)) {}
  void on_open(session::Session& session) override;
  void on_writable(session::Session& session, std::size_t budget) override;
  void on_closed() override;

 private:
  WatchHub& hub_;
  std::string link_id_;
  std::shared_ptr<WatchHub::Watcher> watcher_;
};

}  // namespace paddock::links
