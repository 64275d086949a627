#pragma once
// storage/conformance: the backend conformance suite. Every repository contract (identity,
// devices, sharing, the event log, single-use secrets, the unit of work) as value-parameterized
// GoogleTest cases over a backend factory. A backend runs them by instantiating the suite with
// its factory (storage/sqlite/sqlite_conformance_test.cpp does it for SQLite); PostgreSQL will
// run the same cases unchanged. Test-only; depends on storage's interfaces.
#include <gtest/gtest.h>

#include <filesystem>
#include <functional>
#include <future>
#include <memory>
#include <ostream>
#include <string>

#include "storage/store.hpp"

namespace paddock::storage::conformance {

struct BackendFactory {
  std::string name;
  // Opens a fresh, empty store whose files (if any) live under `dir`.
  std::function<Result<std::unique_ptr<Store>>(const std::filesystem::path& dir)> open;
};

class StoreContract : public ::testing::TestWithParam<BackendFactory> {
 protected:
  void SetUp() override;
  void TearDown() override;

  // Runs `fn` as one write job and waits for its completion.
  template <class T>
  Result<T> write(std::function<Result<T>(Writes&)> fn) {
    std::promise<Result<T>> done;
    auto future = done.get_future();
    store_->write<T>(std::move(fn), [&done](Result<T> r) { done.set_value(std::move(r)); });
    return future.get();
  }
  // Runs `fn` as a write job that must succeed.
  void must_write(std::function<Result<void>(Writes&)> fn);
  Reads& reads() { return store_->reads(); }

  static UserRecord user(const std::string& name);
  static DeviceRecord device(const std::string& id, const std::string& user_id,
                             UnixMillis created_at, bool primary = false);
  static VehicleRecord vehicle(const std::string& id, const std::string& owner_id,
                               std::optional<std::string> vin, UnixMillis created_at);
  static FollowRecord follow(const std::string& id, const std::string& vehicle_id,
                             const std::string& follower_id, FollowStatus status,
                             UnixMillis created_at);
  // Users usr_a, usr_b, usr_c and vehicle veh_1 owned by usr_a.
  void seed();

  std::filesystem::path dir_;
  std::unique_ptr<Store> store_;
};

std::string backend_name(const ::testing::TestParamInfo<BackendFactory>& info);
// Names the backend in failure messages.
inline void PrintTo(const BackendFactory& backend, std::ostream* os) { *os << backend.name; }

}  // namespace paddock::storage::conformance
