#include "storage/postgres/rows.hpp"

#include "core/log.hpp"
#include "storage/postgres/pg_store.hpp"
#include "storage/postgres/repositories.hpp"

namespace paddock::storage::postgres {

Error storage_fault(Link& link, const char* operation, const PgError& e) {
  std::string what = std::string(operation) + ": " + e.what();
  link.fault = PgError(e.sqlstate, what);
  // A lost race (serialization failure, deadlock) is retried by the writer: not worth an error.
  log::event(e.retryable() ? log::Level::info : log::Level::error, "storage: statement failed",
             {{"error", what}, {"sqlstate", e.sqlstate}});
  // The client learns only that it may retry; the log keeps PostgreSQL's words.
  return make_error(Errc::storage_unavailable, "the database is unavailable; try again later");
}

Result<void> Context::announce(std::string_view topic, std::string_view payload) {
  PADDOCK_TRY(check_announcement(topic, payload));
  std::string message;
  message.reserve(topic.size() + 1 + payload.size());
  message.append(topic).append(" ").append(payload);
  return guarded(link_, "announce", [&](Connection& db) {
    db.query("SELECT pg_notify($1, $2)", kAnnounceChannel, message);
  });
}

}  // namespace paddock::storage::postgres
