#include "storage/sqlite/rows.hpp"

#include "storage/sqlite/repositories.hpp"

namespace paddock::storage::sqlite {

Error storage_fault(Connection* db, const char* operation, const SqliteError& e) {
  std::string what = std::string(operation) + ": " + e.what();
  if (db) db->note_fault(what);
  log::event(log::Level::error, "storage: statement failed", {{"error", what}});
  // The client learns only that it may retry; the log keeps SQLite's words.
  return make_error(Errc::storage_unavailable, "the database is unavailable; try again later");
}

Result<void> Context::announce(std::string_view topic, std::string_view payload) {
  PADDOCK_TRY(check_announcement(topic, payload));
  announcements_.emplace_back(topic, payload);
  return {};
}

}  // namespace paddock::storage::sqlite
