// Runs the backend conformance suite (storage/conformance) against PostgreSQL: each case gets a
// scratch database of its own on the throwaway test cluster (a ctest fixture).
#include "storage/conformance/conformance.hpp"
#include "storage/postgres/pg_store.hpp"
#include "storage/postgres/test_cluster.hpp"

namespace paddock::storage::conformance {
namespace {

// Keeps each case's scratch database alive as long as its store.
class ScratchStore final : public Store {
 public:
  ScratchStore(std::unique_ptr<postgres::ScratchDatabase> db, std::unique_ptr<Store> store)
      : db_(std::move(db)), store_(std::move(store)) {}
  ~ScratchStore() override { store_.reset(); }
  Reads& reads() override { return store_->reads(); }
  void submit(WriteJob job) override { store_->submit(std::move(job)); }
  Result<int> schema_version() override { return store_->schema_version(); }
  int expected_schema_version() const override { return store_->expected_schema_version(); }
  WriteHealth write_health() const override { return store_->write_health(); }
  void set_announcement_handler(AnnouncementHandler handler) override {
    store_->set_announcement_handler(std::move(handler));
  }

 private:
  std::unique_ptr<postgres::ScratchDatabase> db_;  // dropped after the store has closed
  std::unique_ptr<Store> store_;
};

BackendFactory postgres_backend() {
  return {"postgres", [](const std::filesystem::path&) -> Result<std::unique_ptr<Store>> {
            auto cluster = postgres::test_cluster_conninfo();
            if (!cluster) {
              return make_error(Errc::storage_unavailable,
                                "no test cluster: run under ctest (PADDOCK_TEST_POSTGRES_STATE)");
            }
            auto db = std::make_unique<postgres::ScratchDatabase>(*cluster);
            auto store = postgres::open_store({db->conninfo()});
            if (!store) return store.take_error();
            return std::unique_ptr<Store>(
                std::make_unique<ScratchStore>(std::move(db), std::move(store.value())));
          }};
}

INSTANTIATE_TEST_SUITE_P(Postgres, StoreContract, ::testing::Values(postgres_backend()),
                         backend_name);

}  // namespace
}  // namespace paddock::storage::conformance
