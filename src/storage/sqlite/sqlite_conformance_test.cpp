// Runs the backend conformance suite (storage/conformance) against SQLite.
#include "storage/conformance/conformance.hpp"
#include "storage/sqlite/sqlite_store.hpp"

namespace paddock::storage::conformance {
namespace {

BackendFactory sqlite_backend() {
  return {"sqlite", [](const std::filesystem::path& dir) {
            return sqlite::open_store({(dir / "paddock.db").string()});
          }};
}

INSTANTIATE_TEST_SUITE_P(Sqlite, StoreContract, ::testing::Values(sqlite_backend()), backend_name);

}  // namespace
}  // namespace paddock::storage::conformance
