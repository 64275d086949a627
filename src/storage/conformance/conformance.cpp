#include "storage/conformance/conformance.hpp"

#include <unistd.h>

namespace paddock::storage::conformance {

void StoreContract::SetUp() {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  std::string name = std::string(info->test_suite_name()) + "-" + info->name();
  for (auto& c : name) {
    if (c == '/') c = '_';
  }
  dir_ = std::filesystem::temp_directory_path() /
         ("paddock-contract-" + std::to_string(::getpid()) + "-" + name);
  std::filesystem::remove_all(dir_);
  std::filesystem::create_directories(dir_);
  auto store = GetParam().open(dir_);
  ASSERT_TRUE(store.ok()) << store.error().detail;
  store_ = std::move(store.value());
}

void StoreContract::TearDown() {
  store_.reset();
  std::filesystem::remove_all(dir_);
}

void StoreContract::must_write(std::function<Result<void>(Writes&)> fn) {
  auto r = write<bool>([fn = std::move(fn)](Writes& w) -> Result<bool> {
    PADDOCK_TRY(fn(w));
    return true;
  });
  ASSERT_TRUE(r.ok()) << r.error().detail;
}

UserRecord StoreContract::user(const std::string& name) {
  return UserRecord{"usr_" + name, name, "Name " + name, "hash", 1};
}

DeviceRecord StoreContract::device(const std::string& id, const std::string& user_id,
                                   UnixMillis created_at, bool primary) {
  return DeviceRecord{id, user_id, "n", "phone", "key", primary, std::nullopt, created_at};
}

VehicleRecord StoreContract::vehicle(const std::string& id, const std::string& owner_id,
                                     std::optional<std::string> vin, UnixMillis created_at) {
  VehicleRecord v;
  v.id = id;
  v.owner_id = owner_id;
  v.vin = std::move(vin);
  v.nickname = "car " + id;
  v.visibility = "uffpuu";
  v.created_at = created_at;
  return v;
}

FollowRecord StoreContract::follow(const std::string& id, const std::string& vehicle_id,
                                   const std::string& follower_id, FollowStatus status,
                                   UnixMillis created_at) {
  return FollowRecord{id, vehicle_id, follower_id, status, 0x3f, false, false, created_at};
}

void StoreContract::seed() {
  must_write([](Writes& w) -> Result<void> {
    for (const char* name : {"a", "b", "c"}) PADDOCK_TRY(w.identity().insert_user(user(name)));
    return w.sharing().insert_vehicle(vehicle("veh_1", "usr_a", "VIN00000000000001", 10));
  });
}

std::string backend_name(const ::testing::TestParamInfo<BackendFactory>& info) {
  return info.param.name;
}

}  // namespace paddock::storage::conformance
