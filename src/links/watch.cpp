#include "links/watch.hpp"

#include <algorithm>

namespace paddock::links {

bool WatchHub::Watcher::next(std::vector<std::shared_ptr<const std::string>>& out,
                             std::size_t max) {
  std::lock_guard lock(mutex_);
  while (max-- > 0 && !queue_.empty()) {
    out.push_back(std::move(queue_.front()));
    queue_.pop_front();
  }
  return !(ended_ && queue_.empty());
}

void WatchHub::publish(const std::string& link_id, std::string json, bool final) {
  auto frame = std::make_shared<const std::string>(std::move(json));
  std::vector<std::function<void()>> wakes;
  {
    std::lock_guard lock(mutex_);
    UnixMillis now = now_millis();
    prune(now);
    Entry& e = links_[link_id];
    e.touched = now;
    // The first notices matter (claimed, approved); refreshes past the cap are only live.
    if (e.kept.size() < kKeptPerLink) e.kept.push_back(frame);
    e.final = e.final || final;
    for (auto it = e.watchers.begin(); it != e.watchers.end();) {
      auto w = it->lock();
      if (!w) {
        it = e.watchers.erase(it);
        continue;
      }
      std::lock_guard wl(w->mutex_);
      // A watcher this far behind is not reading; it is ended rather than grown.
      if (w->queue_.size() >= kQueuePerWatcher) w->ended_ = true;
      if (!w->ended_) w->queue_.push_back(frame);
      w->ended_ = w->ended_ || final;
      wakes.push_back(w->wake_);
      ++it;
    }
  }
  for (auto& wake : wakes) wake();
}

std::shared_ptr<WatchHub::Watcher> WatchHub::subscribe(const std::string& link_id,
                                                       std::function<void()> wake) {
  auto w = std::make_shared<Watcher>();
  w->wake_ = std::move(wake);
  std::lock_guard lock(mutex_);
  UnixMillis now = now_millis();
  prune(now);
  Entry& e = links_[link_id];
  e.touched = now;
  w->queue_.assign(e.kept.begin(), e.kept.end());
  w->ended_ = e.final;
  e.watchers.push_back(w);
  return w;
}

void WatchHub::unsubscribe(const std::string& link_id, const std::shared_ptr<Watcher>& watcher) {
  std::lock_guard lock(mutex_);
  auto it = links_.find(link_id);
  if (it == links_.end()) return;
  auto& ws = it->second.watchers;
  ws.erase(std::remove_if(ws.begin(), ws.end(),
                          [&](const std::weak_ptr<Watcher>& w) {
                            auto p = w.lock();
                            return !p || p == watcher;
                          }),
           ws.end());
}

void WatchHub::prune(UnixMillis now) {
  for (auto it = links_.begin(); it != links_.end();) {
    if (it->second.watchers.empty() && now - it->second.touched > kKeepSeconds * 1000LL) {
      it = links_.erase(it);
    } else {
      ++it;
    }
  }
}

void WatchSession::on_open(session::Session& session) {
  session.send_comment("watching link " + link_id_);
  watcher_ = hub_.subscribe(link_id_, session.waker());
}

void WatchSession::on_writable(session::Session& session, std::size_t budget) {
  if (!watcher_) return;
  std::vector<std::shared_ptr<const std::string>> frames;
  bool alive = watcher_->next(frames, budget);
  for (auto& f : frames) {
    std::string_view bytes = *f;
    session.send(session::MessageKind::text, session::SharedBytes{std::move(f), bytes});
  }
  if (!alive) session.close(session::kCloseNormal, "link closed");
}

void WatchSession::on_closed() {
  if (watcher_) hub_.unsubscribe(link_id_, watcher_);
  watcher_.reset();
}

}  // namespace paddock::links
