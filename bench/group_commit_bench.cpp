// Durable writes per second through the SQLite group-commit writer alone (no HTTP): each
// benchmark thread plays one client that submits a device insert and waits until it is
// committed (synchronous=FULL), as a request handler does. Threads(N) is the concurrency.
//   build/release/paddock_microbench --benchmark_filter=GroupCommit
#include <benchmark/benchmark.h>

#include <atomic>
#include <filesystem>
#include <future>
#include <mutex>

#include "core/encoding.hpp"
#include "core/ids.hpp"
#include "storage/sqlite/sqlite_store.hpp"

namespace {

using namespace paddock;

struct SharedStore {
  std::filesystem::path dir;
  std::unique_ptr<storage::Store> store;
};

SharedStore& shared_store() {
  static SharedStore s = [] {
    SharedStore out;
    out.dir = std::filesystem::temp_directory_path() /
              ("paddock-bench-" + std::to_string(::getpid()));
    std::filesystem::remove_all(out.dir);
    auto store = storage::sqlite::open_store({(out.dir / "paddock.db").string()});
    if (!store) std::abort();
    out.store = std::move(store.value());
    std::promise<void> ready;
    out.store->write<bool>(
        [](storage::Writes& w) -> Result<bool> {
          (void)w.identity().insert_user({"usr_bench", "bench", "bench", "h", 1});
          return true;
        },
        [&](Result<bool>) { ready.set_value(); });
    ready.get_future().wait();
    return out;
  }();
  return s;
}

void BM_GroupCommitDeviceInsert(benchmark::State& state) {
  init_crypto();
  auto& store = *shared_store().store;
  const std::string key = base64url_encode(random_bytes(32));
  for (auto _ : state) {
    std::promise<bool> done;
    storage::DeviceRecord device{new_id("dev"), "usr_bench", "bench", "phone", key,
                                 false,         std::nullopt, now_millis()};
    store.write<bool>(
        [device](storage::Writes& w) -> Result<bool> {
          PADDOCK_TRY(w.devices().insert_device(device));
          return true;
        },
        [&done](Result<bool> r) { done.set_value(r.ok()); });
    if (!done.get_future().get()) state.SkipWithError("write failed");
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_GroupCommitDeviceInsert)->Threads(1)->Threads(16)->Threads(64)->Threads(256)
    ->UseRealTime()->MinTime(2.0);

}  // namespace
