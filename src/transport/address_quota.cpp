#include "transport/address_quota.hpp"

#include <cstring>
#include <functional>
#include <utility>

namespace paddock::transport {

Address16 quota_key(const Address16& address) {
  static constexpr std::uint8_t kMappedPrefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF};
  if (std::memcmp(address.data(), kMappedPrefix, sizeof kMappedPrefix) == 0) return address;
  Address16 key = address;
  std::memset(key.data() + 8, 0, 8);
  return key;
}

AddressSlot::AddressSlot(AddressSlot&& other) noexcept
    : quota_(std::exchange(other.quota_, nullptr)), key_(other.key_) {}

AddressSlot& AddressSlot::operator=(AddressSlot&& other) noexcept {
  if (this != &other) {
    release();
    quota_ = std::exchange(other.quota_, nullptr);
    key_ = other.key_;
  }
  return *this;
}

void AddressSlot::release() {
  if (auto* quota = std::exchange(quota_, nullptr)) quota->release(key_);
}

std::size_t AddressQuota::Hash::operator()(const Address16& a) const noexcept {
  std::uint64_t high = 0;
  std::uint64_t low = 0;
  std::memcpy(&high, a.data(), 8);
  std::memcpy(&low, a.data() + 8, 8);
  return std::hash<std::uint64_t>{}(high * 0x9E3779B97F4A7C15ull ^ low);
}

AddressSlot AddressQuota::try_acquire(const Address16& address) {
  Address16 key = quota_key(address);
  std::lock_guard lock(mutex_);
  int& count = counts_[key];
  if (count >= limit_) return {};
  ++count;
  return AddressSlot(this, key);
}

void AddressQuota::release(const Address16& key) {
  std::lock_guard lock(mutex_);
  auto it = counts_.find(key);
  if (it != counts_.end() && --it->second <= 0) counts_.erase(it);
}

int AddressQuota::count(const Address16& address) const {
  std::lock_guard lock(mutex_);
  auto it = counts_.find(quota_key(address));
  return it == counts_.end() ? 0 : it->second;
}

std::size_t AddressQuota::tracked_addresses() const {
  std::lock_guard lock(mutex_);
  return counts_.size();
}

}  // namespace paddock::transport
