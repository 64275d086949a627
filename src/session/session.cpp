#include "session/session.hpp"

namespace paddock::session {

SharedBytes SharedBytes::copy(std::string text) {
  auto owned = std::make_shared<const std::string>(std::move(text));
  std::string_view view = *owned;
  return SharedBytes{std::move(owned), view};
}

Waker Waker::calling(const std::shared_ptr<std::function<void()>>& fn) {
  return Waker(fn, [](std::shared_ptr<void> target, WakeHint) {
    (*static_cast<std::function<void()>*>(target.get()))();
  });
}

void Handler::on_message(Session&, MessageKind, std::string_view) {}
void Handler::on_writable(Session&, std::size_t) {}
void Handler::on_deadline(Session&) {}
std::string Handler::slow_consumer_reason(std::int64_t) { return "slow consumer"; }
void Handler::on_shutdown(Session& session) {
  session.close(kCloseGoingAway, "server shutting down");
}
void Handler::on_closed() {}

}  // namespace paddock::session
